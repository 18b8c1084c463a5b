"""The package map of DESIGN §3, enforced: every import in ``bot/`` points down the stack, never up or in a circle.

The imports are read with ``ast`` (nothing is imported), so an arrow hidden inside a function or a
``TYPE_CHECKING`` block counts too. The checker runs on the real tree and on small synthetic trees
that break each rule, so a broken checker cannot pass silently.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Top to bottom: a unit may import units of a lower row (and others of its own row), never one above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.cli",),
    ("bot.app", "bot.web"),
    ("bot.jobs",),
    ("bot.chat",),
    ("bot.recaps",),
    ("bot.context",),
    ("bot.cards",),
    ("bot.summaries",),
    ("bot.digest",),
    ("bot.meetings",),
    ("bot.webex",),
    ("bot.storage",),
    ("bot.config", "bot.errors", "bot.resources", "bot.metrics", "bot.logs"),
)
ENTRY = {"bot", "bot.__main__"}  # the package root (``bot:create_app``) and ``python -m bot``
SANDBOX = "bot.sandbox"  # beside the stack: talks to the bot over HTTP; only the command line starts it
SANDBOX_MAY_IMPORT = set(LAYERS[-1])
# Each third-party library stays in the units that own it.
LIBRARIES = {
    "sqlalchemy": {"bot.storage"},
    "alembic": {"bot.storage"},
    "huey": {"bot.jobs"},
    "requests": {"bot.webex", SANDBOX},
    "webexpythonsdk": {"bot.webex"},
    "jinja2": {"bot.cards"},
    "jsonschema": {"bot.cards"},
    "flask": {"bot.app", "bot.web", "bot.cli", SANDBOX},
    "gunicorn": {"bot.cli"},
    "ijson": {"bot.meetings"},
    "prometheus_client": {"bot.metrics"},
}
RANK = {unit: row for row, units in enumerate(LAYERS) for unit in units}


def module_name(root: Path, path: Path) -> str:
    """``bot.cards.render`` for ``<root>/bot/cards/render.py`` (``bot.cards`` for its ``__init__.py``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(root: Path, module: str) -> str:
    """The package (``bot.cards``) or top-level module (``bot.web``) a dotted name belongs to."""
    parts = module.split(".")
    if len(parts) == 1:
        return module
    return ".".join(parts[:2])


def imports_of(root: Path, path: Path) -> set[str]:
    """Every module or package ``path`` imports, as absolute dotted names (``from bot import x`` gives ``bot.x``)."""
    me = module_name(root, path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            if base == "bot":  # from bot import cards: the name is a package or module
                found.update(f"bot.{alias.name}" for alias in node.names)
    return found


def violations(root: Path) -> list[str]:
    """What breaks the map in the tree under ``root`` (a folder holding ``bot/``), one line each."""
    edges: dict[str, set[str]] = defaultdict(set)
    problems = []
    for path in sorted((root / "bot").rglob("*.py")):
        module = module_name(root, path)
        unit = unit_of(root, module)
        if unit in ENTRY:  # the root's lazy create_app and `python -m bot` may reach anything
            continue
        for target in imports_of(root, path):
            top = target.split(".")[0]
            if top in LIBRARIES and not _owned(unit, LIBRARIES[top]):
                problems.append(f"{module} imports {top}, which only {', '.join(sorted(LIBRARIES[top]))} may import")
            if top != "bot" or target == "bot":
                continue
            other = unit_of(root, target)
            if other == unit:
                continue
            edges[unit].add(other)
            problems.extend(_arrow_problems(module, unit, other))
    for unit, targets in edges.items():
        for other in targets:
            if unit < other and unit in edges.get(other, ()):
                problems.append(f"{unit} and {other} import each other")
    return sorted(set(problems))


def module_cycles(root: Path) -> list[list[str]]:
    """Circles of imports between single modules anywhere under ``bot/`` (a package importing itself through its
    ``__init__`` counts: ``from bot.x import y`` reaches ``bot.x``)."""
    modules = {module_name(root, path): path for path in (root / "bot").rglob("*.py")}
    # Every module imports the root package ``bot`` first anyway; it reaches the app only inside create_app().
    graph = {name: {target for target in imports_of(root, path) if target in modules and target not in (name, "bot")}
             for name, path in modules.items()}
    for name, path in modules.items():  # `from bot.x import y` where y is a module: an edge to bot.x.y too
        graph[name] |= {f"{target}.{alias}" for target in imports_of(root, path) for alias in _names(path, target)
                        if f"{target}.{alias}" in modules}
    return _circles(graph)


def _names(path: Path, module: str) -> set[str]:
    return {alias.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module == module for alias in node.names}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _owned(unit: str, owners: set[str]) -> bool:
    return unit in owners or unit.startswith(SANDBOX) and SANDBOX in owners


def _arrow_problems(module: str, unit: str, other: str) -> list[str]:
    if unit == SANDBOX:
        return [] if other in SANDBOX_MAY_IMPORT else [f"{module} (sandbox) imports {other}: the sandbox talks to the "
                                                       "bot over HTTP and may import only " +
                                                       ", ".join(sorted(SANDBOX_MAY_IMPORT))]
    if other == SANDBOX:
        return [] if unit == "bot.cli" else [f"{module} imports the sandbox; only bot.cli may start it"]
    if unit not in RANK:
        return [f"{module} is in no row of the package map (a new package needs a row in DESIGN §3 and here)"]
    if other not in RANK:
        return [f"{module} imports {other}, which is in no row of the package map"]
    if RANK[other] < RANK[unit]:
        return [f"{module} imports {other}, which sits above {unit} in DESIGN §3"]
    return []


def test_the_real_tree_follows_the_map():
    assert violations(ROOT) == []


def test_no_modules_import_each_other_in_a_circle():
    assert module_cycles(ROOT) == []


def test_a_circle_of_modules_inside_one_package_fails(tmp_path):
    root = write_tree(tmp_path, {**CLEAN, "bot/sandbox/a.py": "from bot.sandbox import b\n",
                                 "bot/sandbox/b.py": "def late():\n    from bot.sandbox.a import x\n"})
    assert module_cycles(root) == [["bot.sandbox.a", "bot.sandbox.b"]]


def test_top_level_modules_are_the_handful_design_names():
    modules = {path.stem for path in (ROOT / "bot").glob("*.py")}
    assert modules <= {"__init__", "__main__", "app", "web", "config", "errors", "context", "resources",
                       "metrics", "logs"}
    packages = {path.name for path in (ROOT / "bot").iterdir() if (path / "__init__.py").is_file()}
    assert packages <= {unit.split(".")[1] for row in LAYERS for unit in row} | {"sandbox"}


def test_every_package_declares_its_public_names():
    for init in (ROOT / "bot").glob("*/__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        names = {target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets
                 if isinstance(target, ast.Name)}
        assert "__all__" in names or init.parent.name == "sandbox", f"{init} has no __all__"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """A synthetic ``bot/`` tree: every package gets an ``__init__.py``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        for folder in path.relative_to(root).parents:
            if str(folder) != ".":
                (root / folder / "__init__.py").touch()
    return root


CLEAN = {"bot/web.py": "from bot.jobs import Jobs\n", "bot/jobs/runner.py": "from bot.storage import Store\n",
         "bot/storage/store.py": "import sqlalchemy\nfrom bot.config import Settings\n", "bot/config.py": ""}


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("bot/storage/bad.py", "from bot.web import bp\n", "bot.storage.bad imports bot.web, which sits above"),
    ("bot/storage/bad.py", "def late():\n    from bot import web\n", "bot.storage.bad imports bot.web"),
    ("bot/storage/bad.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bot.jobs.runner\n",
     "bot.storage.bad imports bot.jobs"),
    ("bot/cards/bad.py", "import sqlalchemy.orm\n", "bot.cards.bad imports sqlalchemy, which only bot.storage"),
    ("bot/storage/bad.py", "import requests\n", "imports requests"),
    ("bot/storage/bad.py", "from bot.sandbox.emulator import app\n", "only bot.cli may start it"),
    ("bot/sandbox/emulator/bad.py", "from bot.recaps import rules\n", "(sandbox) imports bot.recaps"),
    ("bot/gadgets/thing.py", "from bot.config import Settings\n", "is in no row of the package map"),
])
def test_each_rule_can_fail(tmp_path, name, text, expected):
    root = write_tree(tmp_path, {**CLEAN, name: text})
    found = violations(root)
    assert any(expected in line for line in found), found


def test_a_circle_between_two_packages_of_one_row_fails(tmp_path):
    root = write_tree(tmp_path, {**CLEAN, "bot/app.py": "from bot import web\n", "bot/web.py": "import bot.app\n"})
    assert "bot.app and bot.web import each other" in violations(root)


def test_the_synthetic_clean_tree_passes(tmp_path):
    assert violations(write_tree(tmp_path, CLEAN)) == []
