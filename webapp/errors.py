"""Error handling: the API answers JSON ``{"error": {"code", "message", "field"}}``, pages a plain page.

A bad request is a 4xx naming the field at fault; anything unexpected is logged with its traceback on the
server and answered with a generic 500 that reveals nothing of the code.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from supplychain.errors import InputError
from supplychain.messages import _
from supplychain.store import db_wait_s, is_busy_error

log = logging.getLogger("webapp.errors")


def wants_json() -> bool:
    """API paths (and only they) get JSON errors."""
    return request.path == "/api" or request.path.startswith("/api/")


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def _page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def http_message(exc: HTTPException) -> str:
    """What went wrong, in the catalog's words (werkzeug's own descriptions are English only)."""
    if exc.code == 404:
        return _("Nothing is served at {path}: check the address", path=request.path[:200])
    if exc.code == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or ())) or "—"
        return _("Method {method} is not allowed at {path}; allowed: {allowed}", method=request.method,
                 path=request.path[:200], allowed=allowed)
    if exc.code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return _("Request body too large (at most {mb} MB)", mb=format(limit / 1048576, "g"))
    if exc.code == 400:
        return _("Bad request: the server could not read it")
    return _("HTTP error {code}: {name}", code=exc.code, name=exc.name)


def register(app: Flask) -> None:
    @app.errorhandler(InputError)
    def _input_error(exc: InputError):
        status = exc.status if 400 <= exc.status < 500 else 400
        if wants_json():
            return jsonify(exc.to_dict()), status
        return _page(status, _("Bad input"), f"{exc.field}: {exc.message}" if exc.field else exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 413: "too_large"}.get(
            exc.code, "http_error")
        if exc.code and exc.code >= 500:
            log.error("HTTP %s on %s %s: %s", exc.code, request.method, request.path, exc.description)
        message = http_message(exc)
        if wants_json():
            return jsonify(error_body(code, message, "body" if exc.code == 413 else None)), exc.code
        title = _("Page not found") if exc.code == 404 else _("Error {code}", code=exc.code)
        return _page(exc.code or 500, title, message)

    @app.errorhandler(sqlite3.OperationalError)
    def _database_error(exc: sqlite3.OperationalError):
        """Another process (e.g. a CLI import) held the registry's write lock past the wait: 503, retry later."""
        if not is_busy_error(exc):
            return _unexpected(exc)
        log.warning("database busy on %s %s: %s", request.method, request.path, exc)
        message = _("Database busy: another process is writing; nothing was changed, try again shortly")
        headers = {"Retry-After": str(max(1, round(db_wait_s())))}
        if wants_json():
            return jsonify(error_body("busy", message, None)), 503, headers
        body, status = _page(503, _("Database busy"), message)
        return body, status, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.full_path)
        message = _("Internal server error (logged on the server)")
        if wants_json():
            return jsonify(error_body("internal", message, None)), 500
        return _page(500, _("Something went wrong"), message)
