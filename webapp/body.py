"""Request bodies: one JSON object, its fields named and bounded before any work is done.

The size of the whole body is bounded by ``MAX_CONTENT_LENGTH`` (413); here a body must be a JSON object whose
keys are all known (400 naming the first unknown one), and lists the caller names stay within their limit.
The library then type-checks every value (``supplychain.errors``), naming the field at fault.
"""

from __future__ import annotations

from flask import request

from supplychain.errors import InputError


def json_body(known=None, limits: dict[str, int] | None = None, what: str = "a JSON object") -> dict:
    """The request's JSON object.

    Parameters
    ----------
    known
        The field names accepted (``None``: any).
    limits
        ``{field: n}``: that field, when a list, holds at most ``n`` items.
    what
        What the body should be, for the error message.
    """
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InputError("body", f"请发送 JSON 对象 Send {what} (Content-Type: application/json)")
    if known is not None:
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InputError(unknown[0][:80], f"未知字段 unknown field {unknown[0][:80]!r}; expected: "
                             f"{', '.join(sorted(known))}")
    for field, n in (limits or {}).items():
        value = data.get(field)
        if isinstance(value, list) and len(value) > n:
            raise InputError(field, f"{field}: 最多 at most {n:,} items, got {len(value):,}", "too_many")
    return data
