"""authoring: course versions, course events, media files

Every course becomes an identity with versions. Courses imported before this
revision get a version 1 holding their metadata, lessons and quiz, with the
course's status; their enrolments follow version 1, and lesson completions
(which reference the lesson rows) keep pointing at the same lessons.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TERMS = ("objectives", "target_publics", "conditions", "programme", "supports", "final_evaluation")
_METADATA = ("title", "summary_md", "summary_html", "skill_type", "target_level", "language", "estimated_minutes",
             *(f"{t}_{k}" for t in _TERMS for k in ("md", "html")), "content_hash")


def _metadata_columns() -> list[sa.Column]:
    cols = [
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary_md", sa.Text(), nullable=False),
        sa.Column("summary_html", sa.Text(), nullable=False),
        sa.Column("skill_type", sa.String(length=20), nullable=False),
        sa.Column("target_level", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("estimated_minutes", sa.Integer(), nullable=False),
    ]
    for term in _TERMS:
        cols.append(sa.Column(f"{term}_md", sa.Text(), nullable=False))
        cols.append(sa.Column(f"{term}_html", sa.Text(), nullable=False))
    cols.append(sa.Column("content_hash", sa.String(length=64), nullable=False))
    return cols


def upgrade() -> None:
    op.create_table(
        "course_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("schemes", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        *_metadata_columns(),
        sa.CheckConstraint("number >= 1", name=op.f("ck_course_versions_number")),
        sa.CheckConstraint("language IN ('zh_CN', 'en')", name=op.f("ck_course_versions_language")),
        sa.CheckConstraint("skill_type IN ('transversal', 'professional', 'social-security')",
                           name=op.f("ck_course_versions_skill_type")),
        sa.CheckConstraint("status IN ('draft', 'review', 'published', 'archived')",
                           name=op.f("ck_course_versions_status")),
        sa.CheckConstraint("target_level IN ('information', 'capacity', 'expertise')",
                           name=op.f("ck_course_versions_target_level")),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_course_versions_course_id_courses"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_course_versions_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_course_versions_reviewed_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"],
                                name=op.f("fk_course_versions_submitted_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_versions")),
        sa.UniqueConstraint("course_id", "number", name=op.f("uq_course_versions_course_id_number")),
    )
    with op.batch_alter_table("course_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_versions_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_versions_skill_type"), ["skill_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_versions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_versions_target_level"), ["target_level"], unique=False)
        batch_op.create_index("uq_course_versions_one_published", ["course_id"], unique=True,
                              sqlite_where=sa.text("status = 'published'"),
                              postgresql_where=sa.text("status = 'published'"))

    op.create_table(
        "course_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_course_events_course_id_courses"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_course_events_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_events")),
    )
    with op.batch_alter_table("course_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_events_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_events_user_id"), ["user_id"], unique=False)

    op.create_table(
        "media_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_media_files_course_id_courses"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_media_files_uploaded_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_files")),
        sa.UniqueConstraint("name", name=op.f("uq_media_files_name")),
    )
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_files_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_files_sha256"), ["sha256"], unique=False)

    # ---- existing data: every course becomes version 1 of itself ----------------
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))

    bind = op.get_bind()
    courses = sa.table("courses", sa.column("id"), sa.column("status"), sa.column("created_at"),
                       sa.column("updated_at"), *(sa.column(c) for c in _METADATA))
    versions = sa.table("course_versions", sa.column("course_id"), sa.column("number"), sa.column("status"),
                        sa.column("schemes", sa.JSON()), sa.column("audience", sa.JSON()), sa.column("source_hash"),
                        sa.column("created_at"), sa.column("updated_at"), sa.column("review_comment"),
                        sa.column("published_at"), *(sa.column(c) for c in _METADATA))
    schemes = sa.table("course_schemes", sa.column("course_id"), sa.column("scheme"))
    audiences = sa.table("course_audiences", sa.column("course_id"), sa.column("staff_category"))
    order = ("manager", "professional", "staff", "correspondent")
    for row in bind.execute(sa.select(courses)).mappings().all():
        course_schemes = sorted(bind.execute(sa.select(schemes.c.scheme).where(schemes.c.course_id == row["id"])).scalars())
        present = set(bind.execute(sa.select(audiences.c.staff_category)
                                   .where(audiences.c.course_id == row["id"])).scalars())
        bind.execute(versions.insert().values(
            course_id=row["id"], number=1, status=row["status"], schemes=course_schemes,
            audience=[c for c in order if c in present], source_hash=row["content_hash"],
            created_at=row["created_at"], updated_at=row["updated_at"], review_comment="",
            published_at=row["updated_at"] if row["status"] in ("published", "archived") else None,
            **{c: row[c] for c in _METADATA},
        ))
    for table in ("lessons", "quizzes", "enrolments"):
        bind.execute(sa.text(
            f"UPDATE {table} SET version_id = (SELECT v.id FROM course_versions v "
            f"WHERE v.course_id = {table}.course_id AND v.number = 1)"
        ))

    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_enrolments_version_id"), ["version_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_enrolments_version_id_course_versions"), "course_versions",
                                    ["version_id"], ["id"], ondelete="CASCADE")

    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_lessons_course_id_slug"), type_="unique")
        batch_op.create_index(batch_op.f("ix_lessons_version_id"), ["version_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_lessons_version_id_slug"), ["version_id", "slug"])
        batch_op.create_foreign_key(batch_op.f("fk_lessons_version_id_course_versions"), "course_versions",
                                    ["version_id"], ["id"], ondelete="CASCADE")

    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_quizzes_course_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_quizzes_course_id"), ["course_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_quizzes_version_id"), ["version_id"])
        batch_op.create_foreign_key(batch_op.f("fk_quizzes_version_id_course_versions"), "course_versions",
                                    ["version_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    # Only the latest version of each course survives a downgrade (the old
    # schema holds one set of lessons per course): drop the other versions' rows.
    bind = op.get_bind()
    latest = ("(SELECT v.id FROM course_versions v WHERE v.course_id = {t}.course_id "
              "ORDER BY (v.status = 'published') DESC, v.number DESC LIMIT 1)")
    for table in ("enrolments",):
        bind.execute(sa.text(f"UPDATE {table} SET version_id = {latest.format(t=table)}"))
    for table in ("lessons", "quizzes"):
        bind.execute(sa.text(f"DELETE FROM {table} WHERE version_id <> {latest.format(t=table)}"))

    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_quizzes_version_id_course_versions"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_quizzes_version_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_quizzes_course_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_quizzes_course_id"), ["course_id"])
        batch_op.drop_column("version_id")
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_lessons_version_id_course_versions"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_lessons_version_id_slug"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_lessons_version_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_lessons_course_id_slug"), ["course_id", "slug"])
        batch_op.drop_column("version_id")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_enrolments_version_id_course_versions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_enrolments_version_id"))
        batch_op.drop_column("version_id")

    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_files_sha256"))
        batch_op.drop_index(batch_op.f("ix_media_files_course_id"))
    op.drop_table("media_files")
    with op.batch_alter_table("course_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_events_user_id"))
        batch_op.drop_index(batch_op.f("ix_course_events_course_id"))
        batch_op.drop_index(batch_op.f("ix_course_events_at"))
    op.drop_table("course_events")
    with op.batch_alter_table("course_versions", schema=None) as batch_op:
        batch_op.drop_index("uq_course_versions_one_published")
        batch_op.drop_index(batch_op.f("ix_course_versions_target_level"))
        batch_op.drop_index(batch_op.f("ix_course_versions_status"))
        batch_op.drop_index(batch_op.f("ix_course_versions_skill_type"))
        batch_op.drop_index(batch_op.f("ix_course_versions_course_id"))
    op.drop_table("course_versions")
