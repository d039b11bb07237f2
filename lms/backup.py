"""Online backups: SQLite through its backup API (consistent while the app
runs), PostgreSQL through pg_dump's custom format."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump/pg_restore with argument lists, no shell
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    u = make_url(url)
    args = ["-h", u.host or "localhost", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    env = {"PGPASSWORD": u.password} if u.password else {}
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a whole SQLite database page by page; consistent even while the
    source is being written (the online backup API)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup(url: str, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        _sqlite_copy(_sqlite_path(url), destination)
        return destination
    if url.startswith("postgresql"):
        args, env = _pg_args(url)
        import os

        subprocess.run([_tool("pg_dump"), "-Fc", *args, "-f", str(destination), make_url(url).database or "postgres"],  # nosec B603
                       check=True, env={**os.environ, **env}, capture_output=True)
        return destination
    raise BackupError(f"unsupported database: {make_url(url).drivername}")


def restore(url: str, source: Path) -> None:
    """Replace the database's contents with a backup (the app must be stopped)."""
    if not source.exists():
        raise BackupError(f"no such backup: {source}")
    if url.startswith("sqlite"):
        _sqlite_copy(source, _sqlite_path(url))
        return
    if url.startswith("postgresql"):
        import os

        args, env = _pg_args(url)
        subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", *args,  # nosec B603
                        "-d", make_url(url).database or "postgres", str(source)],
                       check=True, env={**os.environ, **env}, capture_output=True)
        return
    raise BackupError(f"unsupported database: {make_url(url).drivername}")
