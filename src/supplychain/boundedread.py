"""Bounded reading of network files: refuse decompression bombs and oversized input before parsing.

A network file is streamed once, in chunks, through a counting decompressor (``.bz2``, ``.gz``) or as is,
and refused the moment it breaks a limit:

- **expansion ratio**: real OSM XML compresses about 10–20:1; past :attr:`Limits.max_ratio` (200:1 by default)
  of decompressed to compressed bytes the file is refused (judged once 1 MiB has come out, so a tiny file
  of repeated text is not refused for being small);
- **decompressed size** (:attr:`Limits.max_bytes`) and **element count** (``<node``, ``<way``, ``<relation``,
  or GraphML ``<node``/``<edge``, :attr:`Limits.max_elements`), which bound what the parser must hold;
- XML entity declarations (``<!ENTITY``), which real OSM never has and entity-expansion bombs need.

Compressed input is written out decompressed to a temporary file as it streams, so the parser reads a plain
file that has already passed every limit. Each limit has an environment variable; the CLI has options.
"""

from __future__ import annotations

import bz2
import os
import shutil
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Iterator

from . import versioned
from .errors import NetworkError
from .messages import _, pair

MiB = 1 << 20
GiB = 1 << 30
CHUNK = 256 * 1024
IN_CHUNK = 16 * 1024
#: Output judged for its ratio only beyond this much (small files of repeated text are harmless).
RATIO_FLOOR_BYTES = 1 * MiB

ENV = {"max_ratio": "SUPPLYCHAIN_MAX_EXPANSION_RATIO", "max_bytes": "SUPPLYCHAIN_MAX_NETWORK_BYTES",
       "max_elements": "SUPPLYCHAIN_MAX_NETWORK_ELEMENTS", "min_nodes": "SUPPLYCHAIN_MIN_NETWORK_NODES"}


class ImportRefused(NetworkError):
    """A network file or its result was refused by a limit; the stored network is unchanged."""

    def __init__(self, zh: str, en: str):
        refused_zh, refused_en = pair("Refused:")
        super().__init__(f"{refused_zh}{zh} {refused_en} {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Limits:
    max_ratio: float = 200.0          # decompressed / compressed bytes
    max_bytes: int = 4 * GiB          # decompressed size of the XML
    max_elements: int = 20_000_000    # OSM nodes + ways + relations (GraphML nodes + edges)
    min_nodes: int = 10               # nodes the imported network must keep (largest strongly connected part)

    @classmethod
    def from_env(cls, **overrides) -> "Limits":
        """Defaults, then the environment (:data:`ENV`), then explicit ``overrides`` that are not ``None``."""
        values = {}
        for f in fields(cls):
            raw = overrides.get(f.name)
            if raw is None:
                raw = os.environ.get(ENV[f.name])
            if raw is None or raw == "":
                continue
            try:
                value = float(raw) if f.name == "max_ratio" else int(float(raw))
            except ValueError:
                raise NetworkError(_("{env} / --{option} must be a number, got {raw}",
                                     env=ENV[f.name], option=f.name.replace("_", "-"), raw=repr(raw))) from None
            if value <= 0:
                raise NetworkError(_("{env} / --{option} must be positive, got {raw}",
                                     env=ENV[f.name], option=f.name.replace("_", "-"), raw=repr(raw)))
            values[f.name] = value
        return cls(**values)


def _decompressor(name: str):
    if name.endswith(".bz2"):
        return bz2.BZ2Decompressor
    if name.endswith(".gz"):
        return lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)
    return None


def _chunks(path: Path, make) -> Iterator[tuple[bytes, int]]:
    """(decompressed chunk, compressed bytes consumed so far); output per step bounded by :data:`CHUNK`.

    Input is fed in small pieces (:data:`IN_CHUNK`) so that "consumed" is close to what produced the output.
    Concatenated streams are followed; bytes after the last stream that start no valid stream are ignored, as
    Python's ``bz2.open``/``gzip.open`` (and so osmnx) do.
    """
    read = 0
    with open(path, "rb") as f:
        if make is None:
            while block := f.read(CHUNK):
                read += len(block)
                yield block, read
            return
        d, data, streams, fresh = make(), b"", 0, True
        while True:
            if not data:
                data = f.read(IN_CHUNK)
                read += len(data)
                if not data:
                    if d.eof or (streams and fresh):  # the end, or padding after the last stream
                        return
                    raise NetworkError(_("{name}: the compressed stream ends early (truncated file)", name=path.name))
            try:
                if isinstance(d, bz2.BZ2Decompressor):  # buffers all it is given: pending input is empty
                    out, data = d.decompress(data, max_length=CHUNK), b""
                    while not d.eof and not d.needs_input:
                        fresh = False
                        yield out, read
                        out = d.decompress(b"", max_length=CHUNK)
                else:
                    out = d.decompress(data, CHUNK)
                    data = d.unconsumed_tail
            except (OSError, EOFError, zlib.error) as exc:
                if streams and fresh:
                    return  # trailing bytes after the last stream
                kind = "bz2" if isinstance(d, bz2.BZ2Decompressor) else "gzip"
                raise NetworkError(_("could not read {path}: not a valid {kind} file ({exc})",
                                     path=path, kind=kind, exc=exc)) from None
            fresh = fresh and not out
            yield out, read - len(data)
            if d.eof:  # concatenated streams (pbzip2, multi-member gzip) continue with a new decompressor
                streams += 1
                data, d, fresh = d.unused_data + data, make(), True


def _tokens(name: str) -> tuple[bytes, ...]:
    return (b"<node", b"<edge") if ".graphml" in name else (b"<node", b"<way", b"<relation")


def scan(path: str | Path, out=None, limits: Limits | None = None) -> dict:
    """Stream ``path`` through the limits, writing the plain bytes to ``out`` when given; returns counts.

    Raises :class:`ImportRefused` as soon as a limit is broken.
    """
    path, limits = Path(path), limits or Limits.from_env()
    name = path.name.lower()
    make = _decompressor(name)
    try:
        return _scan(path, name, make, out, limits)
    except OSError as exc:
        raise NetworkError(_("could not read {path}: {value}", path=path, value=exc.strerror or exc)) from None


def _scan(path: Path, name: str, make, out, limits: Limits) -> dict:
    tokens = _tokens(name)
    total = elements = 0
    tail = b""
    read = 0
    for chunk, read in _chunks(path, make):
        if not chunk:
            continue
        total += len(chunk)
        window = tail + chunk
        elements += sum(window.count(t) for t in tokens) - sum(tail.count(t) for t in tokens)
        if b"<!ENTITY" in window:
            raise ImportRefused(*pair("{name} declares XML entities (<!ENTITY), which real OSM data never does.",
                                      name=path.name))
        tail = chunk[-16:]
        if make is not None and total >= RATIO_FLOOR_BYTES and total > limits.max_ratio * read:
            raise ImportRefused(*pair(
                "{name} expands more than {ratio}:1 ({read} compressed bytes gave {total} so far; real OSM XML is "
                "about 10-20:1). Raise --max-ratio or {env} if it is genuine.", name=path.name,
                ratio=format(limits.max_ratio, "g"), read=format(read, ","), total=format(total, ","),
                env=ENV["max_ratio"]))
        if total > limits.max_bytes:
            raise ImportRefused(*pair("{name} is larger than {n} bytes decompressed (--max-bytes or {env}).",
                                      name=path.name, n=format(limits.max_bytes, ","), env=ENV["max_bytes"]))
        if elements > limits.max_elements:
            raise ImportRefused(*pair("{name} holds more than {n} elements (--max-elements or {env}).",
                                      name=path.name, n=format(limits.max_elements, ","), env=ENV["max_elements"]))
        if out is not None:
            out.write(chunk)
    return {"compressed_bytes": read, "bytes": total, "elements": elements}


@contextmanager
def plain_copy(path: str | Path, limits: Limits | None = None, workdir: str | Path | None = None) -> Iterator[Path]:
    """A path to the file's plain content that has passed every limit (a temporary file for compressed input)."""
    path = Path(path)
    if _decompressor(path.name.lower()) is None:
        scan(path, None, limits)
        yield path
        return
    plain_name = path.name[: path.name.lower().rfind(".")]  # x.osm.bz2 -> x.osm: the parser picks by suffix
    if workdir is not None:
        remove_stale(Path(workdir))
    with tempfile.TemporaryDirectory(prefix=f"{_TMP_PREFIX}{os.getpid()}-", dir=workdir) as tmp:
        target = Path(tmp) / plain_name
        with open(target, "wb") as out:
            scan(path, out, limits)
        yield target


_TMP_PREFIX = ".import-"


def remove_stale(workdir: Path) -> None:
    """Remove the decompressed copies left by imports that were killed (their process is gone)."""
    for p in workdir.glob(f"{_TMP_PREFIX}*-*"):
        pid = p.name[len(_TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not versioned.pid_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)
