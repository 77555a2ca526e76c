"""Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) for reports: a Folium map to PNG and
an HTML report to an A4 PDF.

Nothing leaves the machine: every page is loaded from a made-up origin (``http://report.invalid``) whose
requests Playwright answers itself — the page's HTML, and files under ``/static/vendor/`` from the vendored
asset folder the caller names — and every other request is aborted and recorded (:attr:`Session.refused`).
Chromium runs with the flags the browser tests use (no sandbox, no GPU, no background traffic); Playwright never
downloads a browser here.
"""

from __future__ import annotations

import mimetypes
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

from .messages import _

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
ORIGIN = "http://report.invalid"
VENDOR_PREFIX = "/static/vendor/"


class ChromiumMissing(RuntimeError):
    """Chromium (or Playwright) is not installed: PDFs and map images cannot be made."""


def available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists()


def missing_message() -> str:
    return _("PDF reports and map images need Chromium: install Debian's chromium (./run.sh does: apt-get install "
             "chromium) and the playwright package. The HTML report works without it.")


@dataclass
class Session:
    """One Chromium for several renderings (map images, then the PDF)."""

    browser: object
    vendor_dir: Path | None = None
    refused: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)

    def _page(self, html: str, viewport: dict, scale: float = 1.0):
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=scale)
        page = context.new_page()

        def answer(route) -> None:
            url = urlparse(route.request.url)
            if f"{url.scheme}://{url.netloc}" != ORIGIN:
                self.refused.append(route.request.url)
                route.abort()
            elif url.path == "/page.html":
                route.fulfill(status=200, body=html.encode("utf-8"), content_type="text/html; charset=utf-8")
            elif url.path.startswith(VENDOR_PREFIX) and self.vendor_dir is not None:
                target = (self.vendor_dir / url.path[len(VENDOR_PREFIX):]).resolve()
                if self.vendor_dir.resolve() in target.parents and target.is_file():
                    self.served.append(url.path)
                    route.fulfill(status=200, body=target.read_bytes(),
                                  content_type=mimetypes.guess_type(target.name)[0] or "application/octet-stream")
                else:
                    route.fulfill(status=404, body=b"")
            else:
                route.fulfill(status=404, body=b"")

        page.route("**/*", answer)
        page.goto(f"{ORIGIN}/page.html", wait_until="load")
        return context, page

    def png(self, html: str, width: int = 900, height: int = 520, scale: float = 2.0, settle_ms: int = 400) -> bytes:
        """A screenshot of a whole standalone page (a rendered Folium map), at ``scale`` pixels per CSS pixel so
        that labels stay sharp in print."""
        context, page = self._page(html, {"width": width, "height": height}, scale)
        try:
            page.wait_for_timeout(settle_ms)  # Leaflet finishes its first draw after the load event
            return page.screenshot(type="png")
        finally:
            context.close()

    def pdf(self, html: str, header: str, footer: str) -> bytes:
        """The page printed to an A4 PDF with the given header and footer templates (Chromium's print)."""
        context, page = self._page(html, {"width": 1000, "height": 1400})
        try:
            return page.pdf(format="A4", print_background=True, display_header_footer=True,
                            header_template=header, footer_template=footer,
                            margin={"top": "18mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
        finally:
            context.close()


@contextmanager
def session(vendor_dir: Path | None = None) -> Iterator[Session]:
    """Chromium launched through Playwright; :class:`ChromiumMissing` when it is not installed."""
    if not available():
        raise ChromiumMissing(missing_message())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield Session(browser, Path(vendor_dir) if vendor_dir else None)
        finally:
            browser.close()
