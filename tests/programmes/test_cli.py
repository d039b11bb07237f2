"""`lms import-programmes` (used by `make setup`): trusted, publishes, idempotent, refuses bad packages."""
from __future__ import annotations

from sqlalchemy import select

from lms.programmes.models import Programme
from tests.builders import NOW
from tests.programmes.helpers import courses

GOOD = '''code = "PG-CLI"
title = "命令行项目"

[[courses]]
code = "A-1"
'''


def test_import_programmes(app, build, query, tmp_path, completed_events):
    build(lambda s: courses(s, "A-1"))
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "programme.toml").write_text(GOOD, "utf-8")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "import-programmes", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "PG-CLI: created" in first.output
    assert query(lambda s: s.scalar(select(Programme.status))) == "published"
    again = runner.invoke(args=["lms", "import-programmes", str(tmp_path)])
    assert "PG-CLI: unchanged" in again.output
    # Archived on the platform: a new import leaves it alone unless --force.
    from lms.programmes import services

    build(lambda s: services.archive_programme(s, services.get_programme(s, "PG-CLI"), user=None, now=NOW))
    kept = runner.invoke(args=["lms", "import-programmes", str(tmp_path)])
    assert "PG-CLI: skipped" in kept.output
    assert query(lambda s: s.scalar(select(Programme.status))) == "archived"
    forced = runner.invoke(args=["lms", "import-programmes", "--force", str(tmp_path)])
    assert "PG-CLI: updated" in forced.output
    assert query(lambda s: s.scalar(select(Programme.status))) == "published"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "programme.toml").write_text(GOOD.replace("PG-CLI", "PG-BAD").replace("A-1", "Z-9"), "utf-8")
    refused = runner.invoke(args=["lms", "import-programmes", str(tmp_path / "bad")])
    assert refused.exit_code != 0
    assert "do not exist: Z-9" in refused.output
    assert query(lambda s: list(s.scalars(select(Programme.code)))) == ["PG-CLI"]
