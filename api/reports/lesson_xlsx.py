"""The Excel sheet of a lesson's scores: every readable observer's scores, the per-dimension statistics
(when the reader may see them) and every readable note, from one :class:`api.reports.lesson.LessonReport`."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from api.observations.service import weighted_total
from api.reports.labels import clock, observation_state, zh
from api.reports.lesson import LessonReport


def build_xlsx(report: LessonReport) -> bytes:
    """Three sheets: 评分 (one row per readable observation), 维度统计, 课堂记录."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "评分"
    dims = list(report.rubric.dimensions) if report.rubric else []
    sheet.append(["课题", report.lesson.title, "授课教师", report.lesson.teacher.display_name])
    sheet.append([])
    sheet.append(["听课人", "推门听课", "状态", *(f"{d.name_zh}（满分{d.max_score:g}）" for d in dims), "总分"])
    header_row = sheet.max_row
    for obs in report.observations:
        given = {s.dimension_id: s.score for s in obs.scores}
        sheet.append([obs.observer.display_name, "是" if obs.drop_in else "否", observation_state(obs.state.value),
                      *(given.get(d.id) for d in dims), weighted_total(obs)])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)

    stats = book.create_sheet("维度统计")
    stats.append(["维度", "代码", "权重", "人数", "平均分", "标准差", "最低", "最高"])
    agg = report.aggregates
    if agg is not None:
        for s in agg.dimensions:
            d = s.dimension
            stats.append([d.name_zh, d.code, d.weight, s.n, s.mean, s.std, s.min, s.max])
        if agg.agreement is not None:
            stats.append([])
            stats.append(["Krippendorff's α", agg.agreement.value, zh(f"agreement.{agg.agreement.reading}")])
    elif report.covered:
        stats.append([zh("report.too_few", n=report.min_observations)])

    notes = book.create_sheet("课堂记录")
    notes.append(["听课人", "时间", "秒", "记录", "标签"])
    names = report.dimension_names()
    for obs in report.observations:
        for note in obs.notes:
            notes.append([obs.observer.display_name, clock(note.t), round(note.t, 1), note.text,
                          "、".join(names.get(tag, tag) for tag in note.tags or [])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
