"""Reading the audit trail: search by person, lesson, action and local dates; export as CSV or .xlsx."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from models import AuditEvent
from tingke.timezone import day_window, format_local

EXPORT_MAX = 50_000
COLUMNS = ("时间", "操作人", "操作", "对象", "课堂", "说明", "详情", "IP")
ACTION_ZH = {
    "media.view": "观看课堂视频", "media.download": "下载课堂视频", "user.create": "新建用户",
    "user.update": "修改用户", "user.deactivate": "停用用户", "user.reactivate": "恢复用户",
    "user.reset_password": "重置密码", "zone.create": "新建片区", "zone.update": "修改片区",
    "school.create": "新建学校", "school.update": "修改学校", "community.create": "新建教研共同体",
    "community.update": "修改结对", "assignment.create": "新建教研员分工", "assignment.update": "修改教研员分工",
    "assignment.delete": "删除教研员分工", "rubric.create": "新建评课量表", "rubric.copy": "复制评课量表",
    "rubric.update": "修改评课量表", "import.people": "批量导入教师", "import.schools": "批量导入学校",
    "import.assignments": "批量导入教研员分工", "audit.export": "导出审计日志",
}


def local_time(moment: datetime) -> str:
    """A stored (UTC) time as the district's wall clock, the way the office reads it."""
    return format_local(moment, "%Y-%m-%d %H:%M:%S")


@dataclass
class AuditQuery:
    person: str | None = None  # a name (part of it) or a user id
    lesson_id: int | None = None
    action: str | None = None  # "media" matches media.view and media.download
    since: date | None = None
    until: date | None = None

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.person:
            text = self.person.strip()
            by_name = AuditEvent.actor_name.like(f"%{text}%")
            clauses.append(or_(by_name, AuditEvent.actor_id == int(text)) if text.isdigit() and len(text) < 10
                           else by_name)
        if self.lesson_id is not None:
            clauses.append(AuditEvent.lesson_id == self.lesson_id)
        if self.action:
            clauses.append(or_(AuditEvent.action == self.action, AuditEvent.action.like(f"{self.action}.%")))
        if self.since is not None or self.until is not None:
            start, end = day_window(self.since or date(2000, 1, 1), self.until or date(2999, 12, 31))
            # in UTC: SQLite compares the stored UTC wall-clock text
            clauses += [AuditEvent.at >= start.astimezone(UTC), AuditEvent.at <= end.astimezone(UTC)]
        return clauses


def search(session: Session, query: AuditQuery, limit: int, offset: int) -> tuple[list[AuditEvent], int]:
    where = query.where()
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    rows = list(session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                .limit(limit).offset(offset)))
    return rows, total


def to_out(row: AuditEvent) -> dict[str, Any]:
    return {"id": row.id, "at": row.at, "local_time": local_time(row.at), "actor_id": row.actor_id,
            "actor_name": row.actor_name, "action": row.action, "action_zh": ACTION_ZH.get(row.action, row.action),
            "target_type": row.target_type, "target_id": row.target_id, "lesson_id": row.lesson_id,
            "school_id": row.school_id, "summary": row.summary, "details": row.details, "ip": row.ip}


def _cells(row: AuditEvent) -> list[str]:
    target = f"{row.target_type} {row.target_id}" if row.target_type else ""
    details = ", ".join(f"{k}={v}" for k, v in (row.details or {}).items())
    return [local_time(row.at), row.actor_name, ACTION_ZH.get(row.action, row.action), target,
            str(row.lesson_id or ""), row.summary, details, row.ip or ""]


def export_rows(session: Session, query: AuditQuery) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(*query.where())
                                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(EXPORT_MAX)))


def to_csv(rows: list[AuditEvent]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(_cells(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[AuditEvent]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计日志")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
