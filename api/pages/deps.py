"""Page dependencies: the signed-in user or a redirect to the sign-in page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from api.access import AccessContext, load_context
from api.deps import DB, optional_user
from api.errors import APIError
from models import User


def sign_in_redirect(request: Request) -> APIError:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return APIError(303, "sign_in_required", "Please sign in.",
                    headers={"Location": f"/login?next={quote(target, safe='')}"})


PASSWORD_PAGE = "/account/password"


def page_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    """Anonymous visitors of any page are sent to sign in and come back afterwards; someone signed in with a
    one-time password chooses their own first."""
    if user is None:
        raise sign_in_redirect(request)
    if user.must_change_password and request.url.path != PASSWORD_PAGE:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise APIError(303, "password_change_required", "Choose a new password first.",
                       headers={"Location": f"{PASSWORD_PAGE}?next={quote(target, safe='')}"})
    return user


def page_context(session: DB, user: Annotated[User, Depends(page_user)]) -> AccessContext:
    return load_context(session, user)


PageUser = Annotated[User, Depends(page_user)]
PageAccess = Annotated[AccessContext, Depends(page_context)]


def safe_next(target: str | None) -> str:
    """Only local paths, so the sign-in page cannot be used to bounce people to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
