"""The command line end to end: exit codes, one-line reasons, JSON shaped like the API."""

import json
import subprocess
import sys

import pytest

from supplychain.cli import main

from .conftest import SIP_OSM


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("serve", "network", "entities", "query", "sourcing"):
        assert cmd in out


def test_network_import_prints_counts_and_info_reads_the_cache(capsys, tmp_path):
    # drive_service keeps SIP's service roads: the same 5,860 nodes as osmnx's graph (the default `drive`
    # leaves them out, as osmnx's drive filter does; tests/test_osmread.py checks both).
    code, out, err = run(capsys, "--data-dir", str(tmp_path), "network", "import", str(SIP_OSM),
                         "--network-type", "drive_service")
    assert code == 0
    assert "5,860 nodes" in out and "edges" in out and "© OpenStreetMap contributors" in out
    assert "reading" in err  # progress goes to stderr
    code, out, _ = run(capsys, "network", "info", "--format", "json", "--data-dir", str(tmp_path))
    info = json.loads(out)
    assert info["network"]["nodes"] == 5860 and info["entities"] >= 15
    assert info["snapping"]["elite-robots"]["on_network"] is True


def test_network_info_without_network_says_estimated(capsys, tmp_path):
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "network", "info")
    assert code == 0 and "estimated" in out


def test_bad_network_file_exits_nonzero_with_one_line(capsys, tmp_path):
    bad = tmp_path / "x.osm"
    bad.write_text("not xml")
    code, out, err = run(capsys, "--init", "--data-dir", str(tmp_path / "d"), "network", "import", str(bad))
    errors = [line for line in err.splitlines() if line.startswith("错误 error")]
    assert code == 1 and len(errors) == 1 and "x.osm" in errors[0]


def test_entities_validate_import_export(capsys, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("id,name_zh,kind,categories,lon,lat,precision,source\n"
                    "t1,测试,firm,motor,120.6,31.3,exact,unit test\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name_zh,kind,categories,lon,lat,precision,source\n"
                   "t2,测试,firm,motor,31.3,120.6,exact,unit test\n"
                   "t3,测试,firm,antigravity,120.6,31.3,exact,unit test\n", encoding="utf-8")
    d = str(tmp_path / "d")
    assert run(capsys, "entities", "validate", str(good))[0] == 0
    code, _, err = run(capsys, "entities", "validate", str(bad))
    assert code == 2 and "bad.csv:2: 列 column 'lon' 经纬度似乎颠倒" in err and "lon/lat look swapped" in err
    assert "bad.csv:3: 列 column 'categories' 未知类别" in err
    code, _, err = run(capsys, "--data-dir", d, "entities", "import", str(good))
    assert code == 2 and "data dir does not exist" in err and "--init" in err  # a typo is not a new data set
    assert not (tmp_path / "d").exists()
    code, out, _ = run(capsys, "--init", "--data-dir", d, "entities", "import", str(good))
    assert code == 0 and "1 added" in out
    code, _, _ = run(capsys, "--data-dir", d, "entities", "import", str(bad))
    assert code == 2
    code, out, _ = run(capsys, "--data-dir", d, "entities", "export", "--format", "geojson")
    fc = json.loads(out)
    assert "t1" in {f["id"] for f in fc["features"]} and "t3" not in {f["id"] for f in fc["features"]}
    xlsx = tmp_path / "out.xlsx"
    assert run(capsys, "--data-dir", d, "entities", "export", "--format", "xlsx", "-o", str(xlsx))[0] == 0
    assert xlsx.stat().st_size > 1000
    assert run(capsys, "--data-dir", d, "entities", "export", "--format", "xlsx")[0] == 1


def test_query_and_sourcing_json_have_the_api_shape(capsys, sip_cache):
    d = str(sip_cache)
    code, out, _ = run(capsys, "--data-dir", d, "query", "suppliers", "--entity", "elite-robots",
                       "--radius-km", "40", "--format", "json")
    ans = json.loads(out)
    assert code == 0 and set(ans) >= {"origin", "radius_km", "distance_method", "results"}
    assert set(ans["results"][0]) >= {"id", "name_zh", "categories", "road_m", "time_s", "straight_m", "snap_m",
                                      "distance_method"}
    code, out, _ = run(capsys, "--data-dir", d, "query", "suppliers", "--lon", "120.72", "--lat", "31.32")
    assert code == 0 and "method network" in out
    code, out, _ = run(capsys, "--data-dir", d, "sourcing", "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["makers"] >= 5
    code, out, _ = run(capsys, "--data-dir", d, "sourcing", "--format", "csv")
    assert code == 0 and out.startswith("maker_id,")


@pytest.mark.parametrize("argv,needle", [
    (["query", "suppliers", "--lon", "31.32", "--lat", "120.72"], "swapped"),
    (["query", "suppliers", "--lon", "120.72", "--lat", "31.32", "--category", "x"], "unknown category"),
    (["query", "suppliers", "--entity", "nobody"], "unknown entity"),
    (["query", "suppliers", "--lon", "120.72", "--lat", "31.32", "--radius-km", "-1"], "radius_km"),
])
def test_bad_query_exits_2_with_the_reason(capsys, sip_cache, argv, needle):
    code, out, err = run(capsys, "--data-dir", str(sip_cache), *argv)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and out == ""


def test_console_script_runs_in_a_fresh_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "supplychain.cli", "--data-dir", str(tmp_path), "entities", "list"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "leaderdrive" in proc.stdout and "绿的谐波" in proc.stdout


def test_no_option_abbreviations_and_chinese_category_names(capsys, sip_cache):
    with pytest.raises(SystemExit) as exc:  # argparse's usage error
        main(["--data-dir", str(sip_cache), "query", "suppliers", "--entity", "elite-robots", "--radius", "10"])
    assert exc.value.code == 2 and "--radius" in capsys.readouterr().err  # not silently taken as --radius-km
    by_id = run(capsys, "--data-dir", str(sip_cache), "query", "suppliers", "--entity", "magiclab",
                "--category", "reducer", "--format", "json")
    by_zh = run(capsys, "--data-dir", str(sip_cache), "query", "suppliers", "--entity", "magiclab",
                "--category", "减速器", "--format", "json")
    assert by_id[0] == by_zh[0] == 0 and json.loads(by_id[1]) == json.loads(by_zh[1])
    assert json.loads(by_zh[1])["category"] == "reducer"


def test_an_environment_data_dir_that_does_not_exist_is_an_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPLYCHAIN_DATA_DIR", str(tmp_path / "typo"))
    code, _, err = run(capsys, "entities", "list")
    assert code == 2 and "typo" in err and not (tmp_path / "typo").exists()


def test_help_marks_required_options(capsys):
    with pytest.raises(SystemExit):
        main(["sites", "optimize", "--help"])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("--k"))
    assert "必填 required" in line
