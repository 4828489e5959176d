"""The Word reports of a researcher and the Excel quota sheet of a school."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from api.qualifications.schemas import PassRateOut
from api.quotas.service import PersonProgress, SchoolProgress
from api.reports.labels import lesson_kind, zh
from api.reports.word import table
from api.reports.work import ResearcherPeriod

METRICS = ("observations", "drop_in_share", "contact_observations", "visit_days", "activities", "seminars",
           "open_lessons")  # the order of the quota sheet's columns


def _metric(name: str) -> str:
    return zh(f"wf.metric.{name}")


def metric_text(metric: str, done: float, target: float) -> str:
    if metric == "drop_in_share":
        return f"{done:.0%} / {target:.0%}"
    return f"{done:g} / {target:g}"


def researcher_docx(period: ResearcherPeriod, title: str, quota: PersonProgress | None) -> bytes:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading(title, level=0)
    doc.add_paragraph(f"研训员：{period.researcher.display_name}　　时段：{period.first} 至 {period.last}"
                      f"（{period.semester} 学期）")
    doc.add_paragraph("蹲点联系学校：" + ("、".join(period.contact_schools) or "（本学期未分配）"))
    mean = period.mean_total
    doc.add_paragraph(
        f"本期进校 {len({v.held_on for v in period.visits})} 天，听课 {len(period.observations)} 节"
        f"（其中推门课 {sum(1 for o in period.observations if o.drop_in and o.signed)} 节经上课教师签名），"
        f"参加教研活动 {len(period.activities)} 次" + (f"，听课平均得分 {mean}。" if mean is not None else "。"))

    doc.add_heading("一、进校蹲点", level=1)
    if period.visits:
        table(doc, ["日期", "学校", "内容", "纪要"], [
            [str(v.held_on), v.school.name if v.school else "", v.title, v.minutes[:200]] for v in period.visits])
    else:
        doc.add_paragraph("本期无进校记录。")

    doc.add_heading("二、听课评课", level=1)
    if period.observations:
        table(doc, ["日期", "课题", "执教", "学校", "课型", "推门", "得分"], [
            [str(o.day), o.lesson_title, o.teacher, o.school, lesson_kind(o.kind),
             ("是（已签名）" if o.signed else "是") if o.drop_in else "否",
             f"{o.total:.1f}" if o.total is not None else "—"] for o in period.observations])
    else:
        doc.add_paragraph("本期无提交的听课记录。")

    doc.add_heading("三、评分概况", level=1)
    if period.dimension_means:
        table(doc, ["评课维度", "平均分"], [[name, f"{m:.2f}"] for name, m in period.dimension_means])
    else:
        doc.add_paragraph("本期无评分。")

    doc.add_heading("四、课堂观察要点", level=1)
    if period.tag_counts:
        for name, n in period.tag_counts:
            doc.add_paragraph(f"{name}：{n} 条记录", style="List Bullet")
            for text in period.tag_examples.get(name, []):
                doc.add_paragraph(f"“{text}”", style="List Bullet 2")
    else:
        doc.add_paragraph("本期无课堂观察记录。")

    doc.add_heading("五、教研活动", level=1)
    if period.activities:
        table(doc, ["日期", "类型", "主题", "地点"], [
            [str(a.held_on), zh(f"wf.kind.{a.kind.value}"), a.title, a.school.name if a.school else "片区"]
            for a in period.activities])
    else:
        doc.add_paragraph("本期未参加集体备课、主题教研或研讨活动。")

    summaries = [o for o in period.observations if o.summary]
    if summaries:
        doc.add_heading("六、总评摘录", level=1)
        for o in summaries[:20]:
            doc.add_paragraph(f"{o.lesson_title}（{o.teacher}）：{o.summary}", style="List Bullet")

    if quota is not None:
        doc.add_heading("七、学期工作量完成情况", level=1)
        table(doc, ["指标", "完成 / 要求", "是否达标"], [
            [_metric(m.metric), metric_text(m.metric, m.done, m.target), "达标" if m.met else "未达标"]
            for m in quota.metrics])
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


HEAD_FONT = Font(bold=True)
MISSED = PatternFill("solid", fgColor="FDECEA")


def school_xlsx(progress: SchoolProgress, semester: str, rate: PassRateOut | None) -> bytes:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "人员工作量"
    metrics = sorted({m.metric for p in progress.people for m in p.metrics},
                     key=lambda k: METRICS.index(k) if k in METRICS else 99)
    sheet.append([f"{progress.name} {semester} 学期工作量统计（由系统根据听课、签名与活动记录计算）"])
    header = ["姓名", "岗位"]
    for metric in metrics:
        header += [f"{_metric(metric)}完成", f"{_metric(metric)}要求"]
    sheet.append([*header, "是否达标"])
    for cell in sheet[2]:
        cell.font = HEAD_FONT
    for person in progress.people:
        by_metric = {m.metric: m for m in person.metrics}
        row: list[object] = [person.name, zh(f"wf.audience.{person.position}")]
        for metric in metrics:
            m = by_metric.get(metric)
            row += [m.done, m.target] if m else [None, None]
        sheet.append([*row, "达标" if person.met else "未达标"])
        if not person.met:
            sheet.cell(row=sheet.max_row, column=len(row) + 1).fill = MISSED
    sheet.column_dimensions["A"].width = 16

    groups = wb.create_sheet("教研组公开课")
    groups.append(["学科组", "公开课完成", "公开课要求", "是否达标"])
    for cell in groups[1]:
        cell.font = HEAD_FONT
    for group in progress.subject_groups:
        m = group.metrics[0] if group.metrics else None
        groups.append([group.subject, m.done if m else None, m.target if m else None,
                       "达标" if group.met else "未达标"])

    qual = wb.create_sheet("课改合格课")
    qual.append(["教职工人数", "合格人数", "合格率"])
    for cell in qual[1]:
        cell.font = HEAD_FONT
    if rate is not None:
        qual.append([rate.staff, rate.qualified, rate.rate])
        qual.cell(row=2, column=3).number_format = "0.0%"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
