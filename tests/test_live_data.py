"""A running server serves what another process (the CLI) changed in its data dir, without a restart."""

import csv
import subprocess
import sys

from supplychain.store import ENTITY_COLUMNS

from .conftest import SIP_OSM


def _cli(data_dir, *args):
    return subprocess.run([sys.executable, "-m", "supplychain.cli", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=300)


def _firm_csv(path, eid, lon, lat):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=ENTITY_COLUMNS)
        w.writeheader()
        w.writerow({"id": eid, "name_zh": "合成企业（测试用）", "name_en": "SYNTHETIC test firm", "kind": "firm",
                    "categories": "reducer", "lon": lon, "lat": lat, "crs": "wgs84", "precision": "exact",
                    "source": "SYNTHETIC test data (tests/test_live_data.py)"})
    return path


def test_a_cli_import_shows_on_the_running_server(tmp_path):
    from webapp import create_app

    data = tmp_path / "data"
    app = create_app(data_dir=data, testing=True)
    client = app.test_client()
    before = client.get("/api/entities").get_json()["features"]
    assert "syn-live" not in {f["id"] for f in before}
    assert client.get("/api/health").get_json()["network"] is None
    page_before = client.get("/").get_data(as_text=True)

    r = _cli(data, "entities", "import", str(_firm_csv(tmp_path / "new.csv", "syn-live", "120.7", "31.3")))
    assert r.returncode == 0, r.stderr
    after = client.get("/api/entities").get_json()["features"]
    assert {f["id"] for f in after} == {f["id"] for f in before} | {"syn-live"}
    assert "syn-live" in client.get("/").get_data(as_text=True) and "syn-live" not in page_before
    ans = client.get("/api/suppliers?lon=120.7&lat=31.3&radius_km=5&category=reducer").get_json()
    assert "syn-live" in {x["id"] for x in ans["results"]}

    r = _cli(data, "network", "import", str(SIP_OSM))
    assert r.returncode == 0, r.stderr
    health = client.get("/api/health").get_json()
    assert health["network"] and health["network"]["nodes"] > 4000  # the drive network of the SIP file
    ans = client.get("/api/suppliers?lon=120.7&lat=31.3&radius_km=5&category=reducer").get_json()
    assert ans["distance_method"] == "network"


def test_an_unchanged_data_dir_keeps_the_same_workspace(tmp_path):
    from webapp import create_app

    app = create_app(data_dir=tmp_path / "data", testing=True)
    client = app.test_client()
    ws = app.config["WORKSPACE"]
    for _ in range(3):
        assert client.get("/api/health").status_code == 200
    assert app.config["WORKSPACE"] is ws
