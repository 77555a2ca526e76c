"""``supplychain serve``: the web app under waitress (a production WSGI server)."""

from __future__ import annotations

from .common import add_data_dir


def register(sub) -> None:
    p = sub.add_parser("serve", help="start the web app (map, supplier query, sourcing, sites, route)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    add_data_dir(p)
    p.set_defaults(func=cmd_serve)


def cmd_serve(args) -> int:
    import waitress

    from webapp import create_app

    app = create_app(data_dir=args.data_dir)
    ws = app.config["WORKSPACE"]
    net = ws.network.summary() if ws.network else None
    print(f"registry: {len(ws.entities)} entities; network: "
          + (f"{net['nodes']:,} nodes ({net['source']})" if net else "none (estimated distances)"))
    print(f"serving on http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="supplychain")
    return 0
