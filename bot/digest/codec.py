"""Digests to bytes and back: compact JSON (each record a list of its fields, in order), zlib-compressed.

JSON, not pickle: a stored digest is data, and reading one back can never run code. The record
types are read from the dataclasses' own type hints, so a field added to a record is stored
without more code here (and the format version says when old digests must be rebuilt).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from bot.digest.model import FORMAT_VERSION, Digest


class DigestFormatError(ValueError):
    """Stored bytes that are not a digest of this format version."""


def encode(digest: Digest) -> bytes:
    """The digest as compressed JSON bytes."""
    return zlib.compress(orjson.dumps(_plain(digest)), 6)


def decode(data: bytes) -> Digest:
    """A digest from ``encode``'s bytes; ``DigestFormatError`` for anything else or another version."""
    try:
        plain = orjson.loads(zlib.decompress(data))
        digest = _typed(Digest, plain)
    except (ValueError, TypeError, KeyError, IndexError, zlib.error) as exc:
        raise DigestFormatError(f"not a stored digest: {exc}") from exc
    if digest.version != FORMAT_VERSION:
        raise DigestFormatError(f"digest format {digest.version}, this release reads {FORMAT_VERSION}")
    return digest


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return [_plain(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _typed(kind: Any, value: Any) -> Any:
    """``value`` (plain JSON) as an instance of the type hint ``kind``."""
    return _decoder(kind)(value)


@functools.cache
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """A function turning plain JSON into ``kind``, worked out once per type (a digest has ~75,000 values)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = _decoder(next(arg for arg in args if arg is not type(None)))
        return lambda value: None if value is None else inner(value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        names = [f.name for f in dataclasses.fields(kind)]
        decoders = [_decoder(hints[name]) for name in names]

        def record(value: Any) -> Any:
            if not isinstance(value, list) or len(value) != len(names):
                raise DigestFormatError(f"{kind.__name__} needs {len(names)} fields")
            return kind(*[decode_one(item) for decode_one, item in zip(decoders, value, strict=True)])
        return record
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            each = _decoder(args[0])
            return lambda value: tuple(each(item) for item in value)
        parts = [_decoder(arg) for arg in args]
        return lambda value: tuple(part(item) for part, item in zip(parts, value, strict=True))
    if origin is dict:
        each = _decoder(args[1])
        return lambda value: {key: each(item) for key, item in value.items()}
    if kind is datetime:
        return datetime.fromisoformat
    if kind in (int, float, str, bool):
        allowed = (int, float) if kind is float else kind
        return lambda value: value if isinstance(value, allowed) else _wrong(kind, value)
    return lambda value: value


def _wrong(kind: type, value: Any) -> Any:
    raise DigestFormatError(f"expected {kind.__name__}, got {type(value).__name__}")
