"""Sign-in payloads."""

from pydantic import BaseModel, ConfigDict, Field

from models import UserRole


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: UserRole
    school_id: int | None
    school_name: str | None
    language: str
    must_change_password: bool = False


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024, description="8 to 256 characters, two kinds of letters/digits/signs")
