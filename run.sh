#!/usr/bin/env bash
# One entry point for people and CI.
#   ./run.sh          set everything up (idempotent) and start the web app on the embedded defaults
#   ./run.sh test     set everything up and run the whole test suite (what .ci/run calls)
#   ./run.sh bench    run the benchmarks (writes benchmarks/results/*.json, prints tables)
#   ./run.sh setup    only set up
#   ./run.sh messages refresh the message catalog (src/supplychain/locale) from the sources
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
VENV=$ROOT/.venv
PY=$VENV/bin/python
SHARED_GEO=$ROOT/../shared/geo

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

setup_python() {
  if [ ! -x "$PY" ]; then
    say "creating the virtual environment in .venv"
    python3 -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
    python3 -m venv "$VENV"
  fi
  # Reinstall only when the dependency list changed.
  local stamp=$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)
  if [ ! -f "$stamp" ]; then
    say "installing Python packages (osmnx, geopandas, folium, flask, scipy …)"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -e ".[test]"
    rm -f "$VENV"/.installed-*; touch "$stamp"
  fi
}

setup_assets() {
  # Leaflet, Bootstrap and friends, served by the app itself (pages make no CDN request).
  "$PY" -m webapp.assets ensure
}

setup_browser() {
  # Debian's Chromium: the browser tests drive it (Playwright; it never downloads a browser), and the reports
  # use it at run time for their map images and PDFs. `setup_browser optional` (serve) warns instead of failing:
  # without it the app runs and the HTML reports work, only PDFs and map images are unavailable.
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium (browser tests, PDF reports)"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null \
      || { echo "could not install chromium: run 'apt-get install chromium' as root" >&2
           if [ "${1:-required}" = optional ]; then echo "continuing: PDF reports and report map images are unavailable" >&2; else exit 1; fi; }
  fi
}

load_default_network() {
  # The embedded default: the real SIP road network in ../shared/geo, imported once into the data dir.
  # (The CLI refuses an explicit data dir that does not exist; setting up is what this script is for.)
  if [ -n "${SUPPLYCHAIN_DATA_DIR:-}" ]; then mkdir -p "$SUPPLYCHAIN_DATA_DIR"; fi
  if ! "$VENV/bin/supplychain" network info --format json 2>/dev/null | "$PY" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["network"] else 1)'; then
    if [ -f "$SHARED_GEO/sip-core.osm" ]; then
      say "importing the OSM road network $SHARED_GEO/sip-core.osm"
      # drive_service keeps the park's 2,186 service roads (osmnx's plain "drive" leaves them out): the same
      # 5,860-node network as osmnx's graph of this file, which the README's figures were measured on.
      "$VENV/bin/supplychain" network import "$SHARED_GEO/sip-core.osm" --network-type drive_service
    else
      say "no road network available: distances will be estimated (see README: loading the real Wuzhong network)"
    fi
  fi
}

load_default_places() {
  # Named points for the offline geocoder: the shipped gazetteer (geo/gazetteer.csv) loads by itself; the
  # shared OSM place files are imported once when present (importing a file again replaces its rows).
  local f
  for f in sip-core-labels.geojson wuzhong-osm-places.geojson; do
    if [ -f "$SHARED_GEO/$f" ] && ! "$VENV/bin/supplychain" places list --format json 2>/dev/null | grep -q "\"$f\""; then
      say "importing named places $SHARED_GEO/$f"
      "$VENV/bin/supplychain" places import "$SHARED_GEO/$f"
    fi
  done
}

cmd=${1:-serve}
case "$cmd" in -*) cmd=serve ;; *) shift || true ;; esac  # ./run.sh --port 9000 means serve
case "$cmd" in
  setup) setup_python; setup_assets ;;
  serve)
    setup_python; setup_assets; setup_browser optional; load_default_network; load_default_places
    exec "$VENV/bin/supplychain" serve "$@" ;;
  test)
    setup_python; setup_assets; setup_browser
    exec "$PY" -m pytest -q "$@" ;;
  bench)
    setup_python
    # spopt (MCLP with CBC) is only the site planner's comparison baseline: the `bench` extra.
    "$PY" -c 'import spopt' 2>/dev/null || { say "installing the benchmark extra (spopt)"; "$PY" -m pip install --quiet -e ".[test,bench]"; }
    exec "$PY" benchmarks/run_all.py "$@" ;;
  messages)
    # Refresh the message catalog from the sources (new msgids appear with an empty Chinese msgstr to write).
    setup_python
    "$VENV/bin/pybabel" -q extract -F babel.cfg -k _ -k N_ -k zh -k en -k pair -k t --no-location -o /tmp/supplychain-messages.pot .
    "$VENV/bin/pybabel" -q update --no-fuzzy-matching --ignore-obsolete -i /tmp/supplychain-messages.pot -d src/supplychain/locale -l zh_Hans
    ;;
  *) echo "usage: ./run.sh [serve|test|bench|setup|messages] [args…]" >&2; exit 2 ;;
esac
