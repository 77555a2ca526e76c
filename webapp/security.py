"""Web security: who may write (the edit token), which Host names are served, and the headers of every answer.

- **Writes** (POST/PUT/PATCH/DELETE) need the data dir's edit token (:mod:`supplychain.edittoken`), sent as
  ``Authorization: Bearer TOKEN`` or as the session cookie a browser gets by opening ``/?token=TOKEN`` once
  (the URL ``supplychain serve`` prints): the cookie is set (HttpOnly, SameSite=Strict) and the browser is sent on
  to the same URL without the token, as Jupyter does. Views that only compute are marked :func:`compute_only`;
  a computing view that saves on request calls :func:`require_edit` itself. Read-only mode refuses every write.
- **Host header** checked against an allow-list (loopback names with any port, plus ``--allowed-host``):
  a DNS-rebinding page cannot talk to the app under its own name.
- **Headers**: a Content-Security-Policy with a fresh script nonce per response (templates put
  ``csp_nonce()`` on their inline scripts and styles, :func:`with_nonce` on the map header's), ``frame-ancestors
  'none'``, ``nosniff``, ``Referrer-Policy: same-origin``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, g, redirect, request
from markupsafe import Markup

from supplychain import edittoken
from supplychain.errors import InputError
from supplychain.messages import N_, _

COOKIE = "sc_edit"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

TOKEN_HELP = N_("Edit token required: open the URL `supplychain serve` printed (it carries ?token=…), or run "
               "`supplychain token` and send Authorization: Bearer TOKEN.")
READ_ONLY_HELP = N_("Read-only: this server was started with --read-only and accepts no changes.")

#: Every inline <script> and <style> element carries the nonce. Style *attributes* need 'unsafe-inline'
#: (style-src-attr only): Leaflet, its plugins and Folium's DivIcons write style="…" in the HTML they insert.
#: ``{tiles}``: the hosts of the configured online tile services (supplychain.tilesources), images only.
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
       "style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:{tiles}; connect-src 'self'; font-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Policy:
    token: str
    read_only: bool = False
    allowed_hosts: tuple[str, ...] = ()
    tile_sources: tuple[str, ...] = ()  # CSP img-src sources of the online tile options

    @property
    def session(self) -> str:
        """The cookie's value: derived from the token (the cookie never holds the token itself)."""
        return hmac.new(self.token.encode("ascii"), b"supplychain-session", hashlib.sha256).hexdigest()


def init_app(app: Flask, token: str, read_only: bool = False, allowed_hosts=(), tile_sources=()) -> None:
    app.extensions["sc_security"] = Policy(token, read_only, tuple(h.strip().lower() for h in allowed_hosts),
                                           tuple(tile_sources))
    app.before_request(_check_request)
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = nonce
    app.jinja_env.filters["with_nonce"] = with_nonce


def policy() -> Policy:
    return current_app.extensions["sc_security"]


def compute_only(view):
    """Mark a POST view that changes nothing stored: it needs no edit token."""
    view.sc_compute_only = True
    return view


# ----------------------------------------------------------------------------------------------------
# Host names

def host_name(host: str) -> str:
    """The name part of a Host header: ``127.0.0.1:8000`` -> ``127.0.0.1``, ``[::1]:8000`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host: str, allowed=()) -> bool:
    name = host_name(host or "").rstrip(".")
    return bool(name) and (name in LOOPBACK_HOSTS or name in allowed or host.strip().lower() in allowed)


def is_loopback(bind: str) -> bool:
    """Whether a listen address reaches this machine only (``127.x``, ``::1``, ``localhost``)."""
    import ipaddress

    if bind.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind.strip("[]")).is_loopback
    except ValueError:
        return False


# ----------------------------------------------------------------------------------------------------
# The token

def authorised() -> bool:
    p = policy()
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return edittoken.matches(header[7:].strip(), p.token)
    cookie = request.cookies.get(COOKIE)
    if cookie and hmac.compare_digest(cookie.encode("utf-8", "replace"), p.session.encode("ascii")):
        origin = request.headers.get("Origin")
        # A cookie rides along by itself: a write it authorises must come from this app's own pages.
        return origin is None or urlsplit(origin).netloc.lower() == request.host.lower()
    return False


def require_edit() -> None:
    """Refuse the request unless it may change stored data (403 read-only, 401 without the token)."""
    if policy().read_only:
        raise InputError(None, _(READ_ONLY_HELP), "read_only", 403)
    if not authorised():
        raise InputError(None, _(TOKEN_HELP), "unauthorized", 401)


def _check_request():
    p = policy()
    if not host_allowed(request.host, p.allowed_hosts):
        raise InputError("Host", _("Host not allowed: {host!r} (start the server with --allowed-host NAME to serve it)",
                                   host=host_name(request.host)[:80]), "bad_host", 400)
    if request.method == "GET" and "token" in request.args and not request.path.startswith("/api"):
        return _login()
    if request.method in WRITE_METHODS:
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is not None and not getattr(view, "sc_compute_only", False):
            require_edit()
    return None


def _login():
    """``?token=…`` on a page: set the session cookie and go on to the same URL without the token."""
    p = policy()
    if not edittoken.matches(request.args.get("token"), p.token):
        raise InputError("token", _("Invalid edit token: run `supplychain token` for the current one"),
                         "unauthorized", 401)
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    resp = redirect(request.path + ("?" + urlencode(rest) if rest else ""), 303)
    resp.set_cookie(COOKIE, p.session, httponly=True, samesite="Strict", path="/")
    resp.headers["Cache-Control"] = "no-store"
    return resp


# ----------------------------------------------------------------------------------------------------
# Headers

def nonce() -> str:
    """This response's script nonce (one per request)."""
    if "sc_nonce" not in g:
        g.sc_nonce = secrets.token_urlsafe(16)
    return g.sc_nonce


_INLINE_TAG = re.compile(r"<(script|style)(?![^>]*\bnonce=)")


def with_nonce(html: str) -> Markup:
    """Folium's map header with this response's nonce on each <script> and <style> (it holds no user data)."""
    return Markup(_INLINE_TAG.sub(lambda m: f'<{m.group(1)} nonce="{nonce()}"', str(html)))


def _add_headers(resp):
    tiles = "".join(" " + t for t in policy().tile_sources)
    resp.headers["Content-Security-Policy"] = CSP.format(nonce=nonce(), tiles=tiles)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


__all__ = ["COOKIE", "CSP", "Policy", "authorised", "compute_only", "host_allowed", "init_app", "is_loopback",
           "nonce", "require_edit", "with_nonce"]
