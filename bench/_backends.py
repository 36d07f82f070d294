"""What the database benchmarks share: one child process per backend, each on a throwaway
database (a temporary SQLite file; on PostgreSQL a new database, dropped afterwards)."""

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def run_each_backend(script: str, arguments: list[str], server: str | None) -> None:
    """Run `script --child BACKEND arguments…` for SQLite, then PostgreSQL if a server is given."""
    backends = [("sqlite", None)] + ([("postgres", server)] if server else [])
    for backend, url in backends:
        command = [sys.executable, script, "--child", backend, *arguments]
        if url:
            command += ["--postgres", url]
        env = {**os.environ, "FANGYI_DEBUG": "1"}
        env.pop("DATABASE_URL", None)
        subprocess.run(command, check=True, env=env, cwd=ROOT)
    if not server:
        print("(PostgreSQL skipped: give --postgres URL or DATABASE_URL)")


@contextlib.contextmanager
def throwaway_database(backend: str, server: str | None) -> Iterator[None]:
    """Point Django (not yet set up) at a fresh database of `backend` for the block."""
    with tempfile.TemporaryDirectory(prefix="fangyi-bench-") as data_dir:
        os.environ["FANGYI_DATA_DIR"] = data_dir
        database = None
        if backend == "postgres":
            assert server
            database = f"fangyi_bench_{os.getpid()}"
            admin_statement(server, f'CREATE DATABASE "{database}"')
            os.environ["DATABASE_URL"] = urlunsplit(urlsplit(server)._replace(path=f"/{database}"))
        try:
            yield
        finally:
            if database and server:
                from django.db import connections

                connections.close_all()
                admin_statement(server, f'DROP DATABASE IF EXISTS "{database}"')


def admin_statement(server: str, statement: str) -> None:
    import psycopg

    parts = urlsplit(server)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]
