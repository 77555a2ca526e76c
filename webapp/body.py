"""Request bodies: one JSON object, its fields named and bounded before any work is done.

The size of the whole body is bounded by ``MAX_CONTENT_LENGTH`` (413); here a body must be a JSON object whose
keys are all known (400 naming the first unknown one), and lists the caller names stay within their limit.
The library then type-checks every value (``supplychain.errors``), naming the field at fault.
"""

from __future__ import annotations

from flask import request

from supplychain.errors import InputError
from supplychain.messages import N_, _, pair


JSON_OBJECT = N_("a JSON object")


def json_body(known=None, limits: dict[str, int] | None = None, what: str = JSON_OBJECT) -> dict:
    """The request's JSON object.

    Parameters
    ----------
    known
        The field names accepted (``None``: any).
    limits
        ``{field: n}``: that field, when a list, holds at most ``n`` items.
    what
        What the body should be, for the error message: a msgid of the catalog (``N_("the route GeoJSON")``).
    """
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InputError("body", _("Send {what} (Content-Type: application/json)", what=pair(what)))
    if known is not None:
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InputError(unknown[0][:80], _("unknown field {field!r}; expected: {known}", field=unknown[0][:80],
                                                known=", ".join(sorted(known))))
    for field, n in (limits or {}).items():
        value = data.get(field)
        if isinstance(value, list) and len(value) > n:
            raise InputError(field, _("{field}: at most {n:,} items, got {got:,}", field=field, n=n, got=len(value)),
                             "too_many")
    return data
