"""A directory the master really cannot write to, as when the Helm chart mounts a Secret or a
ConfigMap read-only (the kubelet's volume: EROFS) -- for the tests of a PUT on a mounted config.

Not a mock: the write really fails. As a non-root user the directory is chmod 0555 (files put
there first); as root, where permission bits stop nothing, it is /sys, where sysfs refuses to
create a file whoever asks (no file can be put there first: the master then starts from its
default, which is still what the refused PUT must keep)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def unwritable_dir(tmp_path: Path, files: dict[str, str]) -> Iterator[Path]:
    if os.geteuid() == 0:
        where = Path("/sys")
        assert not any((where / name).exists() for name in files)
    else:
        where = tmp_path / "mounted"
        where.mkdir()
        for name, text in files.items():
            (where / name).write_text(text)
        where.chmod(0o555)
    probe = where / "lookout-write-probe"
    try:
        probe.write_text("x")
    except OSError:
        pass
    else:  # pragma: no cover -- the premise of every test using this is gone
        probe.unlink()
        raise AssertionError(f"{where} accepts writes: no read-only directory to test with")
    try:
        yield where
    finally:
        if where != Path("/sys"):
            where.chmod(0o755)
