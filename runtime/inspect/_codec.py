"""One JSON codec for the app model's frozen dataclasses, driven by their type hints.

A field is read from and written to the key of its name unless its metadata
(:func:`meta`) says otherwise: another ``key``, what a ``missing`` value reads as,
and whether (or when) it is written ``out``. So a new field is added in one place,
the dataclass. Reading is forgiving, as the probe's answer comes from another
interpreter: a missing key or ``null`` reads as the field's default (or the type's
empty value), values are coerced to the hinted type, and anything that does not
fit an optional field reads as ``None``.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["from_json", "meta", "to_json"]

T = TypeVar("T")

_UNSET: Any = object()
_META = "asgideck.json"


@dataclasses.dataclass(frozen=True)
class _Meta:
    key: str | None
    missing: Any
    out: bool | Callable[[Any], bool]


def meta(
    *,
    key: str | None = None,
    missing: Any = _UNSET,
    out: bool | Callable[[Any], bool] = True,
) -> dict[str, Any]:
    """Field metadata: the JSON ``key`` (default: the field's name), the value of a
    ``missing`` key (default: the field's default), and ``out``: False to never
    write the field, or a test of the object that says whether to write it."""
    return {_META: _Meta(key, missing, out)}


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    key: str
    hint: Any
    missing: Callable[[], Any]
    out: bool | Callable[[Any], bool]


@functools.cache
def _fields(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    found = []
    for spec in dataclasses.fields(cls):
        info: _Meta = spec.metadata.get(_META, _Meta(None, _UNSET, True))
        hint = hints[spec.name]
        missing: Callable[[], Any]
        if info.missing is not _UNSET:
            missing = _constant(info.missing)
        elif spec.default is not dataclasses.MISSING:
            missing = _constant(spec.default)
        elif spec.default_factory is not dataclasses.MISSING:
            missing = spec.default_factory
        else:
            missing = functools.partial(_empty, hint)  # a fresh {} each time
        found.append(_Field(spec.name, info.key or spec.name, hint, missing, info.out))
    return tuple(found)


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def from_json(cls: type[T], data: Mapping[str, Any]) -> T:
    """An instance of the dataclass ``cls`` from its JSON object ``data``."""
    values = {}
    for spec in _fields(typing.cast(type, cls)):
        value = data.get(spec.key)
        values[spec.name] = spec.missing() if value is None else _read(spec.hint, value)
    return cls(**values)


def to_json(obj: Any) -> Any:
    """``obj`` as JSON data: dataclasses become objects, tuples lists, mappings dicts."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            spec.key: to_json(getattr(obj, spec.name))
            for spec in _fields(type(obj))
            if (spec.out(obj) if callable(spec.out) else spec.out)
        }
    if isinstance(obj, Mapping):
        return {key: to_json(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json(item) for item in obj]
    return obj


def _optional(hint: Any) -> Any | None:
    """``X`` for a hint ``X | None``, else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
    return None


def _empty(hint: Any) -> Any:
    """The value of a field that is missing and has no default."""
    if hint is Any or _optional(hint) is not None:
        return None
    origin = typing.get_origin(hint) or hint
    if origin is tuple:
        return ()
    if origin is Mapping or origin is dict:
        return {}
    return origin()  # str, bool, int


def _read(hint: Any, value: Any) -> Any:
    """``value`` (not None) as the type ``hint`` says; None where an optional one does not fit."""
    inner = _optional(hint)
    if inner is not None:
        return _read_optional(inner, value)
    if hint is Any:
        return value
    origin = typing.get_origin(hint)
    if origin is tuple:
        (item, _) = typing.get_args(hint)
        return tuple(_read(item, entry) for entry in value or ())
    if origin is Mapping:
        return _read_mapping(hint, value) or {}
    if dataclasses.is_dataclass(hint):
        return from_json(hint, value)  # type: ignore[arg-type]
    if hint is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else 0
    return hint(value)  # str, bool


def _read_optional(inner: Any, value: Any) -> Any:
    origin = typing.get_origin(inner)
    if origin is Mapping:
        return _read_mapping(inner, value)
    if inner is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return _read(inner, value)


def _read_mapping(hint: Any, value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    _, item = typing.get_args(hint)
    return {str(key): _read(item, entry) for key, entry in value.items()}
