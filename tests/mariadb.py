"""A real MariaDB server for tests: started once per session on a private port and data dir.

``mariadb_server`` (session) runs ``mariadb-install-db`` into a temp dir, starts ``mariadbd``
on 127.0.0.1 and a free port, creates a ``lookout`` user, and stops only the process it started.
``mariadb_dsn`` (function) creates a fresh database per test and yields its DSN.

Without ``mariadbd`` the tests skip with a clear message, unless ``CI=true`` or
``LOOKOUT_REQUIRE_MARIADB=1``, where a missing server is a failure: CI must not go green by
skipping the MySQL half of the contract suite."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.required import required

_SEARCH = ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/usr/libexec")
START_TIMEOUT_S = 60.0
USER, PASSWORD = "lookout", "lookout-test-pw"


@dataclass(frozen=True, slots=True)
class MariaDB:
    host: str
    port: int
    socket: Path
    client: str

    def dsn(self, database: str) -> str:
        return f"mysql+asyncmy://{USER}:{PASSWORD}@{self.host}:{self.port}/{database}"

    def sql(self, statement: str) -> None:
        subprocess.run(
            [self.client, "--no-defaults", "-uroot", f"--socket={self.socket}", "-e", statement],
            check=True,
            capture_output=True,
            timeout=30,
        )


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(_SEARCH))


def _required() -> bool:
    return required("mariadb")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(message: str) -> None:
    if _required():
        pytest.fail(f"MariaDB is required here (CI/LOOKOUT_REQUIRE_MARIADB) but {message}")
    pytest.skip(f"{message}; install the Debian package mariadb-server to run these tests")


class MariaDBMissing(RuntimeError):
    """The MariaDB server binaries are not installed."""


@contextmanager
def running_mariadb(*, fast: bool) -> Iterator[MariaDB]:
    """Install a data dir, start ``mariadbd`` on 127.0.0.1:<free port>, yield, stop it.

    ``fast`` trades server-crash durability for speed (tests create many tables; the server is
    never crashed there). The benchmark runs with ``fast=False``: durable InnoDB defaults."""
    server = _which("mariadbd") or _which("mysqld")
    install = _which("mariadb-install-db") or _which("mysql_install_db")
    client = _which("mariadb") or _which("mysql")
    if not (server and install and client):
        raise MariaDBMissing("mariadbd, mariadb-install-db or the mariadb client is not installed")
    root = Path(tempfile.mkdtemp(prefix="lookout-mariadb-"))
    datadir, sock = root / "data", root / "mysqld.sock"
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            install,
            "--no-defaults",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *as_root,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    speed = (
        # Skip per-table files and per-commit fsync: ~15 tables are created per test database.
        [
            "--innodb-file-per-table=0",
            "--innodb-flush-log-at-trx-commit=2",
            "--innodb-doublewrite=0",
        ]
        if fast
        else []
    )
    log = (root / "mariadbd.log").open("wb")
    proc = subprocess.Popen(
        [
            server,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--pid-file={root / 'mariadbd.pid'}",
            "--skip-networking=0",
            "--bind-address=127.0.0.1",
            f"--port={port}",
            "--innodb-buffer-pool-size=256M",
            "--max-connections=200",
            f"--log-error={root / 'error.log'}",
            *speed,
            *as_root,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    db = MariaDB("127.0.0.1", port, sock, client)
    try:
        _wait_ready(proc, db, root)
        db.sql(
            f"CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';"
            f"GRANT ALL ON *.* TO '{USER}'@'127.0.0.1'; FLUSH PRIVILEGES;"
        )
        yield db
    finally:
        proc.terminate()  # only the process we started
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDB]:
    try:
        with running_mariadb(fast=True) as db:
            yield db
    except MariaDBMissing as e:
        _unavailable(str(e))


def _wait_ready(proc: subprocess.Popen[bytes], db: MariaDB, root: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = (root / "error.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"mariadbd exited with {proc.returncode}:\n{err}")
        try:
            with socket.create_connection((db.host, db.port), timeout=1):
                pass
            db.sql("SELECT 1")
            return
        except (OSError, subprocess.CalledProcessError):
            time.sleep(0.2)
    raise RuntimeError(f"mariadbd did not accept connections within {START_TIMEOUT_S:g} s")


@pytest.fixture
def mariadb_dsn(mariadb_server: MariaDB) -> Iterator[str]:
    """A DSN to a fresh, empty database (dropped after the test)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    mariadb_server.sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    try:
        yield mariadb_server.dsn(name)
    finally:
        mariadb_server.sql(f"DROP DATABASE IF EXISTS {name}")
