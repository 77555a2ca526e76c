"""``supplychain serve``: the web app under waitress (a production WSGI server); ``supplychain token``.

Writes need the data dir's edit token (``supplychain.edittoken``): ``serve`` prints it inside the URL that signs a
browser in, ``token`` prints it alone. Waitress is bounded: connections, idle time and body size (the body
limit is the app's ``MAX_CONTENT_LENGTH``, so both refuse the same bodies).
"""

from __future__ import annotations

import sys

from ..messages import _
from .common import add_data_dir

#: Waitress limits: open connections, seconds a connection may sit idle, queued requests before refusing.
CONNECTION_LIMIT = 100
CHANNEL_TIMEOUT_S = 60
BACKLOG = 64
DEFAULT_MAX_BODY_MB = 10


def register(sub) -> None:
    p = sub.add_parser("serve", help=_("start the web app (map, supplier query, sourcing, sites, route)"))
    p.add_argument("--host", default="127.0.0.1", help=_("interface to listen on (default 127.0.0.1)"))
    p.add_argument("--port", type=int, default=8000, help=_("port (default 8000)"))
    p.add_argument("--threads", type=int, default=8, help=_("worker threads (default 8)"))
    p.add_argument("--read-only", action="store_true", help=_("refuse every write (403), token or not"))
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help=_("a Host name to serve besides localhost/127.0.0.1/[::1] (repeatable)"))
    p.add_argument("--max-body-mb", type=float, default=DEFAULT_MAX_BODY_MB,
                   help=_("largest request body in MB (default {n}; 413 beyond)", n=DEFAULT_MAX_BODY_MB))
    add_data_dir(p)
    p.set_defaults(func=cmd_serve)

    t = sub.add_parser("token", help=_("print the edit token that write endpoints require"))
    add_data_dir(t)
    t.set_defaults(func=cmd_token)


def cmd_token(args) -> int:
    from ..edittoken import edit_token
    from ..store import resolve_data_dir

    print(edit_token(resolve_data_dir(args.data_dir)))
    return 0


def cmd_serve(args) -> int:
    import waitress

    from webapp import create_app, security

    max_body = int(args.max_body_mb * 1024 * 1024)
    app = create_app(data_dir=args.data_dir, read_only=args.read_only, allowed_hosts=args.allowed_host,
                     max_content_length=max_body)
    ws = app.config["WORKSPACE"]
    token = app.extensions["sc_security"].token
    net = ws.network.summary() if ws.network else None
    print(f"registry: {len(ws.entities)} entities; network: "
          + (f"{net['nodes']:,} nodes ({net['source']})" if net else "none (estimated distances)"))
    if not security.is_loopback(args.host):
        print(_("WARNING: listening on {host}, reachable from other machines. Writes still need the edit token; "
                "browsers must use a name given with --allowed-host (Host header check).", host=args.host),
              file=sys.stderr)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    shown = f"[{shown}]" if ":" in shown else shown
    if args.read_only:
        print(_("read-only: every write is refused (403)"))
    else:
        print(_("edit token") + f": {token}   (" + _("also: supplychain token") + ")")
    print(_("serving on {url}  (Ctrl+C to stop)", url=f"http://{shown}:{args.port}/"))
    if not args.read_only:
        print(_("open to edit") + f": http://{shown}:{args.port}/?token={token}", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="supplychain",
                   connection_limit=CONNECTION_LIMIT, channel_timeout=CHANNEL_TIMEOUT_S, backlog=BACKLOG,
                   max_request_body_size=max_body, cleanup_interval=30)
    return 0
