"""The store's files on disk are the master's alone: directories ``0700``, the SQLite file
``0600``.

The SQLite file holds agent token hashes, commands and the audit trail, so neither other users
on the host nor other containers sharing a volume should read it. SQLite creates the ``-wal``
and ``-shm`` files with the permissions of the database file, so creating that one ``0600``
(before SQLite does, with its default of ``0644``) covers all three; files and directories made
by an older Lookout are tightened when this process owns them, and only reported otherwise (a
mounted volume may belong to someone else on purpose).

Does not own: what is in the files (``master.store``)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from master.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) with ``0700``, or tighten it if it is ours."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    except OSError as e:
        raise StoreUnavailable(f"cannot create the directory {path}: {e.strerror}") from e
    _tighten(path, DIR_MODE)


def private_sqlite_file(path: Path) -> None:
    """Make sure the SQLite file at ``path`` exists with ``0600`` before SQLite opens it (its
    side files then inherit that), and tighten side files left by an older Lookout."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        if path.is_file():  # anything else SQLite refuses with a clear error of its own
            _tighten(path, FILE_MODE)
    except OSError as e:
        raise StoreUnavailable(f"cannot create SQLite store {path}: {e.strerror}") from e
    else:
        os.close(fd)  # an empty file is an empty database to SQLite
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            _tighten(side, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.stat()
    except OSError:
        return
    if stat.S_IMODE(st.st_mode) & ~mode == 0:
        return
    if st.st_uid != os.geteuid():
        log.warning(
            "%s is accessible to others (mode %o) and not owned by this process: restrict it "
            "to the master's user",
            path,
            stat.S_IMODE(st.st_mode),
        )
        return
    try:
        os.chmod(path, stat.S_IMODE(st.st_mode) & mode)
    except OSError as e:
        log.warning("cannot restrict %s to mode %o: %s", path, mode, e.strerror)
