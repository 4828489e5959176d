"""People as the API shows and accepts them (administration)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from api.community.schemas import Strict
from api.types import DbId
from models import StaffPosition, UserRole

USERNAME = r"^[A-Za-z0-9_.\-]+$"
PHONE = r"^1[3-9]\d{9}$"  # a mainland mobile number, as a district office keeps it
EMPLOYEE_NO = r"^[A-Za-z0-9_\-]{1,32}$"


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: UserRole
    school_id: int | None
    subject: str | None
    is_active: bool
    employee_no: str | None = None
    phone: str | None = None
    grade: str | None = None
    position: StaffPosition = StaffPosition.teacher
    must_change_password: bool = False


class UserIn(BaseModel):
    model_config = Strict
    username: str | None = Field(default=None, min_length=2, max_length=64, pattern=USERNAME,
                                 description="Empty: the 工号, else the phone number")
    display_name: str = Field(min_length=1, max_length=100)
    password: str | None = Field(default=None, min_length=8, max_length=256,
                                 description="Empty: a one-time password is made and returned once")
    role: UserRole = UserRole.teacher
    school_id: DbId | None = None
    subject: str | None = Field(default=None, max_length=50)
    birth_date: date | None = None
    employee_no: str | None = Field(default=None, pattern=EMPLOYEE_NO)
    phone: str | None = Field(default=None, pattern=PHONE)
    grade: str | None = Field(default=None, max_length=50)
    position: StaffPosition = StaffPosition.teacher


class UserCreated(UserOut):
    one_time_password: str | None = None


class UserPatch(BaseModel):
    """Only the fields sent change; ``school_id`` moves the person, ``role`` changes what they may do."""
    model_config = Strict
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    role: UserRole | None = None
    school_id: DbId | None = None
    subject: str | None = Field(default=None, max_length=50)
    employee_no: str | None = Field(default=None, pattern=EMPLOYEE_NO)
    phone: str | None = Field(default=None, pattern=PHONE)
    grade: str | None = Field(default=None, max_length=50)
    position: StaffPosition | None = None
    birth_date: date | None = None


class PasswordResetIn(BaseModel):
    model_config = Strict
    password: str | None = Field(default=None, min_length=8, max_length=256,
                                 description="Empty: a one-time password is made and returned once")


class PasswordResetOut(BaseModel):
    user_id: int
    one_time_password: str | None
    sessions_revoked: bool = True
