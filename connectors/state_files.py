"""The small JSON files API clients keep between runs (refreshed tokens, rejected metrics): each
read-modify-write holds a thread lock and an `flock` on `<file>.lock` (accounts are pulled in
threads, runs may overlap in processes), and a file is replaced atomically (a crash never leaves
half a file)."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

try:  # POSIX file locks; other systems fall back to the in-process lock only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def thread_lock(path: Path) -> threading.Lock:
    """The one in-process lock of a file (shared by every object that writes it)."""
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(path.resolve(), threading.Lock())


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the file's thread lock and an exclusive `flock` on `<path>.lock`."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with thread_lock(path):
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def write_json(path: Path, content: object, *, private: bool = False) -> None:
    """Replace `path` with `content` as JSON: written to a temporary file, fsynced, renamed.
    `private`: readable and writable by the owner only (0600), whatever the umask."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o666)
    try:
        if private:
            os.fchmod(fd, 0o600)  # the umask can only remove bits; make it exactly 0600
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
