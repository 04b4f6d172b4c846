"""Arrays built once per machine and kept in the user's cache folder under a versioned name.

For: data derived from shipped files that every process would otherwise rebuild (the
gazetteer's index, the basemap's tables). A cache file is only a copy: when it is missing,
unreadable or cannot be written, the data are built again (with a warning for the last two),
never guessed. Files are NumPy ``.npz`` archives read without pickles. This module never
builds anything itself and never touches the network.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import threading
import time
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from geo.atomic import write_atomic
from geo.paths import cache_dir

Arrays = Mapping[str, np.ndarray]
UNUSED_DAYS = 7


def digest(*sources: Path) -> str:
    """A short digest of the files' contents: part of a version key, so that any change gives a new cache file."""
    return hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()[:12]


def path(kind: str, key: str) -> Path:
    """The cache file of ``kind`` (a name without "-") at version ``key``."""
    if "-" in kind:
        raise ValueError(f"a cache kind has no '-': {kind!r}")
    return cache_dir() / f"{kind}-{key}.npz"


def load_or_build(kind: str, key: str, build: Callable[[], Arrays]) -> Arrays:
    """The arrays of ``kind`` at version ``key``: read from the cache file, else built and written there."""
    where = path(kind, key)
    arrays = read(where)
    if arrays is None:
        arrays = build()
        write(where, arrays)
    return arrays


class _Archive(Mapping[str, np.ndarray]):
    """The arrays of an open cache file, each read when first asked for and then kept: a process that needs only a
    few of them (the gazetteer's towns, not its name index) reads only those."""

    def __init__(self, npz: np.lib.npyio.NpzFile):
        self._npz, self._read, self._lock = npz, {}, threading.Lock()

    def __getitem__(self, key: str) -> np.ndarray:
        with self._lock:
            if key not in self._read:
                self._read[key] = self._npz[key]
            return self._read[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._npz.files)

    def __len__(self) -> int:
        return len(self._npz.files)


def read(where: Path) -> Arrays | None:
    """The arrays in a cache file (read as they are used); None when there is none or its archive is unreadable
    (with a warning). The file's time is set to now: it is in use (see ``write``)."""
    try:
        archive = _Archive(np.load(where, allow_pickle=False))
        with contextlib.suppress(OSError):  # a read-only cache folder
            os.utime(where)
        return archive
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        warnings.warn(f"rebuilding the cache file {where}, it is unreadable: {error}", stacklevel=3)
        return None


def write(where: Path, arrays: Arrays) -> None:
    """Write a cache file atomically and remove the other versions of its kind that no process has read for
    ``UNUSED_DAYS`` (two releases in use on one machine keep theirs); a read-only cache only warns."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    kind = where.name.split("-", 1)[0]
    try:
        write_atomic(where, buffer.getvalue())
        remove_unused(where.parent.glob(f"{kind}-*.npz"), keep=where)
    except OSError as error:
        warnings.warn(f"cache file {where} not written ({error}); it will be built again next run", stacklevel=3)


def remove_unused(versions: Iterable[Path], keep: Path) -> None:
    """Remove the cache files or folders among ``versions``, other than ``keep``, that nothing has used (written, read
    or touched, any file in a folder) for ``UNUSED_DAYS``."""
    unused_since = time.time() - UNUSED_DAYS * 86400
    for other in versions:
        try:
            files = [other] if other.is_file() else [f for f in other.rglob("*") if f.is_file()] or [other]
            if other == keep or max(f.stat().st_mtime for f in files) >= unused_since:
                continue
            if other.is_dir():
                shutil.rmtree(other)
            else:
                other.unlink()
        except OSError:  # removed meanwhile by another process, or not ours to remove: left alone
            continue
