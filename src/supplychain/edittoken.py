"""The edit token: the secret every request that changes stored data must carry (CONTRACT.md "HTTP API").

One token per data dir, made at first use with :func:`secrets.token_urlsafe` and kept in ``edit-token``
(mode 0600, readable by its owner only). ``supplychain serve`` and ``supplychain token`` print it; the web app
checks it (``webapp.security``). Delete the file to make a new one at the next start.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

TOKEN_FILE = "edit-token"
TOKEN_BYTES = 32


def token_path(data_dir) -> Path:
    return Path(data_dir) / TOKEN_FILE


def edit_token(data_dir) -> str:
    """The data dir's edit token, created (0600, atomically: never a half-written file) when missing."""
    path = token_path(data_dir)
    try:
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(TOKEN_BYTES)
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, token.encode("ascii") + b"\n")
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made one meanwhile: then theirs wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    os.chmod(path, 0o600)
    return path.read_text(encoding="ascii").strip()


def matches(given: str | None, token: str) -> bool:
    """Whether ``given`` is the token (constant-time comparison)."""
    return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("ascii"))
