"""The JS/CSS the pages load, served by the app itself from ``/static/vendor/`` (no CDN, works on intranets).

One table (:data:`ASSETS`) says which npm package file backs each resource; it drives both the vendoring
(``python -m webapp.assets ensure``: ``npm ci`` in ``webapp/npm/`` then copy into ``webapp/static/vendor/``)
and the Folium overrides (:func:`local_url` rewrites every CDN URL Folium would emit to the local copy).

Folium names its resources (``leaflet``, ``jquery``, ``markerclusterjs`` …); those names are the keys here.
A resource Folium asks for that is neither listed nor deliberately dropped is an error, so a new plugin can
never slip a CDN URL into a page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NPM_DIR = HERE / "npm"
NODE_MODULES = NPM_DIR / "node_modules"
VENDOR_DIR = HERE / "static" / "vendor"
STAMP = VENDOR_DIR / ".stamp.json"
URL_PREFIX = "/static/vendor"


@dataclass(frozen=True)
class Asset:
    """One file of an npm package, served at ``/static/vendor/<package>/<path>``.

    ``extra`` lists further files or folders of the package the file needs at run time (e.g. the images
    that ``leaflet.css`` points to with relative URLs); they are copied, never referenced by name.
    """

    package: str
    path: str
    extra: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"{URL_PREFIX}/{self.package}/{self.path}"


#: Folium resource name -> the vendored file that replaces its CDN URL.
ASSETS: dict[str, Asset] = {
    "leaflet": Asset("leaflet", "dist/leaflet.js"),
    "leaflet_css": Asset("leaflet", "dist/leaflet.css", extra=("dist/images",)),
    # folium's Popup and Map scripts call jQuery's $(...).
    "jquery": Asset("jquery", "dist/jquery.min.js"),
    "markerclusterjs": Asset("leaflet.markercluster", "dist/leaflet.markercluster.js"),
    "markerclustercss": Asset("leaflet.markercluster", "dist/MarkerCluster.css"),
    "markerclusterdefaultcss": Asset("leaflet.markercluster", "dist/MarkerCluster.Default.css"),
    "featuregroupsubgroupjs": Asset("leaflet.featuregroup.subgroup", "dist/leaflet.featuregroup.subgroup.js"),
    # Not Folium's: the map pages' PNG export (static/export.js) draws the map's DOM into a canvas with it.
    "html_to_image": Asset("html-to-image", "dist/html-to-image.js"),
    # The offline basemap's renderer: vector tiles drawn on canvas, labels placed without collisions.
    "protomaps_leaflet": Asset("protomaps-leaflet", "dist/protomaps-leaflet.js"),
}

#: Resources folium.Map lists by default that no page uses (Bootstrap, Font Awesome, awesome-markers:
#: only folium.Icon needs them, and the pages draw their own markers). Dropped from the Map, not vendored.
DROPPED = frozenset({
    "bootstrap", "bootstrap_css", "glyphicons_css", "awesome_markers", "awesome_markers_css",
    "awesome_markers_font_css", "awesome_rotate_css",
})

#: Licences copied next to the files (the packages are MIT / BSD-2-Clause / BSD-3-Clause and ask for it).
LICENCE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md")


class AssetError(RuntimeError):
    """Vendoring failed, or a page asked for a resource with no local copy."""


def local_url(name: str, url: str) -> str | None:
    """The local URL for the Folium resource ``name`` (``None`` when it is deliberately dropped).

    Raises
    ------
    AssetError
        For a resource with no vendored copy: add it to :data:`ASSETS` and ``webapp/npm/package.json``.
    """
    if name in ASSETS:
        return ASSETS[name].url
    if name in DROPPED:
        return None
    raise AssetError(f"no local copy of the web resource {name!r} ({url}): add it to webapp/assets.py ASSETS "
                     "and webapp/npm/package.json, then run `python -m webapp.assets ensure`")


def files_to_copy() -> list[tuple[str, str]]:
    """(package, relative path) of every file or folder to vendor, without duplicates."""
    out: list[tuple[str, str]] = []
    for a in ASSETS.values():
        for rel in (a.path, *a.extra):
            if (a.package, rel) not in out:
                out.append((a.package, rel))
    for pkg in sorted({a.package for a in ASSETS.values()}):
        for lic in LICENCE_NAMES:
            if (NODE_MODULES / pkg / lic).is_file() or not NODE_MODULES.exists():
                out.append((pkg, lic))
                break
    return out


def _fingerprint() -> str:
    """Changes whenever the lock file or the asset table changes."""
    h = hashlib.sha256()
    h.update((NPM_DIR / "package-lock.json").read_bytes())
    h.update(json.dumps({k: [a.package, a.path, *a.extra] for k, a in ASSETS.items()}, sort_keys=True).encode())
    return h.hexdigest()[:16]


def missing_files() -> list[str]:
    """Vendored files the pages need that are not in ``static/vendor`` (empty when all are there)."""
    return [a.url for a in ASSETS.values() if not (VENDOR_DIR / a.package / a.path).is_file()]


def is_ready() -> bool:
    """True when every asset is vendored and matches the current lock file and table."""
    if missing_files() or not STAMP.is_file():
        return False
    try:
        return json.loads(STAMP.read_text())["fingerprint"] == _fingerprint()
    except (ValueError, KeyError, OSError):
        return False


def _npm_ci(log) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm is not installed, and the web app's JavaScript/CSS (Leaflet …) must be vendored "
                         "with it once: install Node.js + npm (Debian: `apt-get install npm`), then run "
                         "`python -m webapp.assets ensure` again")
    log(f"installing web assets with npm ci in {NPM_DIR} …")
    proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                          cwd=NPM_DIR, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssetError(f"npm ci failed in {NPM_DIR} (exit {proc.returncode}):\n{proc.stderr.strip()[-2000:]}")


def _node_modules_complete() -> bool:
    return all((NODE_MODULES / pkg / rel).exists() for pkg, rel in files_to_copy() if rel not in LICENCE_NAMES)


def ensure(force: bool = False, log=lambda msg: print(msg, file=sys.stderr)) -> bool:
    """Vendor every asset into ``static/vendor`` unless already done; returns True when it did work.

    Idempotent and fast when up to date (a stamp file records the lock file's fingerprint).
    """
    if not force and is_ready():
        return False
    if force or not _node_modules_complete():
        _npm_ci(log)
    if not _node_modules_complete():
        missing = [f"{p}/{r}" for p, r in files_to_copy() if not (NODE_MODULES / p / r).exists()]
        raise AssetError(f"npm ci did not provide: {', '.join(missing)} (check webapp/npm/package.json versions)")
    tmp = VENDOR_DIR.with_name(".vendor-tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    for pkg, rel in files_to_copy():
        src = NODE_MODULES / pkg / rel
        if not src.exists():  # a licence file name not shipped: nothing to copy
            continue
        dst = tmp / pkg / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    (tmp / STAMP.name).write_text(json.dumps({"fingerprint": _fingerprint(),
                                              "files": [a.url for a in ASSETS.values()]}, indent=1))
    if VENDOR_DIR.exists():
        shutil.rmtree(VENDOR_DIR)
    tmp.rename(VENDOR_DIR)
    log(f"web assets ready in {VENDOR_DIR} ({len(ASSETS)} files)")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.assets",
                                     description="Vendor the web app's JS/CSS (Leaflet and plugins) from npm.")
    parser.add_argument("command", choices=("ensure", "check", "list"),
                        help="ensure: install/copy if needed; check: exit 1 if not ready; list: print the table")
    parser.add_argument("--force", action="store_true", help="reinstall and copy even when up to date")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, a in ASSETS.items():
            print(f"{name:26} {a.package}/{a.path}")
        return 0
    if args.command == "check":
        missing = missing_files()
        if missing or not is_ready():
            print("web assets not ready" + (f"; missing: {', '.join(missing)}" if missing else " (stale)"),
                  file=sys.stderr)
            return 1
        print("web assets ready")
        return 0
    try:
        ensure(force=args.force)
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
