"""Bounded network reading (issue 11, item 5): bombs, oversized and tiny inputs are refused, the old network kept.

The bombs are real compressed files: concatenated bz2 streams (valid bz2, as pbzip2 writes them) that expand
to 1 GiB of OSM XML whitespace around two nodes and a way, the shape of the 969-byte file in the issue.
"""

from __future__ import annotations

import bz2
import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from supplychain import boundedread, network
from supplychain.network import ImportRefused, Network, NetworkError

from .conftest import SIP_OSM

ROOT = Path(__file__).resolve().parents[1]
GiB = 1 << 30
PAD = 16 << 20
TWO_NODES = (b"<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
             b" <node id='1' lat='31.30' lon='120.70'/>\n <node id='2' lat='31.31' lon='120.71'/>\n"
             b" <way id='10'><nd ref='1'/><nd ref='2'/><tag k='highway' v='primary'/></way>\n")


def _bz2_bomb(path: Path, expanded: int = GiB) -> Path:
    pad = bz2.compress(b" " * PAD)
    with open(path, "wb") as f:
        f.write(bz2.compress(TWO_NODES))
        for _ in range(expanded // PAD):
            f.write(pad)
        f.write(bz2.compress(b"</osm>\n"))
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return _bz2_bomb(tmp_path_factory.mktemp("bomb") / "bomb.osm.bz2")


def _state(data_dir: Path) -> tuple:
    """What must not change: the live version's name and its bytes."""
    folder = network.cache_folder(data_dir)
    return folder.name, (folder / "graph.npz").read_bytes(), (folder / "network.json").read_bytes()


def _refused_at_bytes(exc: ImportRefused) -> int:
    return int(re.search(r"gave ([\d,]+)", exc.en).group(1).replace(",", ""))


def test_the_bomb_is_what_it_claims(bomb):
    assert bomb.stat().st_size < 4096
    d = bz2.BZ2Decompressor()
    head = d.decompress(bomb.read_bytes()[:2048], max_length=4096)
    assert head.startswith(b"<?xml") and b"<way id='10'>" in head


def test_bz2_bomb_is_refused_early_and_the_old_network_kept(sip_dir, bomb):
    before = _state(sip_dir)
    with pytest.raises(ImportRefused) as info:
        network.import_file(sip_dir, bomb)
    exc = info.value
    assert "解压比例" in exc.zh and "expands more than 200:1" in exc.en
    # Refused as soon as the ratio showed: a few MiB decompressed out of 1 GiB, not the whole of it.
    assert _refused_at_bytes(exc) <= 2 * boundedread.RATIO_FLOOR_BYTES
    assert _state(sip_dir) == before
    assert not [p for p in sip_dir.iterdir() if p.name.startswith(".import-")]  # the temporary copy is gone


def test_cli_refuses_the_bomb_in_one_line_exit_2(sip_dir, bomb):
    before = _state(sip_dir)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    proc = subprocess.run([sys.executable, "-m", "supplychain.cli", "--data-dir", str(sip_dir), "network", "import",
                           str(bomb)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("[")]  # "[  0.0s] reading …" progress
    assert len(lines) == 1 and lines[0].startswith("拒绝导入：") and "解压比例超过" in lines[0] and "Refused:" in lines[0], proc.stderr
    assert lines[0].index("Refused:") > lines[0].index("拒绝导入")  # Chinese first, English beside
    assert _state(sip_dir) == before and Network.load(sip_dir).n_nodes == 5860


def test_gzip_bomb_is_refused(sip_dir, tmp_path):
    bomb = tmp_path / "bomb.osm.gz"
    member = gzip.compress(b" " * PAD, compresslevel=9)  # deflate tops out near 1000:1
    bomb.write_bytes(gzip.compress(TWO_NODES) + member * 4 + gzip.compress(b"</osm>\n"))
    before = _state(sip_dir)
    with pytest.raises(ImportRefused, match="expands more than 200:1") as info:
        network.import_file(sip_dir, bomb)
    assert _refused_at_bytes(info.value) <= 2 * boundedread.RATIO_FLOOR_BYTES  # of 64 MiB
    assert _state(sip_dir) == before


def test_ratio_limit_is_configurable(sip_dir, tmp_path, monkeypatch):
    """The real SIP file compresses about 10-20:1: refused at 5:1 (env var), accepted at the default."""
    raw = SIP_OSM.read_bytes()
    src = tmp_path / "sip.osm.bz2"
    src.write_bytes(bz2.compress(raw))
    ratio = len(raw) / src.stat().st_size
    assert 5 < ratio < 200
    monkeypatch.setenv(boundedread.ENV["max_ratio"], "5")
    with pytest.raises(ImportRefused, match="expands more than 5:1"):
        network.import_file(sip_dir, src)
    monkeypatch.delenv(boundedread.ENV["max_ratio"])
    assert boundedread.scan(src)["bytes"] == len(raw)


def test_real_osm_gz_imports_like_the_plain_file(tmp_path, sip_cache):
    src = tmp_path / "sip.osm.gz"
    src.write_bytes(gzip.compress(SIP_OSM.read_bytes()))
    net = network.import_file(tmp_path / "d", src)
    ref = network.import_file(tmp_path / "plain", SIP_OSM)  # the same (default) reader on the plain file
    assert (net.n_nodes, net.n_edges) == (ref.n_nodes, ref.n_edges)
    assert (net.arrays["length_m"] == ref.arrays["length_m"]).all()


def test_size_and_element_limits(sip_dir):
    before = _state(sip_dir)
    size = SIP_OSM.stat().st_size
    with pytest.raises(ImportRefused, match="larger than"):
        network.import_file(sip_dir, SIP_OSM, limits=boundedread.Limits(max_bytes=size // 2))
    # sip-core.osm: 11,484 nodes + 14,812 ways (../shared/geo/README.md).
    counted = boundedread.scan(SIP_OSM)["elements"]
    assert counted == 11484 + 14812
    with pytest.raises(ImportRefused, match="more than 20,000 elements"):
        network.import_file(sip_dir, SIP_OSM, limits=boundedread.Limits(max_elements=20_000))
    assert _state(sip_dir) == before


def test_entity_declarations_are_refused(sip_dir, tmp_path):
    src = tmp_path / "lol.osm"
    src.write_bytes(b"<?xml version='1.0'?>\n<!DOCTYPE osm [<!ENTITY a 'aaaaaaaaaa'>"
                    b"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>\n<osm version='0.6'>&b;</osm>\n")
    before = _state(sip_dir)
    with pytest.raises(ImportRefused, match="ENTITY"):
        network.import_file(sip_dir, src)
    assert _state(sip_dir) == before


def test_a_tiny_network_does_not_replace_the_stored_one(sip_dir, tmp_path):
    src = tmp_path / "two.osm"
    src.write_bytes(TWO_NODES + b"</osm>\n")
    before = _state(sip_dir)
    with pytest.raises(ImportRefused, match="2 nodes") as info:
        network.import_file(sip_dir, src)
    assert "原有路网保持不变" in info.value.zh
    assert _state(sip_dir) == before
    # With the minimum lowered explicitly, the same file is imported (the limit, not the file, refused it).
    net = network.import_file(sip_dir, src, limits=boundedread.Limits(min_nodes=2))
    assert net.n_nodes == 2


def test_truncated_and_corrupt_compressed_files_fail_clearly(sip_dir, tmp_path):
    good = bz2.compress(SIP_OSM.read_bytes())
    cut = tmp_path / "cut.osm.bz2"
    cut.write_bytes(good[: len(good) // 2])
    junk = tmp_path / "junk.osm.bz2"
    junk.write_bytes(b"this is not bzip2 at all" * 10)
    before = _state(sip_dir)
    with pytest.raises(NetworkError, match="truncated"):
        network.import_file(sip_dir, cut)
    with pytest.raises(NetworkError, match="not a valid bz2 file"):
        network.import_file(sip_dir, junk)
    assert _state(sip_dir) == before


def test_a_killed_imports_decompressed_copy_is_removed_by_the_next_import(sip_dir, bomb):
    stale = sip_dir / ".import-999999999-abc"  # no such process
    stale.mkdir()
    (stale / "bomb.osm").write_bytes(b" " * 1000)
    mine = sip_dir / f".import-{os.getpid()}-live"  # a live process's copy is left alone
    mine.mkdir()
    with pytest.raises(ImportRefused):
        network.import_file(sip_dir, bomb)
    assert not stale.exists() and mine.exists()


def test_padding_after_the_last_stream_is_ignored_like_bz2_open(tmp_path):
    raw = SIP_OSM.read_bytes()
    for name, packed in (("p.osm.bz2", bz2.compress(raw[:100_000]) + bz2.compress(raw[100_000:]) + b"\0" * 512),
                         ("p.osm.gz", gzip.compress(raw) + b"\0" * 512)):
        src = tmp_path / name
        src.write_bytes(packed)
        opener = bz2.open if name.endswith(".bz2") else gzip.open
        with opener(src) as f:
            assert f.read() == raw  # what the standard library (and osmnx) reads
        with open(tmp_path / "out.osm", "wb") as out:
            assert boundedread.scan(src, out)["bytes"] == len(raw)
        assert (tmp_path / "out.osm").read_bytes() == raw
