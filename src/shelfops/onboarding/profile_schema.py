"""Checking profile data against the JSON schema, with errors a person can act on.

``jsonschema`` says *that* something is wrong in terms of the schema (``3 is not of type
'string'``, ``… is not valid under any of the given schemas``). This module says it in
terms of the profile: the YAML path, the line, what was expected and what was found,
e.g. ``line 14: field_map.sales.quantity: expected string, got 3``. For a value that may
take several shapes (a null policy is ``reject``, ``drop_row`` or ``{default: …}``; a
transport is chosen by its ``kind``) it reports the shape the value was evidently meant
to be, not all of them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from shelfops.onboarding.profile_yaml import LineIndex, PathKey

_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
    "null": type(None),
}


def schema_errors(data: Any, schema: dict[str, Any], lines: LineIndex) -> list[str]:
    """Every schema violation of ``data``, as ``line N: path: message`` strings in line
    order."""
    validator = Draft202012Validator(schema)
    found: list[tuple[PathKey, str]] = []
    for error in validator.iter_errors(data):
        found.extend(_explain(error, schema))
    unique = list(dict.fromkeys(found))
    ordered = sorted(unique, key=lambda item: (lines.line_of(item[0]) or 0, _path(item[0])))
    return [_render(path, message, lines) for path, message in ordered]


def _render(path: PathKey, message: str, lines: LineIndex) -> str:
    line = lines.line_of(path)
    where = f"line {line}: " if line is not None else ""
    return f"{where}{_path(path)}: {message}"


def _path(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(profile)"


def _explain(error: ValidationError, root: dict[str, Any]) -> list[tuple[PathKey, str]]:
    path: PathKey = tuple(error.absolute_path)
    instance: Any = error.instance
    kind = error.validator
    # jsonschema types these as "maybe unset"; for a reported error they are set.
    value: Any = error.validator_value
    schema: Any = error.schema
    if kind in ("anyOf", "oneOf"):
        return _explain_union(error, root)
    if kind == "type":
        return [(path, f"expected {_types(value)}, got {_show(instance)}")]
    if kind == "required":
        missing = [key for key in value if key not in instance]
        return [(path, f"missing required key {key!r}") for key in missing]
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extras = [key for key in instance if key not in allowed]
        return [((*path, key), _unknown_key(key, allowed)) for key in extras]
    if kind == "enum":
        options = ", ".join(repr(v) for v in value)
        return [(path, f"expected one of {options}, got {_show(instance)}")]
    if kind == "const":
        return [(path, f"expected {value!r}, got {_show(instance)}")]
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}
        return [(path, f"must be {sign[str(kind)]} {value}, got {_show(instance)}")]
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return [(path, f"must be {bound} {value} character(s), got {_show(instance)}")]
    if kind == "minItems":
        return [(path, f"needs at least {value} item(s)")]
    if kind == "pattern":
        return [(path, f"{_show(instance)} does not match the pattern {value}")]
    return [(path, error.message)]


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}{hint} (allowed: {', '.join(allowed)})"


def _explain_union(error: ValidationError, root: dict[str, Any]) -> list[tuple[PathKey, str]]:
    """Explain a value that matched none of a union's shapes by the shape it was meant to
    be: the one whose type (and ``kind``/``method`` tag) it has."""
    path: PathKey = tuple(error.absolute_path)
    instance = error.instance
    options: Any = error.validator_value
    branches = [_resolve(b, root) for b in options]
    tagged = _tagged_branch(instance, branches)
    if isinstance(tagged, tuple):
        tag, message = tagged
        return [((*path, tag), message)]
    if tagged is not None:
        candidates = [tagged]
    else:
        candidates = [i for i, b in enumerate(branches) if _type_fits(b, instance)]
    if len(candidates) == 1:
        inner = [
            e for e in error.context or [] if e.schema_path and e.schema_path[0] == candidates[0]
        ]
        if inner:
            explained: list[tuple[PathKey, str]] = []
            for sub in inner:
                explained.extend(_explain(sub, root))
            return explained
    shapes = " or ".join(dict.fromkeys(_shape(b) for b in branches))
    return [(path, f"expected {shapes}, got {_show(instance)}")]


def _tagged_branch(instance: Any, branches: list[dict[str, Any]]) -> int | tuple[str, str] | None:
    """The branch a mapping names with its ``kind`` or ``method`` tag; a message when the
    tag is missing or unknown; None when the branches are not tagged."""
    for tag in ("kind", "method"):
        consts = {
            b.get("properties", {}).get(tag, {}).get("const"): i
            for i, b in enumerate(branches)
            if "const" in b.get("properties", {}).get(tag, {})
        }
        if not consts:
            continue
        if not isinstance(instance, dict):
            return None
        options = ", ".join(repr(c) for c in consts)
        if tag not in instance:
            return tag, f"missing required key (one of {options})"
        if instance[tag] not in consts:
            return tag, f"expected one of {options}, got {_show(instance[tag])}"
        return consts[instance[tag]]
    return None


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        return resolved if isinstance(resolved, dict) else {}
    return schema


def _type_fits(schema: dict[str, Any], instance: Any) -> bool:
    if "enum" in schema:
        return any(type(v) is type(instance) for v in schema["enum"])
    if "const" in schema:
        return type(schema["const"]) is type(instance)
    declared = schema.get("type")
    if declared is None:
        return "anyOf" in schema or "oneOf" in schema
    names = declared if isinstance(declared, list) else [declared]
    return any(_is_type(instance, name) for name in names)


def _is_type(instance: Any, name: str) -> bool:
    if isinstance(instance, bool) and name in ("integer", "number"):
        return False
    expected = _JSON_TYPES.get(name)
    return expected is not None and isinstance(instance, expected)


def _shape(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    if schema.get("type") == "object":
        keys = list(schema.get("properties", {}))
        return "a mapping with " + ", ".join(keys) if keys else "a mapping"
    if "type" in schema:
        return _types(schema["type"])
    if "oneOf" in schema or "anyOf" in schema:
        return "a mapping"
    return "a valid value"


def _types(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    words = {"object": "a mapping", "array": "a list", "null": "null"}
    return " or ".join(words.get(str(n), str(n)) for n in names)


def _show(instance: Any) -> str:
    if isinstance(instance, bool):
        text = "true" if instance else "false"
        return (
            f"{text} (YAML reads unquoted yes/no/on/off/true/false as a boolean; quote it for text)"
        )
    if instance is None:
        return "null (an empty value)"
    if isinstance(instance, dict):
        return "a mapping"
    if isinstance(instance, list):
        return "a list"
    return repr(instance)
