"""Crash-safe network cache (issue 11, item 5): a kill at any instant leaves the old or the new network.

Two ways of killing: (1) a forked child runs ``network.save`` and SIGKILLs itself just before, or just after,
its N-th file-system operation, for every N until a save completes untouched; (2) the real
``supplychain network import`` in a subprocess, SIGKILLed at increasing delays after it starts writing.
After each kill the data dir must load a complete network equal to the old one or the new one.
"""

from __future__ import annotations

import builtins
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from supplychain import network, versioned
from supplychain.network import Network

from .conftest import SHARED_GEO, SIP_OSM

ROOT = Path(__file__).resolve().parents[1]
OAKLAND = SHARED_GEO / "peers" / "West-Oakland.osm.bz2"
#: Calls a save makes to the file system; a kill is tried before and after each.
HOOKED_OS = ("mkdir", "open", "fsync", "rename", "replace", "unlink", "rmdir", "close", "scandir")


@pytest.fixture(scope="module")
def oakland():
    """The new network: arrays and meta of West Oakland (38 nodes), built once."""
    arrays = network.build_arrays(network.read_graph(OAKLAND))
    return arrays, network._meta(arrays, f"file:{OAKLAND}", "import")


def _which(data_dir: Path, old: Network, new_arrays: dict) -> str:
    """'old' or 'new' when the data dir loads one of the two networks completely; fails otherwise."""
    net = Network.load(data_dir)  # raises when there is no network or a partial one
    for label, ref in (("old", old.arrays), ("new", new_arrays)):
        # Complete and the same network (another process may number the nodes in another order).
        if (set(net.arrays) == set(ref) and net.n_nodes == len(ref["osmid"])
                and set(net.arrays["osmid"].tolist()) == set(ref["osmid"].tolist())
                and np.allclose(np.sort(net.arrays["length_m"]), np.sort(ref["length_m"]))):
            return label
    raise AssertionError(f"the data dir holds neither network ({net.n_nodes} nodes)")


def _save_killed_at(data_dir: Path, arrays: dict, meta: dict, kill_at: int) -> bool:
    """Run ``network.save`` in a forked child that SIGKILLs itself at hook call ``kill_at``; True if killed."""
    pid = os.fork()
    if pid == 0:  # the child: count hook points, die at the chosen one
        count = [0]

        def point():
            count[0] += 1
            if count[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        def hook(fn):
            def wrapped(*a, **k):
                point()
                try:
                    return fn(*a, **k)
                finally:
                    point()
            return wrapped

        try:
            for name in HOOKED_OS:
                setattr(os, name, hook(getattr(os, name)))
            builtins.open = io.open = hook(io.open)
            np.lib.format.write_array = hook(np.lib.format.write_array)  # between the arrays of the .npz
            network.save(data_dir, arrays, meta)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _legacy_copy(src: Path, dst: Path) -> Path:
    """A data dir in the layout before versioning: the cache files directly in network/."""
    dst.mkdir()
    (dst / "network").mkdir()
    for f in network.cache_folder(src).iterdir():
        shutil.copy2(f, dst / "network" / f.name)
    return dst


@pytest.mark.parametrize("layout", ["versioned", "legacy"])
def test_kill_at_every_step_of_save_keeps_old_or_new(sip_cache, tmp_path, oakland, layout):
    arrays, meta = oakland
    old = Network.load(sip_cache)
    outcomes = []
    for kill_at in range(1, 2000):
        d = tmp_path / f"k{kill_at}"
        if layout == "legacy":
            _legacy_copy(sip_cache, d)
        else:
            shutil.copytree(sip_cache, d)
        killed = _save_killed_at(d, arrays, meta, kill_at)
        outcomes.append(_which(d, old, arrays))
        shutil.rmtree(d)
        if not killed:
            break
    else:
        pytest.fail("save never completed")
    # Many kill points, the old network before the swap, the new one after it, never anything else.
    assert len(outcomes) > 30
    assert outcomes[0] == "old" and outcomes[-1] == "new"
    flips = sum(a != b for a, b in zip(outcomes, outcomes[1:]))
    assert flips == 1, outcomes  # exactly one instant (the pointer's os.replace) switches old -> new


def test_later_save_cleans_up_after_a_killed_one(sip_dir, oakland):
    arrays, meta = oakland
    old = Network.load(sip_dir)
    # Killed mid-way through writing the new version: a .tmp- folder is left behind.
    assert _save_killed_at(sip_dir, arrays, meta, kill_at=12)
    root = sip_dir / "network"
    assert any(p.name.startswith(".tmp-") for p in root.iterdir())
    assert _which(sip_dir, old, arrays) == "old"
    network.save(sip_dir, arrays, meta)
    network.save(sip_dir, arrays, meta)
    names = sorted(p.name for p in root.iterdir())
    assert not [n for n in names if n.startswith(".tmp-")], names
    versions = [n for n in names if n.startswith("v-")]
    assert len(versions) == 2 and versioned.current(root).name in versions  # the live one and the previous


def test_legacy_cache_loads_and_is_kept_as_previous(sip_cache, tmp_path, oakland):
    d = _legacy_copy(sip_cache, tmp_path / "legacy")
    assert Network.load(d).n_nodes == Network.load(sip_cache).n_nodes  # read in place, no migration needed
    arrays, meta = oakland
    network.save(d, arrays, meta)
    root = d / "network"
    assert Network.load(d).n_nodes == len(arrays["osmid"])
    assert not (root / "graph.npz").exists()
    previous = [p for p in root.iterdir() if p.name.startswith("v-0-legacy")]
    assert len(previous) == 1 and (previous[0] / "graph.npz").is_file()


def test_killing_the_cli_import_at_increasing_delays(sip_cache, tmp_path, oakland):
    """The real command, SIGKILLed 0 … 80 ms after its first new-version folder appears (or when it ends)."""
    arrays, _ = oakland
    old = Network.load(sip_cache)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    outcomes = []
    for i, delay in enumerate([0, 0.0005, 0.002, 0.008, 0.03, 0.08]):
        d = tmp_path / f"d{i}"
        shutil.copytree(sip_cache, d)
        proc = subprocess.Popen([sys.executable, "-m", "supplychain.cli", "--data-dir", str(d), "network", "import",
                                 str(OAKLAND), "--engine", "osmnx"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        root = d / "network"
        while proc.poll() is None and not any(n.startswith(".tmp-v-") for n in os.listdir(root)):
            pass
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes.append(_which(d, old, arrays))
    assert set(outcomes) <= {"old", "new"}
    assert outcomes.count("old") >= 1  # at least one kill landed before the swap
