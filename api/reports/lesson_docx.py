"""The Word 听课记录 of a lesson: its facts, the scores across observers (when the reader may see them),
the figures (radar of scores, S-T curve, talk time) and every observation record the reader may read.

Everything comes from one :class:`api.reports.lesson.LessonReport`, so the document shows exactly what the
JSON report and the page show to the same reader.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from api.observations.service import weighted_total
from api.reports import charts
from api.reports.labels import clock, date_time, lesson_kind, number, observation_state, zh
from api.reports.lesson import LessonReport
from api.reports.word import table
from models import Lesson, Observation

FIGURE_WIDTH = Cm(13)


def _lesson_facts(lesson: Lesson) -> list[tuple[str, str]]:
    return [("课题", lesson.title), ("主题", lesson.topic), ("授课教师", lesson.teacher.display_name),
            ("学校", lesson.school.name), ("学科", lesson.subject), ("年级", lesson.grade),
            ("课型", lesson_kind(lesson.kind.value)), ("上课时间", date_time(lesson.scheduled_at))]


def _figure(doc: DocumentObject, png: bytes, caption: str) -> None:
    """A centred picture with its caption below and the caption as the picture's alternative text."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    shape = paragraph.add_run().add_picture(io.BytesIO(png), width=FIGURE_WIDTH)
    shape._inline.docPr.set("descr", caption)  # python-docx has no public setter for alt text
    shape._inline.docPr.set("title", caption)
    note = doc.add_paragraph(caption)
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note.runs[0].font.size = Pt(9)


def _summary(doc: DocumentObject, report: LessonReport) -> None:
    doc.add_heading("评分汇总", level=1)
    agg = report.aggregates
    if report.covered == 0:
        doc.add_paragraph(zh("report.none"))
        return
    if agg is None:
        doc.add_paragraph(f"{zh('report.observers')}：{report.covered}。"
                          + zh("report.too_few", n=report.min_observations))
        return
    table(doc, ["维度", "权重", "平均分", "标准差", "最低", "最高"], [
        [s.dimension.name_zh, f"{s.dimension.weight:g}", number(s.mean), number(s.std), number(s.min), number(s.max)]
        for s in agg.dimensions])
    doc.add_paragraph(f"{zh('report.observers')}：{report.covered}；总分平均 {number(agg.total_mean)}"
                      f"（标准差 {number(agg.total_std)}）。")
    if agg.agreement is not None:
        reading = agg.agreement.reading
        doc.add_paragraph(f"评分一致性（Krippendorff's α）：{number(agg.agreement.value)}，"
                          f"{zh(f'agreement.{reading}')}。{zh(f'report.agreement.plain.{reading}')}")


def _figures(doc: DocumentObject, report: LessonReport, analytics: dict[str, Any] | None) -> None:
    st, talk = charts.chart_inputs(analytics)
    series = [charts.RadarSeries(o.observer.display_name, _by_dimension(report, o)) for o in report.observations]
    if report.aggregates is not None:
        series.append(charts.RadarSeries(zh("report.mean"), [s.mean for s in report.aggregates.dimensions]))
    if not (series and report.rubric) and st is None and talk is None:
        return
    doc.add_heading("图表", level=1)
    if series and report.rubric:
        dims = list(report.rubric.dimensions)
        png = charts.radar([d.name_zh for d in dims], [d.max_score for d in dims], series, zh("report.radar"))
        _figure(doc, png, zh("report.radar"))
    if st is not None and st.get("type") == "no_speech":  # nothing to classify: no curve, no 练习型 with Rt = 0
        doc.add_paragraph(zh("report.no_speech"))
    elif st is not None:
        png = charts.st_curve(st["samples"], float(st.get("sample_seconds") or 30), zh("report.st_curve"),
                              zh("report.st_axis_t"), zh("report.st_axis_s"))
        _figure(doc, png, zh("report.st_curve"))
        kind = zh(f"lessontype.{st.get('type')}") if st.get("type") else "—"
        doc.add_paragraph(zh("report.lesson_type", type=kind, rt=number(st.get("rt")), ch=number(st.get("ch"))))
    if talk is not None:
        shares = {k: float((talk.get(k) or {}).get("fraction") or 0) for k in ("teacher", "students", "silence")}
        norm = {k: float((talk.get(k) or {}).get("norm") or 0) for k in shares}
        labels = {k: zh(f"talk.{k}") for k in shares}
        png = charts.talk_shares([(zh("report.this_lesson"), shares), (zh("report.flanders"), norm)], labels,
                                 zh("report.talk"))
        _figure(doc, png, zh("report.talk"))
        table(doc, ["", zh("report.talk.seconds"), zh("report.talk.share"), zh("report.flanders")], [
            [labels[k], number((talk.get(k) or {}).get("seconds")), f"{shares[k]:.0%}", f"{norm[k]:.0%}"]
            for k in shares])


def _by_dimension(report: LessonReport, obs: Observation) -> list[float | None]:
    given = report.scores_by_code(obs)
    return [given.get(d.code) for d in report.rubric.dimensions] if report.rubric else []


def _record(doc: DocumentObject, report: LessonReport, obs: Observation) -> None:
    names = report.dimension_names()
    doc.add_heading(f"听课人：{obs.observer.display_name}", level=1)
    line = f"状态：{observation_state(obs.state.value)}" + ("；推门听课" if obs.drop_in else "")
    if obs.submitted_at:
        line += f"；提交于 {date_time(obs.submitted_at)}"
    doc.add_paragraph(line)
    by_id = {d.id: d for d in obs.rubric.dimensions}
    scores = sorted(obs.scores, key=lambda s: by_id[s.dimension_id].position if s.dimension_id in by_id else 0)
    table(doc, ["维度", "得分", "满分"], [
        [by_id[s.dimension_id].name_zh if s.dimension_id in by_id else str(s.dimension_id), f"{s.score:g}",
         f"{by_id[s.dimension_id].max_score:g}" if s.dimension_id in by_id else ""] for s in scores])
    doc.add_paragraph(f"总分：{number(weighted_total(obs))} / 100")
    doc.add_heading("课堂记录", level=2)
    if obs.notes:
        table(doc, ["时间", "记录", "标签"], [
            [clock(note.t), note.text, "、".join(names.get(tag, tag) for tag in note.tags or [])]
            for note in obs.notes])
    else:
        doc.add_paragraph("（无）")
    doc.add_heading("点评", level=2)
    doc.add_paragraph(obs.comments or "（无）")
    doc.add_heading("总评", level=2)
    doc.add_paragraph(obs.summary or "（无）")


def build_docx(report: LessonReport, analytics: dict[str, Any] | None) -> bytes:
    """The 听课记录 for one reader; ``analytics`` is the lesson's analysis document, if it has one."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10.5)
    lesson = report.lesson
    doc.add_heading(f"听课记录：{lesson.title}", level=0)
    facts = doc.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for key, value in _lesson_facts(lesson):
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = key, value
    _summary(doc, report)
    _figures(doc, report, analytics)
    for obs in report.observations:
        _record(doc, report, obs)
    if report.covered > len(report.observations):
        doc.add_paragraph(zh("report.rows_hidden", n=report.covered - len(report.observations)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
