"""Versioned directories behind one atomic pointer: a folder whose contents are replaced all at once.

Layout of a versioned folder ``root``::

    root/current            a small text file holding the name of the live version, e.g. "v-20261201T213000-1234-a1b2"
    root/v-…/               complete versions: the live one and the one before it (kept for rollback)
    root/.tmp-v-…/          a version being written (never read; removed by the next publish once its writer is gone)
    root/.lock              held (flock) by the one process publishing

:func:`publish` writes a new version into a ``.tmp-`` folder, fsyncs its files and the folder, renames it to
its final name, and then makes it live with a single ``os.replace`` of the pointer file (written and fsynced
beside it first). Until that replace, readers see the old version; after it, the new one. A process killed at
any instant therefore leaves either the old or the new version live, never none and never a partial one.
Older versions are removed only after the swap, and the previous one is kept.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .messages import _

POINTER = "current"
LOCK = ".lock"
_TMP = ".tmp-"
_NAME_RE = re.compile(r"^v-[0-9A-Za-z._-]+$")
_PID_RE = re.compile(r"^\.tmp-v-[^-]+-(\d+)-")


def current(root: str | os.PathLike) -> Path | None:
    """The live version folder of ``root``, or ``None`` when no version was ever published."""
    root = Path(root)
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not _NAME_RE.match(name):  # a pointer is written whole by os.replace; anything else is tampering
        raise ValueError(_("{pointer} does not name a version: {name}", pointer=root / POINTER,
                           name=repr(name[:80])))
    return root / name


def publish(root: str | os.PathLike, fill: Callable[[Path], None], adopt: Callable[[Path, Path], None] | None = None) -> Path:
    """Write a new version with ``fill(folder)`` and make it live atomically; returns its folder.

    ``adopt(root, folder)``, when given, is called after the swap: it may move files of an older, unversioned
    layout found in ``root`` into ``folder``, which is then kept as the previous version if there was none.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(root):  # one publisher at a time, or one's cleanup could remove another's new version
        return _publish(root, fill, adopt)


def _publish(root: Path, fill, adopt) -> Path:
    previous = current(root)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    name = f"v-{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
    tmp, final = root / (_TMP + name), root / name
    tmp.mkdir()
    try:
        fill(tmp)
        for f in tmp.iterdir():
            _fsync_path(f)
        _fsync_path(tmp)
        os.rename(tmp, final)
        _fsync_path(root)
        _write_pointer(root, name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if current(root) != final:
            shutil.rmtree(final, ignore_errors=True)
        raise
    if adopt is not None:  # also finishes an adoption cut short by a kill right after an earlier swap
        legacy = root / f"v-0-legacy-{secrets.token_hex(3)}"
        try:
            adopt(root, legacy)
        except OSError:
            pass  # the new version is live already; old files left in root are never read again
        if previous is None and legacy.exists():
            previous = legacy
    clean(root, keep={final.name} | ({previous.name} if previous else set()))
    return final


def clean(root: Path, keep: set[str]) -> None:
    """Remove versions not in ``keep`` and leftovers of writers that died (their pid is gone)."""
    for p in root.iterdir():
        if p.name in keep or p.name in (POINTER, LOCK):
            continue
        if p.is_dir() and _NAME_RE.match(p.name):
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(_TMP) and not _alive(p.name):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


@contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """An advisory lock on ``root/.lock`` held while publishing (released by the kernel if the process dies)."""
    with open(root / LOCK, "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _write_pointer(root: Path, name: str) -> None:
    tmp = root / f"{_TMP}{POINTER}-{os.getpid()}-{secrets.token_hex(3)}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / POINTER)
    _fsync_path(root)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _alive(tmp_name: str) -> bool:
    m = _PID_RE.match(tmp_name) or re.match(rf"^{re.escape(_TMP)}{POINTER}-(\d+)-", tmp_name)
    return bool(m) and pid_alive(int(m.group(1)))


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running (this process counts as running)."""
    if pid == os.getpid():
        return True  # maybe another thread of this process, still writing
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
