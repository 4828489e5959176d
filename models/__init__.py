"""The one schema shared by the API, the relay and the workers (imports none of them)."""

from models import text_hygiene  # noqa: F401  (cleans text before every flush)
from models.audit import AuditEvent, AuditIsAppendOnly
from models.base import Base
from models.board_text import BoardTextLine
from models.community import Assignment, Community, CommunityMember, LoginThrottle, School, User, Zone
from models.discussions import DiscussionPost, DiscussionThread
from models.enums import (
    ActivityKind,
    JobState,
    LessonKind,
    LessonStatus,
    Locale,
    MediaKind,
    ObservationState,
    QualificationLevel,
    QualificationStatus,
    RoomMode,
    SchoolRole,
    StaffPosition,
    UserRole,
    Visibility,
)
from models.lessons import Lesson, LessonClassroom, LessonGroup
from models.media import Job, LessonAnalytics, MediaAsset, TranscriptRevision, TranscriptSegment
from models.notifications import Notification
from models.observations import Note, Observation, ObservationScore
from models.polls import Poll, PollAnswer, PollKind, PollQuestion, PollState
from models.rubrics import Rubric, RubricDimension
from models.search import SearchDoc, SearchLesson
from models.workflows import (
    Activity,
    ActivityAttendee,
    ActivityMaterial,
    LessonGroupEvent,
    Qualification,
    QualificationCheck,
    QuotaRule,
    SpotCheckDraw,
)

__all__ = [
    "Assignment",
    "Base",
    "BoardTextLine",
    "Community",
    "CommunityMember",
    "Job",
    "JobState",
    "Lesson",
    "LessonAnalytics",
    "LessonClassroom",
    "LessonGroup",
    "LessonKind",
    "LessonStatus",
    "Locale",
    "LoginThrottle",
    "MediaAsset",
    "MediaKind",
    "Note",
    "Observation",
    "ObservationScore",
    "ObservationState",
    "RoomMode",
    "Rubric",
    "RubricDimension",
    "School",
    "SchoolRole",
    "SearchDoc",
    "SearchLesson",
    "TranscriptRevision",
    "TranscriptSegment",
    "User",
    "UserRole",
    "Visibility",
    "Zone",
]
__all__ += ["Activity", "ActivityAttendee", "ActivityKind", "ActivityMaterial", "LessonGroupEvent", "Qualification",
            "QualificationCheck", "QualificationLevel", "QualificationStatus", "QuotaRule", "SpotCheckDraw",
            "StaffPosition"]  # community workflows (issue 6)
__all__ += ["DiscussionPost", "DiscussionThread", "Notification", "Poll", "PollAnswer", "PollKind",
            "PollQuestion", "PollState"]
__all__ += ["AuditEvent", "AuditIsAppendOnly"]  # district administration (issue 13)
