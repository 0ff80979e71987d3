"""A throwaway PostgreSQL cluster of the test's own, on a free port: it may be stopped and started at will.

Never the machine's main cluster on 5432: outage tests stop this one. initdb refuses to run as root,
so the cluster belongs to the `postgres` user in a temporary directory it owns.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.ports import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> bool:
    """True when PostgreSQL 15's server binaries and a `postgres` user exist here."""
    return (PG_BIN / "initdb").exists() and shutil.which("runuser") is not None and _has_postgres_user()


class PrivateCluster:
    """One cluster: start(), stop() and its SQLAlchemy URL."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = port

    @property
    def url(self) -> str:
        """URL of the `mes` database on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/mes"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off")
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start")

    def stop(self) -> None:
        """Stop the server at once (fast shutdown: open transactions are rolled back)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def _pg(self, program: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / program), *args], check=True,
                       capture_output=True, timeout=60, cwd=self.directory)


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A new cluster with an empty `mes` database, running; stopped and deleted afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="mes-pg-"))
    shutil.chown(directory, "postgres", "postgres")
    cluster = PrivateCluster(directory, free_port())
    try:
        cluster._pg("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "--no-sync")
        cluster.start()
        cluster._pg("createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "mes")
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _has_postgres_user() -> bool:
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return os.geteuid() == 0  # runuser needs root
