"""Reports from the pages: ``GET /report/<kind>.html`` and ``/report/<kind>.pdf`` (kinds: sourcing, sites).

They only compute (no token), take bounded parameters (``radius_km``, ``k``, ``top``) and run one at a time per
process: a report opens a headless Chromium for its map images and PDF, seconds of work on a small machine.
Without Chromium the HTML is served without map images and the PDF answers 503 saying what to install.
"""

from __future__ import annotations

import threading

from flask import Blueprint, Response

from supplychain import chromium, reportmaps, reports
from supplychain.errors import InputError

from . import assets, security
from .api import arg, workspace

bp = Blueprint("reports", __name__)

_one_at_a_time = threading.BoundedSemaphore(1)
WAIT_S = 120


def _make(kind: str, pdf: bool) -> tuple[str, bytes | None]:
    reports.check_kind(kind)
    params = reports.Params.parse(arg("radius_km"), arg("k"), arg("top"))
    if not _one_at_a_time.acquire(timeout=WAIT_S):
        raise InputError(None, "another report is being made: try again shortly", "busy", 429)
    try:
        vendor = reportmaps.Assets(assets.local_url, assets.VENDOR_DIR) if assets.VENDOR_DIR.is_dir() else None
        return reports.make(workspace(), kind, params, vendor, pdf=pdf)
    finally:
        _one_at_a_time.release()


@bp.get("/report/<kind>.html")
def report_html(kind: str):
    html, _pdf = _make(kind, pdf=False)
    # The report's one inline <style> gets this response's CSP nonce (the file itself stays standalone).
    html = html.replace("<style>", f'<style nonce="{security.nonce()}">', 1)
    return Response(html, mimetype="text/html")


@bp.get("/report/<kind>.pdf")
def report_pdf(kind: str):
    try:
        _html, pdf = _make(kind, pdf=True)
    except chromium.ChromiumMissing as exc:  # said plainly, with what to install (the HTML report still works)
        return Response(str(exc), status=503, mimetype="text/plain; charset=utf-8")
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="supplychain-report-{kind}.pdf"'
    return resp
