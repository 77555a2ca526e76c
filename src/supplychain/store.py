"""The data dir and its embedded SQLite database (registry entities and bus routes).

Every write goes through :meth:`Store.transaction`, so an import either lands whole or changes nothing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .messages import _

#: Columns of the registry, in file order (CONTRACT.md, plus ``robot_types``).
ENTITY_COLUMNS = (
    "id", "name_zh", "name_en", "kind", "categories", "needs", "robot_types", "address", "district",
    "lon", "lat", "crs", "precision", "uncertainty_m", "source", "note",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    categories TEXT NOT NULL DEFAULT '',
    needs TEXT NOT NULL DEFAULT '',
    robot_types TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    lon REAL,               -- WGS84, converted on import
    lat REAL,
    crs TEXT NOT NULL DEFAULT 'wgs84',   -- the CRS of the original coordinates
    lon_orig REAL,          -- the coordinates as given, in crs
    lat_orig REAL,
    precision TEXT NOT NULL DEFAULT '',
    uncertainty_m REAL,     -- the radius of a disc region, when the source gives one (else the precision's default)
    source TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    imported_from TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS routes (
    id TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    stated_length_m REAL,
    source TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS route_stops (
    route_id TEXT NOT NULL REFERENCES routes(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    entity_id TEXT,
    lon REAL,
    lat REAL,
    precision TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (route_id, seq)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS places (      -- named points for the offline geocoder (supplychain.places)
    dataset TEXT NOT NULL,               -- the file they came from; re-importing it replaces its rows
    name TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '',    -- ';'-separated other spellings
    kind TEXT NOT NULL,                  -- road, subdistrict, town, district, station, bus_stop, community, poi
    district TEXT NOT NULL DEFAULT '',
    lon REAL NOT NULL,                   -- WGS84
    lat REAL NOT NULL,
    radius_m REAL,                       -- stated by the source, else NULL
    osm_type TEXT NOT NULL DEFAULT '',
    osm_id TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    attribution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS places_name ON places (name);
CREATE TABLE IF NOT EXISTS geocode_cache (   -- every provider answer, so that a rerun asks nothing twice
    provider TEXT NOT NULL,
    query TEXT NOT NULL,
    answer TEXT NOT NULL,                -- the raw answer body
    asked_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (provider, query)
);
CREATE TABLE IF NOT EXISTS entity_edits (    -- who changed what in the registry after import
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    who TEXT NOT NULL,                   -- 'geocoder:amap', 'token:ab12cd34' (an edit-token holder), …
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    old TEXT,
    new TEXT
);
"""

#: Entity columns kept in the database beside the registry file's (not file columns).
EXTRA_ENTITY_COLUMNS = {
    "located_by": "TEXT NOT NULL DEFAULT ''",          # '' = the registry file / a person; 'geocoder:NAME'
    "geocode_reason": "TEXT NOT NULL DEFAULT ''",      # why the last geocoding left it unlocated or coarse
    "suggested_categories": "TEXT NOT NULL DEFAULT ''",  # ';'-separated, from taxonomy.suggest_categories
    "suggested_words": "TEXT NOT NULL DEFAULT ''",     # the words that suggested them
    "credit_code": "TEXT NOT NULL DEFAULT ''",         # 统一社会信用代码, from enterprise lists
}


def default_data_dir() -> Path:
    """The per-user data dir: ``$XDG_DATA_HOME/supplychain`` or ``~/.local/share/supplychain``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "supplychain"


def resolve_data_dir(arg: str | os.PathLike | None = None) -> Path:
    """``--data-dir`` if given, else ``$SUPPLYCHAIN_DATA_DIR``, else :func:`default_data_dir`."""
    chosen = arg or os.environ.get("SUPPLYCHAIN_DATA_DIR") or default_data_dir()
    path = Path(chosen).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


#: How long a writer waits for another process's write transaction before giving up (seconds).
DEFAULT_DB_WAIT_S = 5.0
DB_WAIT_ENV = "SUPPLYCHAIN_DB_WAIT_S"


def db_wait_s() -> float:
    """The writers' bounded wait: ``$SUPPLYCHAIN_DB_WAIT_S`` or :data:`DEFAULT_DB_WAIT_S`."""
    raw = os.environ.get(DB_WAIT_ENV, "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_DB_WAIT_S
    except ValueError:
        raise ValueError(_("{DB_WAIT_ENV} must be a number of seconds, got {raw}",
                           DB_WAIT_ENV=DB_WAIT_ENV, raw=repr(raw))) from None
    if not 0 <= value <= 3600:
        raise ValueError(_("{DB_WAIT_ENV} must be between 0 and 3600 seconds, got {raw}",
                           DB_WAIT_ENV=DB_WAIT_ENV, raw=repr(raw)))
    return value


def is_busy_error(exc: BaseException) -> bool:
    """An SQLite error that means another connection held the lock longer than the wait."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def busy_message(wait_s: float | None = None) -> str:
    w = db_wait_s() if wait_s is None else wait_s
    return _("Database busy: another process kept writing for more than {s} s (the wait, {env}); nothing was "
             "changed, try again.", s=format(w, "g"), env=DB_WAIT_ENV)


class Store:
    """The registry database inside a data dir."""

    FILENAME = "registry.sqlite"

    def __init__(self, data_dir: str | os.PathLike, wait_s: float | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / self.FILENAME
        # One connection shared by a server's request threads: every use holds this lock, so a transaction
        # is never interleaved with another thread's statements.
        self._lock = threading.RLock()
        self.writes = 0  # transactions committed through this connection (see version())
        self.wait_s = wait_s if wait_s is not None else db_wait_s()
        # WAL: readers never wait for a writer and a writer never waits for readers; writers queue for up to
        # wait_s (SQLite's busy timeout) behind another process's write, then fail with "database is locked".
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=self.wait_s)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(self.wait_s * 1000)}")
        if self._conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.executescript(_SCHEMA)
        self._migrate()
        self._conn.commit()

    def _migrate(self) -> None:
        """Columns added since a data dir was created (SQLite adds a nullable column in place)."""
        have = {r[1] for r in self._conn.execute("PRAGMA table_info(entities)")}
        if "uncertainty_m" not in have:
            self._conn.execute("ALTER TABLE entities ADD COLUMN uncertainty_m REAL")
        for name, decl in EXTRA_ENTITY_COLUMNS.items():
            if name not in have:
                self._conn.execute(f"ALTER TABLE entities ADD COLUMN {name} {decl}")

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All statements inside commit together or not at all."""
        conn = self._conn
        with self._lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
                self.writes += 1

    def version(self) -> tuple[int, int]:
        """Changes when stored data changes: SQLite's ``data_version`` (commits by *other* connections, e.g. the
        CLI) and this connection's own committed transactions. Cheap enough to ask on every request."""
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0]), self.writes

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def is_empty(self) -> bool:
        return self.query("SELECT count(*) FROM entities")[0][0] == 0

    def get_meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
