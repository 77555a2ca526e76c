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
from supplychain.store import db_wait_s, is_busy_error

log = logging.getLogger("webapp.errors")


def wants_json() -> bool:
    """API paths (and only they) get JSON errors."""
    return request.path == "/api" or request.path.startswith("/api/")


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def _page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(InputError)
    def _input_error(exc: InputError):
        status = exc.status if 400 <= exc.status < 500 else 400
        if wants_json():
            return jsonify(exc.to_dict()), status
        return _page(status, "输入有误 Bad input", f"{exc.field}: {exc.message}" if exc.field else exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 413: "too_large"}.get(
            exc.code, "http_error")
        if exc.code and exc.code >= 500:
            log.error("HTTP %s on %s %s: %s", exc.code, request.method, request.path, exc.description)
        message = exc.description or exc.name
        if exc.code == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
            message = f"请求体过大 Request body too large (at most {limit / 1048576:g} MB)"
        if wants_json():
            return jsonify(error_body(code, message, "body" if exc.code == 413 else None)), exc.code
        title = {404: "页面不存在 Page not found"}.get(exc.code, f"{exc.code} {exc.name}")
        return _page(exc.code or 500, title, message)

    @app.errorhandler(sqlite3.OperationalError)
    def _database_error(exc: sqlite3.OperationalError):
        """Another process (e.g. a CLI import) held the registry's write lock past the wait: 503, retry later."""
        if not is_busy_error(exc):
            return _unexpected(exc)
        log.warning("database busy on %s %s: %s", request.method, request.path, exc)
        message = ("数据库正忙（另一进程正在写入），请稍后重试 Database busy: another process is writing; "
                   "nothing was changed, try again shortly")
        headers = {"Retry-After": str(max(1, round(db_wait_s())))}
        if wants_json():
            return jsonify(error_body("busy", message, None)), 503, headers
        body, status = _page(503, "数据库正忙 Database busy", message)
        return body, status, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.full_path)
        message = "服务器内部错误 Internal server error (logged on the server)"
        if wants_json():
            return jsonify(error_body("internal", message, None)), 500
        return _page(500, "出错了 Something went wrong", message)
