"""`flask --app app lms ...` commands."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from content import PackageInvalid, load_package
from lms.enums import EMAIL_KINDS
from lms.web import utcnow
from lms.zones import local_date

# Commands that work on a database that is not (yet) at the latest revision.
_WITHOUT_SCHEMA = frozenset({"migrate", "restore"})


@click.group("lms", cls=AppGroup, help="@learning administration commands.")
@click.pass_context
@with_appcontext
def lms_cli(ctx: click.Context) -> None:
    """Every command but `migrate` and `restore` needs the latest schema: say
    what to run rather than fail with a traceback halfway."""
    if ctx.invoked_subcommand in _WITHOUT_SCHEMA or "--help" in sys.argv[1:]:
        return
    from lms.migrate import pending_migrations

    try:
        behind = pending_migrations(_db().engine)
    except OperationalError as exc:
        raise click.ClickException(f"the database cannot be reached ({type(exc).__name__}); check LMS_DATABASE_URL") from None
    if behind:
        raise click.ClickException("the database is not at the latest schema; run: flask --app app lms migrate")


def _db():
    return current_app.extensions["lms_db"]


@lms_cli.command("migrate")
def migrate_command() -> None:
    """Upgrade the database schema to the latest revision."""
    from lms.courses.services import rebuild_search_index, search_index_missing
    from lms.migrate import upgrade
    from lms.reports.counters import mode_counters_missing, rebuild

    upgrade(str(current_app.config["DATABASE_URL"]))
    click.echo("database is at the latest revision")
    with _db().transaction() as session:
        if search_index_missing(session):  # courses published before the index existed
            click.echo(f"search index built: {rebuild_search_index(session)} course(s)")
        if mode_counters_missing(session):  # completions made before the counters by mode existed
            rows = rebuild(session)
            click.echo(f"report counters rebuilt with the modes of training: {rows['report_mode_months']} month row(s)")


@lms_cli.command("rebuild-search-index")
def rebuild_search_index_command() -> None:
    """Index the live version of every published course again for the catalogue search."""
    from lms.courses.services import rebuild_search_index

    with _db().transaction() as session:
        n = rebuild_search_index(session)
    click.echo(f"search index rebuilt: {n} course(s)")


@lms_cli.command("import-courses")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Publish the package even over a version published on the platform "
              "(web edits approved after the package was last imported). Without it such a course is skipped.")
def import_courses_command(paths: tuple[Path, ...], force: bool) -> None:
    """Import or update course packages (folders or .zip files). A folder
    holding several packages (like courses/) imports each of them. An invalid
    package is reported and nothing of it is written. A changed package
    becomes a new published version (CLI imports are trusted); the same
    package again changes nothing. A course whose live version was published
    on the platform (edited on the web and approved) is skipped, never
    replaced, unless --force."""
    from content import load_package_zip
    from content.loader import package_images_from_folder, package_images_from_zip
    from lms.authoring.services import AuthoringError, import_package

    packages: list[Path] = []
    for path in paths:
        if path.is_file() or (path / "course.toml").exists():
            packages.append(path)
        else:
            packages.extend(sorted(p.parent for p in path.glob("*/course.toml")))
    if not packages:
        raise click.ClickException("no course package found (a package is a folder with course.toml, or a .zip)")
    from lms.media.services import media_folder_of

    media = media_folder_of(current_app.config, current_app.instance_path)
    failed = 0
    for package in packages:
        try:
            if package.is_file():
                data = package.read_bytes()
                spec = load_package_zip(data)
                images = package_images_from_zip(data, spec)
            else:
                spec = load_package(package)
                images = package_images_from_folder(package, spec)
            with _db().transaction() as session:
                result = import_package(session, spec, images, media_folder=media, now=utcnow(), publish=True,
                                        force=force)
                version = result.version
                if version is None:  # an imported package always has a version
                    raise click.ClickException(f"{package}: the import made no version")
                state = "created" if result.created else ("updated" if result.changed else "unchanged")
                detail = f"version {version.number}, {version.status}"
                if result.kept_platform_version:
                    state = "skipped"
                    detail = (f"version {version.number} was published on the platform after this package was last "
                              "imported; kept as it is (--force replaces it)")
        except PackageInvalid as exc:
            failed += 1
            click.echo(f"{package}: invalid package, nothing imported:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            continue
        except AuthoringError as exc:
            failed += 1
            click.echo(f"{package}: {exc}", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            continue
        click.echo(f"{spec.code}: {state} ({detail}; {package})")
    if failed:
        raise click.ClickException(f"{failed} package(s) invalid")


@lms_cli.command("import-programmes")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace and publish even a programme changed on the platform "
              "(edited, reviewed or archived) since its last import. Without it such a programme is skipped.")
def import_programmes_command(paths: tuple[Path, ...], force: bool) -> None:
    """Import or update programme packages (a programme.toml, a folder holding
    one, or a folder of such folders like programmes/). CLI imports are trusted:
    the programme is published, and everyone who already completed its courses
    completes it. The courses must be imported first. An invalid package is
    reported and nothing of it is written; the same package again changes nothing."""
    from content.programme import ProgrammeInvalid, load_programme
    from lms.programmes.services import ProgrammeError, import_programme

    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif (path / "programme.toml").exists():
            files.append(path / "programme.toml")
        else:
            files.extend(sorted(path.glob("*/programme.toml")) + sorted(path.glob("*.programme.toml")))
    if not files:
        raise click.ClickException("no programme package found (programme.toml)")
    failed = 0
    for file in files:
        try:
            spec = load_programme(file)
            with _db().transaction() as session:
                result = import_programme(session, spec, now=utcnow(), publish=True, force=force)
                state = "created" if result.created else ("updated" if result.changed else "unchanged")
                if result.kept:
                    state = "skipped: changed on the platform since its last import (--force replaces it)"
        except ProgrammeInvalid as exc:
            failed += 1
            click.echo(f"{file}: invalid programme package, nothing imported:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            continue
        except ProgrammeError as exc:
            failed += 1
            click.echo(f"{file}: {str(exc) % exc.params if exc.params else exc}", err=True)
            continue
        click.echo(f"{spec.code}: {state} ({file})")
    if failed:
        raise click.ClickException(f"{failed} programme package(s) refused")


@lms_cli.command("export-course")
@click.argument("code")
@click.option("--version", "number", type=int, default=None, help="Version number (default: the live version, "
              "else the latest)")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="A .zip file, or a folder to write the package into (default: ./<code>-v<N>.zip)")
def export_course_command(code: str, number: int | None, output: Path | None) -> None:
    """Export a course version as a package (zip, or a folder to keep in git)."""
    import io
    import zipfile

    from lms.authoring.services import export_version
    from lms.courses import services as catalog

    with _db().transaction() as session:
        course = catalog.get_course(session, code)
        if course is None:
            raise click.ClickException(f"no course {code!r}")
        version = (catalog.get_version(session, course.id, number) if number is not None
                   else catalog.published_version(session, course.id) or catalog.latest_version(session, course.id))
        if version is None:
            raise click.ClickException(f"{code} has no version {number}")
        from lms.media.services import media_folder_of

        name, data = export_version(session, version, media_folder_of(current_app.config, current_app.instance_path))
    if output is not None and (output.is_dir() or output.suffix.lower() != ".zip"):
        if output.exists() and any(output.iterdir()):
            raise click.ClickException(f"{output} is not empty")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                relative = info.filename.split("/", 1)[1]
                target = output / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(info))
        click.echo(f"{code} version {version.number} written to {output}/")
        return
    target = output or Path(name)
    target.write_bytes(data)
    click.echo(f"{code} version {version.number} written to {target}")


@lms_cli.command("create-demo")
def create_demo_command() -> None:
    """Create the demo org units and accounts, and the open demo training-needs
    survey with its answers (safe to run again)."""
    from lms.classroom.demo import create_demo_sessions
    from lms.demo import create_demo
    from lms.surveys.demo import create_demo_survey

    with _db().transaction() as session:
        created = create_demo(session, now=utcnow())
        survey = create_demo_survey(session, now=utcnow())
        classroom = create_demo_sessions(session, now=utcnow())
    click.echo(f"demo accounts ready ({created} new)")
    click.echo("demo training-needs survey " + ("created" if survey is not None else "already there"))
    click.echo(f"demo classroom sessions: {len(classroom)} created (the others are there already, or their course is not)")


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


# ---- org units, people, reminders (lms.orgs, lms.assignments) -----------------

def _print_import_errors(exc) -> None:
    for error in exc.errors:
        click.echo(f"  {error}", err=True)


@lms_cli.command("import-org-units")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_org_units_command(file: Path) -> None:
    """Import or update org units and headcounts from a CSV file (UTF-8, with or
    without BOM). A file with any bad row writes nothing."""
    from lms.audit.services import record_event
    from lms.csvfile import ImportInvalid
    from lms.orgs.csv_import import import_org_units

    try:
        with _db().transaction() as session:
            result = import_org_units(session, file.read_bytes(), now=utcnow())
            record_event(session, action="org_units_imported", username="cli", now=utcnow(), detail=f"{file.name}: {result}")
    except ImportInvalid as exc:
        click.echo(f"{file}: {len(exc.errors)} error(s), nothing imported:", err=True)
        _print_import_errors(exc)
        raise click.ClickException("invalid file") from None
    click.echo(f"{file.name}: {result}" + (f"; {result.enrolled} new assignment enrolments" if result.enrolled else ""))


@lms_cli.command("import-users")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_users_command(file: Path) -> None:
    """Import or update people from a CSV file. New people get no password:
    they can log in once an administrator resets it (People page)."""
    from lms.audit.services import record_event
    from lms.csvfile import ImportInvalid
    from lms.people.user_import import import_users

    try:
        with _db().transaction() as session:
            result = import_users(session, file.read_bytes(), now=utcnow(),
                                  default_language=str(current_app.config["DEFAULT_LANGUAGE"]))
            record_event(session, action="users_imported", username="cli", now=utcnow(), detail=f"{file.name}: {result}")
    except ImportInvalid as exc:
        click.echo(f"{file}: {len(exc.errors)} error(s), nothing imported:", err=True)
        _print_import_errors(exc)
        raise click.ClickException("invalid file") from None
    click.echo(f"{file.name}: {result}" + (f"; {result.enrolled} new assignment enrolments" if result.enrolled else ""))


def smtp_settings():
    from lms.assignments.mail import SmtpSettings

    cfg = current_app.config
    return SmtpSettings(host=str(cfg["SMTP_HOST"]), port=int(cfg["SMTP_PORT"]), user=str(cfg["SMTP_USER"]),
                        password=str(cfg["SMTP_PASSWORD"]), sender=str(cfg["SMTP_FROM"]),
                        starttls=bool(cfg["SMTP_STARTTLS"]))


def render_reminder(reminder) -> dict:
    """Subject and body in the learner's language (the CLI layer owns the locale)."""
    from flask import render_template
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale(reminder.language):
        if reminder.kind == "overdue":
            subject = _("Overdue: %(course)s", course=reminder.course_title)
        else:
            subject = _("Due soon: %(course)s", course=reminder.course_title)
        body = render_template("assignments/mail/reminder.txt", r=reminder,
                               url=str(current_app.config["BASE_URL"]).rstrip("/") + "/my")
    return {"recipient": reminder.email, "subject": subject[:300], "body": body, "kind": reminder.kind,
            "assignment_id": reminder.assignment_id, "user_id": reminder.user_id}


def _queue_session_reminders(session, now) -> int:
    """Reminders of classroom sessions starting within a day, once per person and session."""
    from lms.classroom.mail import render_notice
    from lms.classroom.services import due_session_reminders, queue_notices

    return queue_notices(session, due_session_reminders(session, now=now), render=render_notice, now=now)


def queue_waiting_reminders(session, now) -> int:
    """One queue_reminder a week to each manager or trainer with items waiting over 7 days (issue 15)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from lms.evaluations import services as evaluations

    url = str(current_app.config["BASE_URL"]).rstrip("/") + "/queue"
    messages = []
    for user, counts in evaluations.staff_waiting(session, now=now):
        with force_locale(user.language):
            subject = _("%(num)s items have been waiting for you for more than 7 days", num=counts.overdue)
            body = "\n".join([
                _("Task reports to mark: %(num)s", num=counts.tasks),
                _("Evaluations to record: %(num)s", num=counts.evaluations),
                _("Essays to grade: %(num)s", num=counts.essays),
                "", url])
        messages.append({"recipient": user.email, "subject": subject[:300], "body": body, "user_id": user.id})
    return evaluations.queue_reminders(session, messages, now=now)


def render_review_reminder(reminder) -> dict:
    """A course due (or overdue) for review, to one author, in the author's language."""
    from flask import render_template
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale(reminder.language):
        if reminder.overdue:
            subject = _("Review overdue: %(course)s", course=reminder.title)
        else:
            subject = _("Review due: %(course)s", course=reminder.title)
        body = render_template("authoring/mail/review_due.txt", r=reminder,
                               url=str(current_app.config["BASE_URL"]).rstrip("/") + "/authoring/due-for-review")
    return {"recipient": reminder.email, "subject": subject[:300], "body": body, "kind": "review_due",
            "dedupe_key": reminder.dedupe_key, "user_id": reminder.user_id}


def queue_review_reminders(session, *, now) -> int:
    """Queue a reminder to the authors of each published course that became due for review
    (once per course, review date and author, however often cron runs)."""
    from lms.assignments.services import queue_messages
    from lms.authoring.services import review_reminders

    due = review_reminders(session, today=local_date(now), days=int(current_app.config["REVIEW_DUE_DAYS"]))
    return queue_messages(session, [render_review_reminder(r) for r in due], now=now)


def send_reminders(now=None, *, batch: int = 100) -> dict[str, int]:
    """Queue the reminders now due, then send every unsent outbox row."""
    from lms.assignments import services
    from lms.assignments.mail import Outgoing, send_all

    now = now or utcnow()
    db = _db()
    with db.transaction() as session:
        due = services.due_reminders(session, today=local_date(now), due_soon_days=int(current_app.config["REMINDER_DAYS"]))
        queued = services.queue_messages(session, [render_reminder(r) for r in due], now=now)
        queued += _queue_session_reminders(session, now)
        queued += queue_waiting_reminders(session, now)
        queued += queue_review_reminders(session, now=now)
    settings = smtp_settings()
    sent, failed = _drain_outbox(now, batch, kinds=EMAIL_KINDS, item=lambda m: Outgoing(m.id, m.recipient, m.subject, m.body),
                                 send=lambda claimed: send_all(settings, claimed))
    return {"queued": queued, "sent": sent, "failed": failed}


def _drain_outbox(now, batch: int, *, kinds, item, send) -> tuple[int, int]:
    """Claim unsent outbox rows of `kinds` batch by batch, send them (`send`
    returns {id: error or None}) and mark each sent or failed (retried later).
    Returns (sent, failed)."""
    from lms.assignments import services

    db = _db()
    sent = failed = 0
    while True:
        with db.transaction() as session:
            claimed = [item(m) for m in services.claim_messages(session, now=now, limit=batch, kinds=kinds)]
        if not claimed:
            return sent, failed
        results = send(claimed)
        with db.transaction() as session:
            for one in claimed:
                error = results.get(one.id, "not sent")
                if error is None:
                    services.mark_sent(session, one.id, now=now)
                    sent += 1
                else:
                    services.mark_failed(session, one.id, now=now, error=error)
                    failed += 1


@lms_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Queue due-soon and overdue reminders (and those of classroom sessions, and review reminders to authors)
    and send the outbox over SMTP.
    Safe to run from cron every few minutes: a reminder is queued once and
    overlapping runs never send the same message twice; failures are retried
    by later runs. Then posts the queued xAPI statements (send-xapi)."""
    counts = send_reminders()
    click.echo(f"queued {counts['queued']}, sent {counts['sent']}, failed {counts['failed']} (retried later)")
    if current_app.config["XAPI_ENDPOINT"]:
        _echo_xapi(send_xapi())


# ---- xAPI statements (lms.xapi) ------------------------------------------------

def send_xapi(now=None, *, batch: int = 100) -> dict[str, int]:
    """Post the queued xAPI statements (outbox kind "xapi") to LMS_XAPI_ENDPOINT,
    claimed as e-mails are; a failure is retried by a later run."""
    from lms.xapi.forward import Lrs, Outgoing, post_all

    cfg = current_app.config
    lrs = Lrs(str(cfg["XAPI_ENDPOINT"]), str(cfg["XAPI_USERNAME"]), str(cfg["XAPI_PASSWORD"]))
    now = now or utcnow()
    if not lrs.endpoint:
        return {"sent": 0, "failed": 0}
    sent, failed = _drain_outbox(now, batch, kinds=("xapi",), item=lambda m: Outgoing(m.id, m.body),
                                 send=lambda claimed: post_all(lrs, claimed))
    return {"sent": sent, "failed": failed}


def _echo_xapi(counts: dict[str, int]) -> None:
    click.echo(f"xAPI statements: sent {counts['sent']}, failed {counts['failed']} (retried later)")


@lms_cli.command("send-xapi")
def send_xapi_command() -> None:
    """Post the queued xAPI statements to the learning record store (LMS_XAPI_ENDPOINT)."""
    from lms.xapi.forward import check_endpoint

    endpoint = str(current_app.config["XAPI_ENDPOINT"])
    if not endpoint:
        raise click.ClickException("LMS_XAPI_ENDPOINT is not set: statements are kept here only")
    problem = check_endpoint(endpoint)
    if problem:
        raise click.ClickException(problem)
    _echo_xapi(send_xapi())


@lms_cli.command("rebuild-xapi")
def rebuild_xapi_command() -> None:
    """Write the xAPI statements of lesson completions, graded quiz attempts, course
    completions and certificates recorded earlier (safe to run again: an event's statement is written once)."""
    from lms.xapi.services import backfill

    with _db().transaction() as session:
        added = backfill(session, now=utcnow())
    click.echo(f"xAPI statements added: {added}")


@lms_cli.command("rebuild-report-counters")
def rebuild_report_counters_command() -> None:
    """Recompute the report counters from the raw rows (after bulk imports or restores)."""
    from lms.reports.counters import rebuild

    with _db().transaction() as session:
        rows = rebuild(session)
    click.echo("report counters rebuilt: " + ", ".join(f"{k} {v}" for k, v in rows.items()))


@lms_cli.command("rebuild-survey-counters")
def rebuild_survey_counters_command() -> None:
    """Recompute the needs report's counters of every survey from the answers (after a restore)."""
    from lms.surveys.services import rebuild_all_counters

    with _db().transaction() as session:
        n = rebuild_all_counters(session)
    click.echo(f"survey counters rebuilt: {n} survey(s)")


@lms_cli.command("generate-survey-load")
@click.option("--responses", default=200_000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--seed", default=2026, show_default=True, type=int)
def generate_survey_load_command(responses: int, seed: int) -> None:
    """A national training-needs survey with many responses, for the needs report's benchmark (after generate-load)."""
    from lms.surveys.load import SurveyLoadError, generate_survey_load

    try:
        with _db().transaction() as session:
            result = generate_survey_load(session, responses=responses, seed=seed)
    except SurveyLoadError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"survey {result.survey_id}: {result.responses} responses ({result.online} online), "
               f"{result.answers} answers in {result.seconds:.1f} s")


@lms_cli.command("generate-load")
@click.option("--learners", default=200_000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--units", default=3000, show_default=True, type=click.IntRange(2, 1_000_000))
@click.option("--completions", default=1_000_000, show_default=True, type=click.IntRange(0, 100_000_000))
@click.option("--seed", default=2026, show_default=True, type=int)
def generate_load_command(learners: int, units: int, completions: int, seed: int) -> None:
    """Generate a realistic national data set for the report benchmarks (deterministic with --seed)."""
    from lms.reports.load import LoadError, generate_load

    try:
        with _db().transaction() as session:
            result = generate_load(session, learners=learners, units=units, completions=completions, seed=seed)
    except LoadError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{result.units} org units, {result.learners} learners, {result.enrolments} enrolments, "
               f"{result.completions} completions, {result.courses_created} courses created "
               f"in {result.seconds:.1f} s")


@lms_cli.command("issue-certificates")
def issue_certificates_command() -> None:
    """Issue the certificate of every course completion that has none yet
    (completions recorded before certificates existed; safe to run again)."""
    from lms.certificates.services import issue_missing_certificates

    with _db().transaction() as session:
        issued = issue_missing_certificates(session, now=utcnow())
    click.echo(f"certificates issued: {issued}")
