"""The one error type for bad user input, shared by the CLI (one-line reason, exit 2) and the API (4xx JSON)."""

from __future__ import annotations

from .messages import _



class NetworkError(RuntimeError):
    """The network could not be imported, fetched or loaded."""


class InputError(ValueError):
    """A request or command argument is wrong.

    Parameters
    ----------
    field
        The parameter at fault (``lon``, ``radius_km``, ``category``…), named in API errors.
    message
        What is wrong, in words a user can act on.
    code
        A short machine-readable code (``invalid``, ``not_found``, ``out_of_area``…).
    status
        The HTTP status the API answers with.
    """

    def __init__(self, field: str | None, message: str, code: str = "invalid", status: int = 400):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.status = status

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


def parse_float(value, field: str, lo: float | None = None, hi: float | None = None) -> float:
    """A finite float within [lo, hi], or :class:`InputError` naming ``field``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(field, _("{field} is required", field=field), "missing")
    if isinstance(value, bool):  # JSON true/false are not 1/0
        raise InputError(field, _("{field} must be a number, got {value}", field=field, value=str(value).lower()))
    try:
        x = float(value)
    except OverflowError:
        raise InputError(field, _("{field} is far too large", field=field), "out_of_range") from None
    except (TypeError, ValueError):
        raise InputError(field, _("{field} must be a number, got {value}",
                                  field=field, value=_shown(value))) from None
    if x != x or x in (float("inf"), float("-inf")):
        raise InputError(field, _("{field} must be finite, got {value}", field=field, value=repr(value)))
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise InputError(field, _("{field} must be between {lo} and {hi}, got {x}",
                                  field=field, lo=format(lo, 'g'), hi=format(hi, 'g'), x=format(x, 'g')),
                                  "out_of_range")
    return x


def parse_int(value, field: str, lo: int | None = None, hi: int | None = None) -> int:
    """A whole number within [lo, hi] (``3``, ``3.0``, ``"3"``; not ``true``, not ``3.5``), or :class:`InputError`."""
    x = parse_float(value, field, lo, hi)
    if not x.is_integer():
        raise InputError(field, _("{field} must be a whole number, got {value}", field=field, value=_shown(value)))
    return int(x)


def optional_str(value, field: str) -> str | None:
    """Text or nothing: ``None`` for null/blank, the stripped text for a string, :class:`InputError` otherwise."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(field, _("{field} must be text, got {name} {value}",
                                  field=field, name=type(value).__name__, value=_shown(value)))
    return value.strip() or None


def _shown(value, limit: int = 60) -> str:
    """A value as an error message shows it: its repr, cut short (a 10 MB body is not echoed back)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
