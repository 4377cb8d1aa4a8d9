"""Tool schemas as sent to a model: what the providers send and the token counter counts.

A leaf module (no provider imported) so that domains/ai/tokens.py can count exactly what the
providers send without the providers package and the token counter importing each other.
"""

from __future__ import annotations

from typing import Any

_DROPPED_KEYS = frozenset({"title"})
_STRING_CAP = 200  # ToolArgs' str_max_length: enforced on our side, not worth tokens per request
# Guards the executor enforces anyway (it validates with the full models and sends a model its
# error back): the no-NUL pattern on every string, list caps, wide number bounds.
_GUARD_PATTERN = "^[^\\x00]*$"
_LIST_CAP = 50
_WIDE_BOUND = 10_000


def compact_schema(schema: Any) -> Any:
    """A pydantic JSON schema without what costs tokens and tells a model nothing.

    Drops `title`s, `default: null`, the blanket 200-char string cap, and turns the
    `anyOf: [X, {type: null}]` of an optional field into X (leaving a field out means the
    same). Validation is unchanged: the tool executor validates with the full models.
    About a third fewer prompt tokens for our 14 tools (3459 -> 2321 with o200k_base).
    """
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED_KEYS and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        if key == "maxLength" and value == _STRING_CAP:
            continue
        if (key == "pattern" and value == _GUARD_PATTERN) or (key == "maxItems" and value == _LIST_CAP):
            continue
        if key == "maximum" and isinstance(value, int | float) and value >= _WIDE_BOUND:
            continue
        if key == "properties" and isinstance(value, dict):  # property names are data, never dropped
            out[key] = {name: compact_schema(prop) for name, prop in value.items()}
            continue
        out[key] = compact_schema(value)
    options = out.get("anyOf")
    if isinstance(options, list):
        non_null = [o for o in options if o != {"type": "null"}]
        if len(non_null) == 1 and len(non_null) < len(options) and isinstance(non_null[0], dict):
            merged = {k: v for k, v in out.items() if k != "anyOf"}
            merged.update(non_null[0])
            return merged
    return out
