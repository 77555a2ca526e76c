"""The CLI's expected failures (issue 11, item 5): one line, Chinese first with English beside, no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    env.pop("SUPPLYCHAIN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "supplychain.cli", "--init", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def _one_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if not re.match(r"^\[\s*[\d.]+s\] ", ln)]  # progress lines
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    first_latin = re.search(r"[A-Za-z]", line)
    assert HAN.search(line) and HAN.search(line).start() < first_latin.start(), line  # Chinese first
    return line


@pytest.mark.parametrize("make,args,code,words", [
    (None, ("network", "import", "{tmp}/missing.osm"), 1, "no such file"),
    (("dir.osm", None), ("network", "import", "{tmp}/dir.osm"), 1, "no such file"),
    (("bad.osm", b"<osm><node id='1'"), ("network", "import", "{tmp}/bad.osm"), 1, "could not read"),
    (("bad.osm.bz2", b"BZh9 not really"), ("network", "import", "{tmp}/bad.osm.bz2"), 1, "not a valid bz2 file"),
    (None, ("entities", "import", "{tmp}/missing.csv"), 2, "no such file"),
    (("gbk.csv", "id,name_zh\n测,试\n".encode("gbk")), ("entities", "import", "{tmp}/gbk.csv"), 2, "not UTF-8"),
    (None, ("query", "suppliers", "--entity", "nobody"), 2, "nobody"),
    (None, ("network", "import", "{tmp}/x.osm", "--max-ratio", "-1"), 1, "positive"),
])
def test_expected_failures_print_one_line(tmp_path, make, args, code, words):
    if make:
        name, content = make
        if content is None:
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_bytes(content)
    (tmp_path / "x.osm").write_text("<osm/>")
    proc = _run(tmp_path / "data", *[a.format(tmp=tmp_path) for a in args])
    line = _one_line(proc)
    assert proc.returncode == code, proc.stderr
    assert words in line


def test_a_refused_tiny_network_is_one_line_and_keeps_nothing_new(tmp_path):
    src = tmp_path / "two.osm"
    src.write_text("<osm version='0.6'><node id='1' lat='31.3' lon='120.7'/><node id='2' lat='31.31' lon='120.71'/>"
                   "<way id='3'><nd ref='1'/><nd ref='2'/><tag k='highway' v='primary'/></way></osm>")
    proc = _run(tmp_path / "data", "network", "import", str(src))
    line = _one_line(proc)
    assert proc.returncode == 2 and line.startswith("拒绝导入：") and "Refused:" in line
    assert not (tmp_path / "data" / "network").exists() or not any((tmp_path / "data" / "network").iterdir())
