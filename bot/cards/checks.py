"""Is a card sendable? The Adaptive Cards 1.3 JSON schema, Webex's own limits, and the card's size on the wire."""

from __future__ import annotations

import functools
import json

from jsonschema import Draft6Validator, ValidationError, validators
from jsonschema.exceptions import best_match

from bot.errors import CardError
from bot.resources import data_dir

SCHEMA_FILE = "adaptive-card-1.3.schema.json"
WEBEX_VERSION = "1.3"
MAX_ACTIONS = 5
# Webex does not render these (webex-api-notes §5b); a card carrying them looks broken there.
FORBIDDEN_TYPES = frozenset({"Media"})
FORBIDDEN_KEYS = frozenset({"backgroundImage", "speak", "iconUrl"})


def _type_name(alternative: object) -> str | None:
    """The element type an ``anyOf`` alternative stands for: ``{"required": ["type"], "allOf": [<TextBlock>]}``."""
    try:
        return alternative["allOf"][0]["properties"]["type"]["enum"][0]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def _any_of(validator, alternatives, instance, schema):
    """``anyOf`` with the alternative named after the element's ``type`` tried first.

    Same verdict as the standard keyword (anyOf holds when any alternative holds), but the schema
    lists ~15 element kinds per slot, and trying the right one first makes validation ~7× faster.
    """
    if isinstance(instance, dict) and isinstance(instance.get("type"), str):
        kind = instance["type"]
        alternatives = sorted(alternatives, key=lambda alt: _type_name(alt) != kind)
    errors = []
    for index, alternative in enumerate(alternatives):
        found = list(validator.descend(instance, alternative, schema_path=index))
        if not found:
            return
        errors.extend(found)
    yield ValidationError(f"{_short(instance)} is not valid under any of the given schemas", context=errors)


def _short(instance: object) -> str:
    text = json.dumps(instance, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _inline_refs(schema: dict) -> dict:
    """The schema with every local ``$ref`` replaced by the definition itself (a cyclic dict).

    Draft-06 ignores a ``$ref``'s siblings (here only descriptions), so this validates exactly the
    same, without resolving a reference at every step: half the time again.
    """
    definitions = schema["definitions"]

    def inline(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return definitions[node["$ref"].rsplit("/", 1)[-1]]
            for key, value in node.items():
                node[key] = inline(value)
        elif isinstance(node, list):
            node[:] = [inline(value) for value in node]
        return node

    for definition in definitions.values():
        inline(definition)
    return {key: inline(value) for key, value in schema.items() if key not in ("definitions", "id")}


_FastValidator = validators.extend(Draft6Validator, {"anyOf": _any_of})


@functools.cache
def schema_validator() -> Draft6Validator:
    """The Adaptive Cards 1.3 schema validator, loaded once (draft-06, shipped in ``bot/data``)."""
    schema = json.loads((data_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    return _FastValidator(_inline_refs(schema))


def card_nodes(node: object):
    """Every dict in a card (the card itself, its elements, actions and inner cards), depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from card_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from card_nodes(value)


def webex_problems(content: dict) -> list[str]:
    """What Webex would refuse or not render: version, action count, Media, backgroundImage, speak, iconUrl."""
    problems = []
    if content.get("type") != "AdaptiveCard":
        problems.append('type must be "AdaptiveCard"')
    if content.get("version") != WEBEX_VERSION:
        problems.append(f'version must be "{WEBEX_VERSION}", not {content.get("version")!r}')
    nodes = list(card_nodes(content))
    actions = sum(1 for n in nodes if str(n.get("type", "")).startswith("Action."))
    if actions > MAX_ACTIONS:
        problems.append(f"{actions} actions: Webex shows at most {MAX_ACTIONS} per card (nested ActionSets count)")
    for node in nodes:
        if node.get("type") in FORBIDDEN_TYPES:
            problems.append(f"{node['type']} elements are not supported by Webex")
        problems.extend(f"{key} is not supported by Webex" for key in FORBIDDEN_KEYS & node.keys())
    return problems


def check_limits(content: dict) -> None:
    """The cheap check every card gets before it is sent: Webex's own limits (the schema is proven by the tests)."""
    problems = webex_problems(content)
    if problems:
        raise CardError("; ".join(problems))


def validate_card(content: dict) -> None:
    """Raise CardError unless ``content`` is a valid Adaptive Card 1.3 that Webex accepts."""
    if not isinstance(content, dict):
        raise CardError("a card must be a JSON object")
    error = best_match(schema_validator().iter_errors(content))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "card"
        raise CardError(f"card is not a valid Adaptive Card 1.3 at {where}: {error.message}")
    problems = webex_problems(content)
    if problems:
        raise CardError("card breaks Webex's limits: " + "; ".join(problems))


def card_size(content: dict) -> int:
    """Bytes of the card as sent: compact JSON with non-ASCII escaped (what ``requests`` puts on the wire)."""
    return len(json.dumps(content, separators=(",", ":")))
