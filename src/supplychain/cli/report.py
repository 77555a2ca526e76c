"""``supplychain report sourcing|sites``: a report to hand on, as standalone HTML or an A4 PDF (headless Chromium)."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import chromium, reportmaps, reports
from ..errors import InputError
from ..workspace import Workspace
from ..messages import _
from .common import add_data_dir


def register(sub) -> None:
    p = sub.add_parser("report", help=_("a report (HTML, or PDF through headless Chromium): sourcing or sites"))
    p.add_argument("kind", choices=tuple(reports.KINDS), help=_("sourcing (the 10 km check) or sites (best sites, chain gaps)"))
    p.add_argument("--out", help=_("FILE.pdf or FILE.html (default: the HTML on standard output)"))
    p.add_argument("--radius-km", default=10, help=_("sourcing radius by road in km (default 10)"))
    p.add_argument("--k", default=5, help=_("sites report: number of best sites (1–{n}, default 5)", n=reports.MAX_K))
    p.add_argument("--top", default=3, help=_("sites report: chain-gap sites per category (default 3)"))
    add_data_dir(p)
    p.set_defaults(func=cmd_report)


def _assets():
    """The web app's vendored Leaflet files, which the map images are drawn with (None when not installed)."""
    from webapp import assets

    return reportmaps.Assets(assets.local_url, assets.VENDOR_DIR) if assets.VENDOR_DIR.is_dir() else None


def cmd_report(args) -> int:
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InputError("out", _("--out must end in .pdf or .html, got {name}", name=repr(out.name)))
    if out is not None and not out.parent.exists():
        raise InputError("out", _("no such directory: {parent}", parent=out.parent), "not_found")
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
