"""Durable whole-file replacement: the one way a process swaps a file's content for a new one
without a moment where a crash leaves half of each.

Owns: writing beside the target (``<name>.tmp``), fsync, rename over the target, and removing
the partial copy when anything fails (the old file then stays as it was). Deliberately does not
own appends or the directory's creation and modes (the callers', who know their layout).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from pathlib import Path

WriteAll = Callable[[int, bytes], None]


def replace_file(
    path: Path, produce: Callable[[], bytes], *, mode: int, write_all: WriteAll
) -> bytes:
    """Replace ``path`` with what ``produce`` returns; returns those bytes.

    The copy is opened before ``produce`` runs, so a directory that refuses writes costs no
    encoding. ``write_all`` writes every byte to the descriptor (callers pass theirs: it is
    where a full disk shows). Raises the ``OSError`` that stopped it, after removing the copy."""
    tmp = path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, mode)
    try:
        try:
            data = produce()
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return data


def mtime_ns(path: Path) -> int | None:
    """The file's mtime, or None when it does not exist."""
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_text_atomically(path: Path, text: str, *, mode: int = 0o644) -> int | None:
    """``replace_file`` for a text file (config files the API replaces); creates the
    directory, returns the new mtime."""
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, text.encode, mode=mode, write_all=_write_all)
    return mtime_ns(path)


def read_only(e: OSError) -> bool:
    """Whether a failed write means "this file is not ours to write" (a read-only mount, a
    permission) rather than a fault worth a 500."""
    return isinstance(e, PermissionError) or e.errno == errno.EROFS
