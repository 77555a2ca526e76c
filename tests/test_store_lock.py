"""SQLite under concurrent writers (issue 11, item 5): WAL, a bounded wait, one line or a 503 — never a traceback.

Another connection holds a write transaction open (as the server does while it writes) while the real CLI runs
``entities import`` in a subprocess.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supplychain import store
from supplychain.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
ROW = "id,name_zh,kind,categories,lon,lat,precision,source\nlock-test,锁测试,firm,motor,120.6,31.3,exact,unit test\n"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    d = tmp_path / "data"
    Workspace.open(d, with_network=False).store.close()  # seeded registry
    return d


@pytest.fixture
def firm_csv(tmp_path) -> Path:
    f = tmp_path / "firm.csv"
    f.write_text(ROW, encoding="utf-8")
    return f


def _hold_write_lock(data_dir: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data_dir / store.Store.FILENAME, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('holder', 'test')")
    return conn


def _cli(data_dir: Path, *args: str, wait_s: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", store.DB_WAIT_ENV: str(wait_s)}
    return subprocess.Popen([sys.executable, "-m", "supplychain.cli", "--data-dir", str(data_dir), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ids(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / store.Store.FILENAME) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM entities")}


def _has_db_open(pid: int, data_dir: Path) -> bool:
    db = str(data_dir / store.Store.FILENAME)
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == db for fd in os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_the_store_uses_wal_and_a_bounded_wait(data_dir, monkeypatch):
    monkeypatch.setenv(store.DB_WAIT_ENV, "2.5")
    s = store.Store(data_dir)
    assert s.query("PRAGMA journal_mode")[0][0] == "wal"
    assert s.query("PRAGMA busy_timeout")[0][0] == 2500
    s.close()
    monkeypatch.setenv(store.DB_WAIT_ENV, "soon")
    with pytest.raises(ValueError, match=store.DB_WAIT_ENV):
        store.Store(data_dir)


def test_cli_import_while_locked_fails_with_one_line_and_changes_nothing(data_dir, firm_csv):
    holder = _hold_write_lock(data_dir)
    try:
        proc = _cli(data_dir, "entities", "import", str(firm_csv), wait_s=0.5)
        out, err = proc.communicate(timeout=120)
    finally:
        holder.rollback()
    assert proc.returncode == 3
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("数据库正忙") and "Database busy" in lines[0], err
    assert "lock-test" not in _ids(data_dir)


def test_cli_import_waits_for_the_lock_and_then_succeeds(data_dir, firm_csv):
    holder = _hold_write_lock(data_dir)
    try:
        proc = _cli(data_dir, "entities", "import", str(firm_csv), wait_s=60)
        while proc.poll() is None and not _has_db_open(proc.pid, data_dir):
            time.sleep(0.01)
        time.sleep(0.5)
        # The import is blocked behind the open transaction, not failed and not finished.
        assert proc.poll() is None, proc.communicate()
        assert "lock-test" not in _ids(data_dir)
    finally:
        holder.rollback()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "1 added" in out and "Traceback" not in err
    assert "lock-test" in _ids(data_dir)


def test_the_web_app_answers_503_in_the_error_shape(data_dir, monkeypatch):
    """A write that outwaits the lock answers 503 JSON (the contract's error shape), not 500."""
    from webapp import create_app

    monkeypatch.setenv(store.DB_WAIT_ENV, "0.2")
    app = create_app(data_dir=data_dir, testing=True)
    ws = app.config["WORKSPACE"]

    def write():  # a stand-in for any write endpoint (their auth is not the subject here)
        with ws.store.transaction() as conn:
            ws.store.set_meta(conn, "touched", "yes")
        return {"ok": True}

    app.add_url_rule("/api/_test_write", "_test_write", write, methods=["POST"])
    from supplychain.edittoken import edit_token

    client = app.test_client()
    auth = {"Authorization": f"Bearer {edit_token(data_dir)}"}
    holder = _hold_write_lock(data_dir)
    try:
        resp = client.post("/api/_test_write", headers=auth)
    finally:
        holder.rollback()
    assert resp.status_code == 503
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == "busy" and "Database busy" in body["error"]["message"]
    assert resp.headers["Retry-After"]
    assert client.post("/api/_test_write", headers=auth).status_code == 200  # once the lock is gone
