"""The template a district office downloads for each import: the columns in order, two example rows, and a
second sheet that says what each column accepts."""

from __future__ import annotations

import io

from api.imports import layouts

NOTES = {
    "people": ["姓名：必填", "工号、手机号：至少填一项；再次导入时按工号（其次手机号）识别同一人，不会重复创建",
               "学校：须与系统中的学校名称完全一致（教研员可不填）", "角色：教师、学校管理员、教研员（不填为教师）",
               "职务：科任教师、教研组长、中层干部、校长（不填为科任教师）",
               "新建的账号得到一次性密码，首次登录时须修改"],
    "schools": ["学校名称：必填，按名称识别同一所学校", "片区：片区名称或代码", "学校类型：引领校、基地校、薄弱校",
                "城乡：城镇、农村"],
    "assignments": ["教研员：姓名；同名时填写工号/手机号", "学期：如 2026-2027-1（上学期）、2026-2027-2（下学期）",
                    "学科：不填为教研员本人的学科；片区分工不填学科表示全部学科",
                    "蹲点联系学校、片区：只填一项"],
}


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "导入"
    headers = [names[0] for names in layouts.LAYOUTS[kind].values()]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for example in layouts.TEMPLATE_EXAMPLES[kind]:
        sheet.append(list(example))
    for column, header in zip("ABCDEFGHIJ", headers, strict=False):
        sheet.column_dimensions[column].width = max(12, len(header) * 3)
        if header in ("工号", "手机号", "工号/手机号"):  # kept as text: a phone number is not a number
            for row in range(2, 2002):
                sheet[f"{column}{row}"].number_format = "@"
    notes = book.create_sheet("填写说明")
    for line in NOTES[kind]:
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(kind: str) -> bytes:
    headers = [names[0] for names in layouts.LAYOUTS[kind].values()]
    lines = [",".join(headers), *(",".join(row) for row in layouts.TEMPLATE_EXAMPLES[kind])]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")  # the BOM makes Excel read it as UTF-8
