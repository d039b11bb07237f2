"""Every model, imported once so the metadata (and Alembic) sees all tables."""
from lms.assignments.models import Assignment, AssignmentCategory, AssignmentMember, OutboxMessage
from lms.audit.models import AuditEvent
from lms.auth.models import ApiToken, LoginFailure, LoginSession, User, UserRole
from lms.certificates.models import Certificate
from lms.classroom.models import ClassroomSession, SessionAttendance, SessionSignup
from lms.courses.models import (
    Course,
    CourseAudience,
    CourseEvaluation,
    CourseEvent,
    CourseScheme,
    CourseTask,
    CourseVersion,
    Lesson,
    Question,
    QuestionOption,
    Quiz,
)
from lms.db import Base
from lms.discussion.models import DiscussionAcceptance, DiscussionAnswer, DiscussionQuestion
from lms.evaluations.models import EssayGrade, EvaluationRecord, TaskSubmission
from lms.learn.models import AttemptAnswer, CourseCompletion, Enrolment, LessonCompletion, QuizAttempt
from lms.media.models import MediaFile
from lms.orgs.models import Headcount, OrgUnit
from lms.people.models import SiteSetting
from lms.programmes.models import (
    Programme,
    ProgrammeAudience,
    ProgrammeCompletion,
    ProgrammeCourse,
    ProgrammeEvent,
    ProgrammeProfession,
)
from lms.reports.models import (
    report_learner_modes,
    report_learners,
    report_mode_months,
    report_mode_people,
    report_unit_months,
    report_unit_people,
)
from lms.search.models import SearchTerm
from lms.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyCategory,
    SurveyEvent,
    SurveyLevel,
    SurveyResponse,
    SurveyTopic,
    SurveyTopicScheme,
    SurveyVersion,
    survey_need_counts,
    survey_respondent_counts,
)
from lms.xapi.models import XapiStatement

__all__ = [
    "Assignment", "AssignmentCategory", "AssignmentMember", "OutboxMessage", "SiteSetting",
    "ApiToken", "AttemptAnswer", "AuditEvent", "Base", "Course", "CourseAudience", "CourseCompletion",
    "CourseEvent", "CourseScheme", "CourseVersion", "Enrolment", "Headcount", "Lesson", "LessonCompletion",
    "LoginFailure", "LoginSession", "MediaFile", "OrgUnit", "Question", "QuestionOption", "Quiz", "QuizAttempt",
    "User", "UserRole", "report_learner_modes", "report_learners", "report_mode_months", "report_mode_people",
    "report_unit_months", "report_unit_people",
    "Survey", "SurveyAnswer", "SurveyCategory", "SurveyEvent", "SurveyLevel", "SurveyResponse", "SurveyTopic",
    "SurveyTopicScheme", "SurveyVersion", "survey_need_counts", "survey_respondent_counts",
    "Programme", "ProgrammeAudience", "ProgrammeCompletion", "ProgrammeCourse", "ProgrammeEvent", "ProgrammeProfession",
    "SearchTerm",
    "DiscussionAcceptance", "DiscussionAnswer", "DiscussionQuestion",
    "ClassroomSession", "SessionAttendance", "SessionSignup",
    "XapiStatement",
    "CourseEvaluation", "CourseTask", "EssayGrade", "EvaluationRecord", "TaskSubmission",
    "Certificate",
]
