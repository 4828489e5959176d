"""Build the lesson's 听课记录 (.docx) and score sheet (.xlsx) from the stored observations.

Only observations the requester may read are included (api.access.can_read_observation), and only
submitted or signed-off ones: drafts are still changing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import AccessContext, can_read_observation
from api.observations import report
from api.observations.service import weighted_total
from models import Lesson, Observation, ObservationState, Rubric
from tingke.timezone import format_local

KIND_ZH = {"ordinary": "常态课", "open": "公开课", "demonstration": "示范课", "observation": "观摩课",
           "competition": "优质课", "spot_check": "抽测课"}
STATE_ZH = {"draft": "草稿", "submitted": "已提交", "signed_off": "已签字"}
READING_ZH = {"reliable": "一致性高（可信）", "tentative": "一致性一般（仅供参考）", "low": "一致性低",
              "insufficient": "数据不足"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mmss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


@dataclass
class LessonRecords:
    lesson: Lesson
    observations: list[Observation]
    rubric: Rubric | None

    def dimension_names(self) -> dict[str, str]:
        return {d.code: d.name_zh for d in self.rubric.dimensions} if self.rubric else {}


def collect(session: Session, ctx: AccessContext, lesson: Lesson) -> LessonRecords:
    rows = session.scalars(select(Observation).where(
        Observation.lesson_id == lesson.id,
        Observation.state.in_([ObservationState.submitted, ObservationState.signed_off]),
    ).order_by(Observation.id))
    readable = [o for o in rows if can_read_observation(ctx, o)]
    rubric = readable[0].rubric if readable else None
    return LessonRecords(lesson, readable, rubric)


def _lesson_facts(lesson: Lesson) -> list[tuple[str, str]]:
    when = format_local(lesson.scheduled_at)  # the district's time, as typed, not UTC
    return [("课题", lesson.title), ("主题", lesson.topic), ("授课教师", lesson.teacher.display_name),
            ("学校", lesson.school.name), ("学科", lesson.subject), ("年级", lesson.grade),
            ("课型", KIND_ZH.get(lesson.kind.value, lesson.kind.value)), ("上课时间", when)]


def build_docx(session: Session, records: LessonRecords) -> bytes:
    """The 听课记录: lesson facts, the scores across observers, then every observer's record."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10.5)
    lesson = records.lesson
    doc.add_heading(f"听课记录：{lesson.title}", level=0)
    facts = doc.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for key, value in _lesson_facts(lesson):
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = key, value

    summary = report.build(session, lesson)
    if summary.observers:
        doc.add_heading("评分汇总", level=1)
        table = doc.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for cell, head in zip(table.rows[0].cells, ["维度", "权重", "平均分", "标准差", "最低", "最高"], strict=True):
            cell.text = head
        for d in summary.dimensions:
            cells = table.add_row().cells
            values = [d.name_zh, f"{d.weight:g}", _num(d.mean), _num(d.std), _num(d.min), _num(d.max)]
            for cell, value in zip(cells, values, strict=True):
                cell.text = value
        doc.add_paragraph(f"听课人数：{summary.observers}；总分平均 {_num(summary.weighted_total_mean)}"
                          f"（标准差 {_num(summary.weighted_total_std)}）。")
        if summary.agreement is not None:
            doc.add_paragraph(f"评分一致性（Krippendorff's α）：{_num(summary.agreement.value)}，"
                              f"{READING_ZH.get(summary.agreement.reading, summary.agreement.reading)}。")

    names = records.dimension_names()
    for obs in records.observations:
        doc.add_heading(f"听课人：{obs.observer.display_name}", level=1)
        state = STATE_ZH.get(obs.state.value, obs.state.value)
        line = f"状态：{state}" + ("；推门听课" if obs.drop_in else "")
        if obs.submitted_at:
            line += f"；提交于 {format_local(obs.submitted_at)}"
        doc.add_paragraph(line)
        scores = doc.add_table(rows=1, cols=3)
        scores.style = "Table Grid"
        for cell, head in zip(scores.rows[0].cells, ["维度", "得分", "满分"], strict=True):
            cell.text = head
        by_id = {d.id: d for d in obs.rubric.dimensions}
        for s in sorted(obs.scores, key=lambda s: by_id[s.dimension_id].position if s.dimension_id in by_id else 0):
            dim = by_id.get(s.dimension_id)
            cells = scores.add_row().cells
            cells[0].text = dim.name_zh if dim else str(s.dimension_id)
            cells[1].text, cells[2].text = f"{s.score:g}", f"{dim.max_score:g}" if dim else ""
        doc.add_paragraph(f"总分：{_num(weighted_total(obs))} / 100")
        doc.add_heading("课堂记录", level=2)
        if obs.notes:
            notes = doc.add_table(rows=1, cols=3)
            notes.style = "Table Grid"
            for cell, head in zip(notes.rows[0].cells, ["时间", "记录", "标签"], strict=True):
                cell.text = head
            for note in obs.notes:
                cells = notes.add_row().cells
                cells[0].text, cells[1].text = mmss(note.t), note.text
                cells[2].text = "、".join(names.get(tag, tag) for tag in note.tags or [])
        else:
            doc.add_paragraph("（无）")
        doc.add_heading("点评", level=2)
        doc.add_paragraph(obs.comments or "（无）")
        doc.add_heading("总评", level=2)
        doc.add_paragraph(obs.summary or "（无）")
    if not records.observations:
        doc.add_paragraph("还没有已提交的听课记录。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def build_xlsx(session: Session, records: LessonRecords) -> bytes:
    """Three sheets: every observer's scores, the per-dimension statistics, and all notes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "评分"
    dims = list(records.rubric.dimensions) if records.rubric else []
    sheet.append(["课题", records.lesson.title, "授课教师", records.lesson.teacher.display_name])
    sheet.append([])
    sheet.append(["听课人", "推门听课", "状态", *(f"{d.name_zh}（满分{d.max_score:g}）" for d in dims), "总分"])
    header_row = sheet.max_row
    for obs in records.observations:
        given = {s.dimension_id: s.score for s in obs.scores}
        sheet.append([obs.observer.display_name, "是" if obs.drop_in else "否",
                      STATE_ZH.get(obs.state.value, obs.state.value), *(given.get(d.id) for d in dims),
                      weighted_total(obs)])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)

    stats = book.create_sheet("维度统计")
    stats.append(["维度", "代码", "权重", "人数", "平均分", "标准差", "最低", "最高"])
    summary = report.build(session, records.lesson)
    for d in summary.dimensions:
        stats.append([d.name_zh, d.code, d.weight, d.n, d.mean, d.std, d.min, d.max])
    if summary.agreement is not None:
        stats.append([])
        stats.append(["Krippendorff's α", summary.agreement.value,
                      READING_ZH.get(summary.agreement.reading, summary.agreement.reading)])

    notes = book.create_sheet("课堂记录")
    notes.append(["听课人", "时间", "秒", "记录", "标签"])
    names = records.dimension_names()
    for obs in records.observations:
        for note in obs.notes:
            notes.append([obs.observer.display_name, mmss(note.t), round(note.t, 1), note.text,
                          "、".join(names.get(tag, tag) for tag in note.tags or [])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")
