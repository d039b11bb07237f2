"""`flask --app app lms ...` commands."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from content import PackageInvalid, load_package
from lms.web import utcnow

lms_cli = AppGroup("lms", help="@learning administration commands.")


def _db():
    return current_app.extensions["lms_db"]


@lms_cli.command("migrate")
def migrate_command() -> None:
    """Upgrade the database schema to the latest revision."""
    from lms.migrate import upgrade

    upgrade(str(current_app.config["DATABASE_URL"]))
    click.echo("database is at the latest revision")


@lms_cli.command("import-courses")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_courses_command(paths: tuple[Path, ...]) -> None:
    """Import or update course packages (folders). A folder holding several
    packages (like courses/) imports each of them. An invalid package is
    reported and nothing of it is written."""
    from lms.catalog.services import import_course

    folders: list[Path] = []
    for path in paths:
        if (path / "course.toml").exists():
            folders.append(path)
        else:
            folders.extend(sorted(p.parent for p in path.glob("*/course.toml")))
    if not folders:
        raise click.ClickException("no course package found (a package is a folder with course.toml)")
    failed = 0
    for folder in folders:
        try:
            spec = load_package(folder)
        except PackageInvalid as exc:
            failed += 1
            click.echo(f"{folder}: invalid package, nothing imported:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            continue
        with _db().transaction() as session:
            result = import_course(session, spec, now=utcnow())
            state = "created" if result.created else ("updated" if result.changed else "unchanged")
        click.echo(f"{spec.code}: {state} ({folder})")
    if failed:
        raise click.ClickException(f"{failed} package(s) invalid")


@lms_cli.command("create-demo")
def create_demo_command() -> None:
    """Create the demo org units and accounts (safe to run again)."""
    from lms.demo import create_demo

    with _db().transaction() as session:
        created = create_demo(session, now=utcnow())
    click.echo(f"demo accounts ready ({created} new)")


@lms_cli.command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--category", "staff_category", default="staff",
              type=click.Choice(["manager", "professional", "staff", "correspondent"]))
@click.option("--role", "roles", multiple=True, type=click.Choice(["learner", "author", "manager", "admin"]))
@click.option("--name", "full_name", default="")
def create_user_command(username, password, staff_category, roles, full_name) -> None:
    """Create an account."""
    from lms.auth.services import AccountError, create_user

    try:
        with _db().transaction() as session:
            create_user(session, username=username, password=password, staff_category=staff_category,
                        roles=roles or ("learner",), full_name=full_name, now=utcnow())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {username}")


@lms_cli.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the token")
def create_token_command(username: str, name: str) -> None:
    """Print a new API token for USERNAME (shown once; keep it secret)."""
    from lms.auth.models import User
    from lms.auth.services import create_api_token

    with _db().transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:
            raise click.ClickException(f"no active user {username!r}")
        token = create_api_token(session, user=user, now=utcnow(), name=name)
    click.echo(token)


@lms_cli.command("backup")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Backup file (default: instance/backups/lms-<UTC time>.sqlite3 or .dump)")
def backup_command(output: Path | None) -> None:
    """Back up the database while the app keeps running."""
    from lms.backup import BackupError, backup

    url = str(current_app.config["DATABASE_URL"])
    if output is None:
        suffix = "sqlite3" if url.startswith("sqlite") else "dump"
        output = Path(current_app.instance_path) / "backups" / f"lms-{utcnow():%Y%m%dT%H%M%SZ}.{suffix}"
    try:
        path = backup(url, output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {path}")


@lms_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="This replaces every row of the database. Stop the app first. Continue?")
def restore_command(source: Path) -> None:
    """Restore the database from a backup made by `lms backup`."""
    from lms.backup import BackupError, restore

    try:
        restore(str(current_app.config["DATABASE_URL"]), source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored from {source}")
