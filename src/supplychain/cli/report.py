"""``supplychain report sourcing|sites``: a report to hand on, as standalone HTML or an A4 PDF (headless Chromium)."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import chromium, reportmaps, reports
from ..errors import InputError
from ..workspace import Workspace
from .common import add_data_dir


def register(sub) -> None:
    p = sub.add_parser("report", help="a report (HTML, or PDF through headless Chromium): sourcing or sites")
    p.add_argument("kind", choices=tuple(reports.KINDS), help="sourcing (the 10 km check) or sites (best sites, 补链)")
    p.add_argument("--out", help="FILE.pdf or FILE.html (default: the HTML on standard output)")
    p.add_argument("--radius-km", default=10, help="sourcing radius by road in km (default 10)")
    p.add_argument("--k", default=5, help=f"sites report: number of best sites (1–{reports.MAX_K}, default 5)")
    p.add_argument("--top", default=3, help="sites report: chain-gap sites per category (default 3)")
    add_data_dir(p)
    p.set_defaults(func=cmd_report)


def _assets():
    """The web app's vendored Leaflet files, which the map images are drawn with (None when not installed)."""
    from webapp import assets

    return reportmaps.Assets(assets.local_url, assets.VENDOR_DIR) if assets.VENDOR_DIR.is_dir() else None


def cmd_report(args) -> int:
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InputError("out", f"--out must end in .pdf or .html, got {out.name!r}")
    if out is not None and not out.parent.exists():
        raise InputError("out", f"no such directory: {out.parent}", "not_found")
    params = reports.Params.parse(args.radius_km, args.k, args.top)
    ws = Workspace.open(args.data_dir)
    want_pdf = out is not None and out.suffix.lower() == ".pdf"
    try:
        html, pdf = reports.make(ws, args.kind, params, _assets(), pdf=want_pdf)
    except chromium.ChromiumMissing as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 1
    if out is None:
        sys.stdout.write(html)
        return 0
    if want_pdf:
        out.write_bytes(pdf)
    else:
        out.write_text(html, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0
