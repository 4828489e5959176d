"""Closed vocabularies of the domain (see the glossary in DESIGN.md)."""

from enum import StrEnum


class SchoolRole(StrEnum):
    lead = "lead"  # 引领校
    base = "base"  # 基地校
    supported = "supported"  # 薄弱校 / 被帮扶校


class Locale(StrEnum):
    urban = "urban"
    rural = "rural"


class UserRole(StrEnum):
    admin = "admin"
    researcher = "researcher"  # 教研员
    school_admin = "school_admin"
    teacher = "teacher"


class LessonKind(StrEnum):
    ordinary = "ordinary"  # 常态课
    open = "open"  # 公开课
    demonstration = "demonstration"  # 示范课
    observation = "observation"  # 观摩课
    competition = "competition"  # 优质课
    spot_check = "spot_check"  # 抽测课


class LessonStatus(StrEnum):
    scheduled = "scheduled"
    live = "live"
    processing = "processing"
    ready = "ready"
    failed = "failed"


class Visibility(StrEnum):
    private = "private"
    community = "community"
    public = "public"


class RoomMode(StrEnum):
    broadcast = "broadcast"
    dual = "dual"  # 双师课堂


class ObservationState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    signed_off = "signed_off"


class MediaKind(StrEnum):
    upload = "upload"  # a file a teacher uploaded
    live_recording = "live_recording"  # what the relay wrote while relaying
    composed = "composed"  # dual-teacher picture-in-picture
    hls = "hls"  # the adaptive ladder
    poster = "poster"
    storyboard = "storyboard"
    subtitles = "subtitles"


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class StaffPosition(StrEnum):
    """A school person's post: who observes how many lessons (seed 003 part 8) and who assesses whose
    qualification lesson (seed 003 part 1)."""

    teacher = "teacher"  # 科任教师
    group_leader = "group_leader"  # 科组长 / 教研组长
    middle_leader = "middle_leader"  # 中层干部 (教务主任 …)
    school_leader = "school_leader"  # 校级干部 (校长、副校长)


class ActivityKind(StrEnum):
    visit = "visit"  # 蹲点进校: a researcher's day at a contact school
    prep = "prep"  # 集体备课
    themed = "themed"  # 主题教研
    seminar = "seminar"  # 片区/全市主题研讨活动


class QualificationLevel(StrEnum):
    school = "school"  # teachers: assessed by their school
    zone = "zone"  # middle leaders: by the zone centre (片区均衡中心)
    county = "county"  # school leaders: by the county research office


class QualificationStatus(StrEnum):
    passed = "passed"
    failed = "failed"
    revoked = "revoked"  # a random re-check failed: must be assessed again
