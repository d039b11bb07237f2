"""Every model, imported once so the metadata (and Alembic) sees all tables."""
from lms.audit.models import AuditEvent
from lms.auth.models import ApiToken, LoginFailure, LoginSession, User, UserRole
from lms.catalog.models import Course, CourseAudience, CourseScheme, Lesson, Question, QuestionOption, Quiz
from lms.db import Base
from lms.learn.models import AttemptAnswer, CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from lms.orgs.models import Headcount, OrgUnit

__all__ = [
    "ApiToken", "AttemptAnswer", "AuditEvent", "Base", "Course", "CourseAudience", "CourseCompletion",
    "CourseScheme", "Enrolment", "Headcount", "Lesson", "LessonCompletion", "LoginFailure", "LoginSession",
    "OrgUnit", "Question", "QuestionOption", "Quiz", "QuizAttempt", "User", "UserRole",
]
