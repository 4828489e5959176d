"""Sign-in payloads."""

from pydantic import BaseModel

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
