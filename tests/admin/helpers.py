"""Spreadsheets as a district office keeps them, for the import tests and the benchmark."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

PEOPLE_HEADER = ("姓名", "工号", "手机号", "学校", "学科", "年级", "角色")
SUBJECTS = ("语文", "数学", "英语", "科学", "道德与法治", "音乐", "体育", "美术")


def xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], title: str | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])  # a title line above the header, as offices often have
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def teachers(n: int, school: str, start: int = 1) -> list[tuple[object, ...]]:
    """n teachers of one school: 工号 T0001…, phones 1390000…, subjects and grades in turn."""
    return [(f"教师{i:04d}", f"T{i:04d}", f"139{i:08d}", school, SUBJECTS[i % len(SUBJECTS)], f"{i % 6 + 1}年级",
             "教师") for i in range(start, start + n)]
