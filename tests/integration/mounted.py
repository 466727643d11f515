"""Config files as the Helm chart mounts them (a Secret or ConfigMap volume): a directory the
master really cannot write to (the kubelet's volume is read-only: EROFS), for the tests of a
PUT on a mounted config; and the kubelet's way of updating such a volume (``KubeletVolume``).

Not a mock: the write really fails. As a non-root user the directory is chmod 0555 (files put
there first); as root, where permission bits stop nothing, it is /sys, where sysfs refuses to
create a file whoever asks (no file can be put there first: the master then starts from its
default, which is still what the refused PUT must keep)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.harness import API_TOKEN, RunningMaster, master_settings, running_master


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


class KubeletVolume:
    """A Secret or ConfigMap volume laid out and updated the way the kubelet's atomic writer
    does it: the files live in a timestamped directory, ``..data`` is a symlink to it, and each
    key is a symlink ``<key> -> ..data/<key>``. An update writes a new timestamped directory,
    points a fresh ``..data_tmp`` link at it and renames that over ``..data`` (one atomic
    swap), then removes the old directory. The file the master is given never changes as a
    path; what it resolves to does."""

    def __init__(self, where: Path, files: dict[str, str]) -> None:
        self.where, self.generation = where, 0
        where.mkdir(parents=True)
        current = self._write(files)
        (where / "..data").symlink_to(current.name)
        for name in files:
            (where / name).symlink_to(f"..data/{name}")

    def _write(self, files: dict[str, str]) -> Path:
        self.generation += 1
        directory = self.where / f"..2026_12_04_00_00_00.{self.generation:09d}"
        directory.mkdir()
        for name, text in files.items():
            (directory / name).write_text(text)
        return directory

    def update(self, files: dict[str, str]) -> None:
        old = (self.where / "..data").resolve()
        new = self._write(files)
        tmp = self.where / "..data_tmp"
        tmp.symlink_to(new.name)
        os.rename(tmp, self.where / "..data")
        for f in old.iterdir():
            f.unlink()
        old.rmdir()


@dataclass(frozen=True, slots=True)
class Refused:
    master: RunningMaster
    path: Path  # the mounted file
    message: str  # the 409's message


@contextlib.asynccontextmanager
async def refused_put(
    tmp_path: Path, *, file: str, text: str, edited: str, setting: str, route: str, action: str
) -> AsyncIterator[Refused]:
    """A master whose ``setting.config_file`` is ``file`` (holding ``text``) in an unwritable
    directory; a PUT of ``edited`` on ``route`` has answered 409, was audited as refused with
    that message, and changed neither the answer of GET ``route`` nor the file."""
    with unwritable_dir(tmp_path, {file: text}) as mounted:
        path = mounted / file
        settings = master_settings(tmp_path / "m", **{setting: {"config_file": str(path)}})
        async with running_master(settings) as m:
            base = f"http://127.0.0.1:{m.master.http_port}"
            headers = {"Authorization": f"Bearer {API_TOKEN}"}
            async with httpx.AsyncClient(base_url=base, headers=headers) as http:
                before = (await http.get(route)).json()
                r = await http.put(route, json={"yaml": edited})
                assert r.status_code == 409, r.text
                message = r.json()["message"]
                audit = (await http.get("/api/v1/audit")).json()["items"]
                refusals = [
                    (e["outcome"], e["detail"]["refused"]) for e in audit if e["action"] == action
                ]
                assert refusals == [("refused", message)]
                assert (await http.get(route)).json() == before
                yield Refused(m, path, message)
        if path.exists():  # as root no file could be put there first
            assert path.read_text() == text
