"""Tool schemas as sent to a model: what the providers send and the token counter counts.

A leaf module (no provider imported) so that domains/ai/tokens.py can count exactly what the
providers send without the providers package and the token counter importing each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_DROPPED_KEYS = frozenset({"title"})
# Said by the tool's executor when broken (an unknown field, a negative count), not on every request.
_DROPPED_VALUES = (("additionalProperties", False), ("minimum", 0))
_STRING_CAP = 200  # ToolArgs' str_max_length: enforced on our side, not worth tokens per request
# Guards the executor enforces anyway (it validates with the full models and sends a model its
# error back): the no-NUL pattern on every string, list caps, wide number bounds.
_GUARD_PATTERN = "^[^\\x00]*$"
_LIST_CAP = 50
_WIDE_BOUND = 1_000


def compact_schema(schema: Any) -> Any:
    """A pydantic JSON schema without what costs tokens and tells a model nothing.

    Drops `title`s, `additionalProperties: false`, `minimum: 0`, a `maxItems` as long as the
    enum of the items, every `default` (leaving a field out gives it; a description says so where
    it matters), the blanket 200-char string cap, and turns the `anyOf: [X, {type: null}]` of an
    optional field into X (leaving a field out means the same), and a number that may also be
    sent as a string (a Decimal) into the number. An enum that appears more than once (the
    metrics of `metrics` and of `sort`) is written once, in `$defs`, and referenced.
    Validation is unchanged: the tool executor validates with the full models.
    """
    return _shared_enums(_inline_single_refs(_compact(schema)))


def _compact(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_compact(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED_KEYS and isinstance(value, str):
            continue
        if key == "default" or any(key == k and value == v for k, v in _DROPPED_VALUES):
            continue
        if key == "maxLength" and value == _STRING_CAP:
            continue
        if (key == "pattern" and value == _GUARD_PATTERN) or (key == "maxItems" and value == _LIST_CAP):
            continue
        if key == "maximum" and isinstance(value, int | float) and value >= _WIDE_BOUND:
            continue
        if key == "properties" and isinstance(value, dict):  # property names are data, never dropped
            out[key] = {name: _compact(prop) for name, prop in value.items()}
            continue
        out[key] = _compact(value)
    items = out.get("items")
    if (
        isinstance(items, dict)
        and isinstance(items.get("enum"), list)
        and out.get("maxItems") == len(items["enum"])
    ):
        del out["maxItems"]  # a list of distinct values of an enum cannot be longer than the enum
    options = out.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        numbers = [o for o in kept if isinstance(o, dict) and o.get("type") == "number"]
        if len(kept) == 2 and len(numbers) == 1 and {"type": "string"} in kept:  # a Decimal, or its text
            kept = numbers
        if len(kept) == 1 and len(kept) < len(options) and isinstance(kept[0], dict):
            merged = {k: v for k, v in out.items() if k != "anyOf"}
            merged.update(kept[0])
            return merged
    return out


def _rewrite(node: Any, fn: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Any:
    """`node` with each dict that `fn` rewrites replaced by what it returns, top down (None: keep
    the dict and look inside it)."""
    if isinstance(node, list):
        return [_rewrite(item, fn) for item in node]
    if not isinstance(node, dict):
        return node
    new = fn(node)
    if new is not None:
        return new
    return {key: _rewrite(value, fn) for key, value in node.items()}


def _inline_single_refs(schema: Any) -> Any:
    """`schema` with each `$defs` entry that is referenced once written in its place."""
    if not isinstance(schema, dict) or not isinstance(schema.get("$defs"), dict):
        return schema
    defs: dict[str, Any] = schema["$defs"]
    text = json.dumps(schema)
    single = {name for name in defs if text.count(f'"#/$defs/{name}"') == 1}

    def inline(node: dict[str, Any]) -> dict[str, Any] | None:
        ref = node.get("$ref")
        if not (isinstance(ref, str) and ref.removeprefix("#/$defs/") in single):
            return None
        rest = {k: _rewrite(v, inline) for k, v in node.items() if k != "$ref"}
        return {**_rewrite(defs[ref.removeprefix("#/$defs/")], inline), **rest}

    out = {key: _rewrite(value, inline) for key, value in schema.items() if key != "$defs"}
    kept = {name: _rewrite(value, inline) for name, value in defs.items() if name not in single}
    return {**out, "$defs": kept} if kept else out


def _shared_enums(schema: Any) -> Any:
    """`schema` with every enum list that occurs more than once moved to `$defs` (named after the
    first property it belongs to, singular: `metrics` -> `metric`) and referenced from there."""
    if not isinstance(schema, dict):
        return schema
    seen: dict[tuple[Any, ...], list[str]] = {}

    def collect(node: Any, owner: str) -> None:
        if isinstance(node, list):
            for item in node:
                collect(item, owner)
        elif isinstance(node, dict):
            enum = node.get("enum")
            if isinstance(enum, list) and node.get("type") == "string":
                seen.setdefault(tuple(enum), []).append(owner)
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for name, prop in value.items():
                        collect(prop, name)
                else:
                    collect(value, owner)

    collect(schema, "value")
    names: dict[tuple[Any, ...], str] = {}
    for enum, owners in seen.items():
        if len(owners) > 1:
            name = owners[0][:-1] if owners[0].endswith("s") else owners[0]
            names[enum] = (
                name
                if name not in names.values() and name not in schema.get("$defs", {})
                else f"{name}_{len(names)}"
            )
    if not names:
        return schema

    def to_ref(node: dict[str, Any]) -> dict[str, Any] | None:
        enum = node.get("enum")
        if isinstance(enum, list) and tuple(enum) in names and node.get("type") == "string":
            rest = {k: v for k, v in node.items() if k not in ("enum", "type")}
            return {"$ref": f"#/$defs/{names[tuple(enum)]}", **rest}
        return None

    out = _rewrite(schema, to_ref)
    defs = dict(out.get("$defs", {}))
    defs.update({name: {"enum": list(enum), "type": "string"} for enum, name in names.items()})
    return {**out, "$defs": defs}
