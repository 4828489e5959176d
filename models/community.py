"""Zones, schools, "1+X" communities, people and researchers' contact-school assignments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, enum_column, utcnow
from models.enums import Locale, SchoolRole, StaffPosition, UserRole


class Zone(Base):
    """片区 / 学区."""

    __tablename__ = "zones"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64), unique=True)


class School(Base):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    role: Mapped[SchoolRole] = mapped_column(enum_column(SchoolRole), default=SchoolRole.supported)
    locale: Mapped[Locale] = mapped_column(enum_column(Locale), default=Locale.urban)

    zone: Mapped[Zone | None] = relationship()


class Community(Base):
    """区域教研共同体: one lead school paired with X member schools."""

    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"))
    lead_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    # 学年 such as "2026-2027": schools are re-paired every year; None means "every year" (older rows)
    school_year: Mapped[str | None] = mapped_column(String(9), index=True)

    lead_school: Mapped[School] = relationship(foreign_keys=[lead_school_id])
    members: Mapped[list[CommunityMember]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def school_ids(self) -> set[int]:
        return {self.lead_school_id, *(m.school_id for m in self.members)}


class CommunityMember(Base):
    __tablename__ = "community_members"
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True, index=True)


class User(Timestamped, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole), default=UserRole.teacher)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    subject: Mapped[str | None] = mapped_column(String(50))
    birth_date: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    session_version: Mapped[int] = mapped_column(default=1)  # bump to sign out everywhere
    position: Mapped[StaffPosition] = mapped_column(
        enum_column(StaffPosition), default=StaffPosition.teacher, server_default=StaffPosition.teacher.value
    )
    # The keys a district office keeps (工号, 手机号): bulk import and OpenID sign-in match people on them.
    employee_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    grade: Mapped[str | None] = mapped_column(String(50))  # 年级 taught, as the office writes it
    # Set for imported users and by a password reset: the next sign-in must choose a new password.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    school: Mapped[School | None] = relationship()


class Assignment(Base):
    """A researcher's assignment for a semester: a contact school (蹲点联系学校: drop-in observation, visits and
    the 蹲点 counts apply there) or a zone (片区: observing any lesson of the subject there)."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("researcher_id", "school_id", "zone_id", "semester"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    researcher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"))
    semester: Mapped[str] = mapped_column(String(16))
    # The subject the researcher covers here; None means the researcher's own subject (User.subject).
    subject: Mapped[str | None] = mapped_column(String(50))

    researcher: Mapped[User] = relationship()
    school: Mapped[School | None] = relationship()


class LoginThrottle(Base):
    """Failed sign-ins per user name, kept in the database so every API process sees them."""

    __tablename__ = "login_throttle"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
