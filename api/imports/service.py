"""An import in two steps: a preview that writes nothing, then the admin's confirmation that writes it.

The uploaded file is kept (in data_dir/imports, for an hour, readable only by the admin who sent it) between
the two steps; the confirmation plans it again against the database as it is then, and writes every row
that is not an error through the same service functions as the JSON API, in one transaction.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from api.access import AccessContext
from api.audit.service import record
from api.community import service as community
from api.community.schemas import AssignmentIn, AssignmentPatch, SchoolIn, SchoolPatch
from api.errors import APIError
from api.imports import layouts
from api.imports.plan import PLANNERS, PlanRow
from api.imports.reader import read_sheet
from api.users import service as users
from api.users.schemas import UserIn, UserPatch
from tingke.settings import get_settings

KINDS = tuple(layouts.LAYOUTS)
KEEP_SECONDS = 3600


@dataclass
class Outcome:
    kind: str
    rows: list[PlanRow]
    token: str | None = None
    applied: bool = False
    passwords: list[dict[str, Any]] | None = None

    def counts(self) -> dict[str, int]:
        out = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            out[row.status] += 1
        return out

    def public(self) -> dict[str, Any]:
        return {"kind": self.kind, "token": self.token, "applied": self.applied, "counts": self.counts(),
                "rows": [r.public() for r in self.rows], "passwords": self.passwords or []}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise APIError(404, "unknown_import", f"Imports are: {', '.join(KINDS)}.")


def plan(session: Session, ctx: AccessContext | None, kind: str, data: bytes, filename: str) -> list[PlanRow]:
    _check_kind(kind)
    sheet = read_sheet(data, filename, layouts.LAYOUTS[kind], layouts.REQUIRED[kind])
    return PLANNERS[kind](session, ctx, sheet)


def _folder() -> Path:
    folder = get_settings().data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):  # forget uploads nobody confirmed
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
            old.with_suffix(".bin").unlink(missing_ok=True)
    return folder


def preview(session: Session, ctx: AccessContext | None, kind: str, data: bytes, filename: str) -> Outcome:
    rows = plan(session, ctx, kind, data, filename)
    token = secrets.token_urlsafe(18)
    folder = _folder()
    (folder / f"{token}.bin").write_bytes(data)
    owner = ctx.user.id if ctx is not None else None
    (folder / f"{token}.json").write_text(json.dumps({"kind": kind, "filename": filename, "owner": owner}))
    return Outcome(kind, rows, token=token)


def _pending(ctx: AccessContext | None, token: str) -> tuple[str, str, bytes]:
    folder = _folder()
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.bin"
    if not token.replace("-", "").replace("_", "").isalnum() or not meta_path.is_file():
        raise APIError(404, "import_expired", "This import was confirmed already or has expired: upload the file "
                                              "again.")
    meta = json.loads(meta_path.read_text())
    if meta["owner"] != (ctx.user.id if ctx is not None else None):
        raise APIError(404, "import_expired", "This import was confirmed already or has expired.")
    return meta["kind"], meta["filename"], data_path.read_bytes()


def confirm(session: Session, ctx: AccessContext | None, token: str) -> Outcome:
    kind, filename, data = _pending(ctx, token)
    outcome = apply(session, ctx, kind, data, filename)
    (_folder() / f"{token}.json").unlink(missing_ok=True)
    (_folder() / f"{token}.bin").unlink(missing_ok=True)
    return outcome


def apply(session: Session, ctx: AccessContext | None, kind: str, data: bytes, filename: str) -> Outcome:
    """Plan again and write every row that is not an error; one-time passwords of new people come back once."""
    rows = plan(session, ctx, kind, data, filename)
    passwords: list[dict[str, Any]] = []
    new_people = [row for row in rows if row.status == "created" and kind == "people"]
    if new_people:  # one batch: every check once for all rows, one flush
        made = users.create_users(session, ctx, [UserIn(**row.values, password=None) for row in new_people])
        passwords = [{"row": row.number, "name": user.display_name, "username": user.username, "password": one_time}
                     for row, (user, one_time) in zip(new_people, made, strict=True)]
    for row in rows:
        if row.status == "created":
            if kind == "people":
                continue
            if kind == "schools":
                community.create_school(session, ctx, SchoolIn(**row.values))
            else:
                community.create_assignment(session, ctx, AssignmentIn(**row.values))
        elif row.status == "updated" and row.target_id is not None:
            if kind == "people":
                users.update_user(session, ctx, row.target_id, UserPatch(**row.values))
            elif kind == "schools":
                community.update_school(session, ctx, row.target_id, SchoolPatch(**row.values))
            else:
                community.update_assignment(session, ctx, row.target_id, AssignmentPatch(**row.values))
    outcome = Outcome(kind, rows, applied=True, passwords=passwords)
    counts = outcome.counts()
    record(session, ctx.user if ctx else None, f"import.{kind}", target_type="import",
           summary=f"{filename[:200]}：新建 {counts['created']}，更新 {counts['updated']}，"
                   f"未变 {counts['unchanged']}，错误 {counts['error']}", filename=filename[:200], **counts)
    return outcome
