"""The columns of the three imports as a district office names them, and the words used in their cells."""

from __future__ import annotations

from models import Locale, SchoolRole, StaffPosition, UserRole

# field → header texts (the first is the one the template uses)
PEOPLE = {
    "name": ("姓名", "教师姓名", "name"),
    "employee_no": ("工号", "教师编号", "职工号", "employee_no"),
    "phone": ("手机号", "手机", "手机号码", "联系电话", "phone"),
    "school": ("学校", "学校名称", "所在学校", "school"),
    "subject": ("学科", "任教学科", "subject"),
    "grade": ("年级", "任教年级", "grade"),
    "role": ("角色", "身份", "role"),
    "position": ("职务", "岗位", "position"),
}
PEOPLE_REQUIRED = ("name",)

SCHOOLS = {
    "name": ("学校名称", "学校", "name"),
    "zone": ("片区", "学区", "zone"),
    "role": ("学校类型", "类型", "角色", "role"),
    "locale": ("城乡", "城乡类别", "locale"),
}
SCHOOLS_REQUIRED = ("name",)

ASSIGNMENTS = {
    "researcher": ("教研员", "研训员", "教研员姓名", "researcher"),
    "key": ("工号/手机号", "工号", "手机号", "key"),
    "semester": ("学期", "semester"),
    "subject": ("学科", "subject"),
    "school": ("蹲点联系学校", "联系学校", "蹲点学校", "school"),
    "zone": ("片区", "联系片区", "zone"),
}
ASSIGNMENTS_REQUIRED = ("semester",)

ROLE_WORDS = {"教师": UserRole.teacher, "老师": UserRole.teacher, "科任教师": UserRole.teacher,
              "学校管理员": UserRole.school_admin, "校管理员": UserRole.school_admin,
              "教研员": UserRole.researcher, "研训员": UserRole.researcher,
              **{r.value: r for r in UserRole}}
ROLE_ZH = {UserRole.teacher: "教师", UserRole.school_admin: "学校管理员", UserRole.researcher: "教研员",
           UserRole.admin: "系统管理员"}
POSITION_WORDS = {"科任教师": StaffPosition.teacher, "教师": StaffPosition.teacher,
                  "教研组长": StaffPosition.group_leader, "科组长": StaffPosition.group_leader,
                  "备课组长": StaffPosition.group_leader, "中层干部": StaffPosition.middle_leader,
                  "教务主任": StaffPosition.middle_leader, "德育主任": StaffPosition.middle_leader,
                  "校长": StaffPosition.school_leader, "副校长": StaffPosition.school_leader,
                  "校级干部": StaffPosition.school_leader, "书记": StaffPosition.school_leader,
                  **{p.value: p for p in StaffPosition}}
SCHOOL_ROLE_WORDS = {"引领校": SchoolRole.lead, "领衔校": SchoolRole.lead, "基地校": SchoolRole.base,
                     "薄弱校": SchoolRole.supported, "被帮扶校": SchoolRole.supported, "成员校": SchoolRole.supported,
                     **{r.value: r for r in SchoolRole}}
SCHOOL_ROLE_ZH = {SchoolRole.lead: "引领校", SchoolRole.base: "基地校", SchoolRole.supported: "薄弱校"}
LOCALE_WORDS = {"城镇": Locale.urban, "城区": Locale.urban, "城市": Locale.urban, "农村": Locale.rural,
                "乡村": Locale.rural, **{v.value: v for v in Locale}}
FIELD_ZH = {"display_name": "姓名", "school_id": "学校", "subject": "学科", "grade": "年级", "role": "角色",
            "position": "职务", "employee_no": "工号", "phone": "手机号", "zone_id": "片区", "locale": "城乡"}

TEMPLATE_EXAMPLES: dict[str, list[tuple[str, ...]]] = {
    "people": [("陈老师", "T1001", "13800000001", "城东实验小学", "数学", "八年级", "教师", "科任教师"),
               ("赵校长", "T1002", "13800000002", "城东实验小学", "", "", "学校管理员", "校长"),
               ("王研训", "R2001", "13800000003", "", "数学", "", "教研员", "")],
    "schools": [("城东实验小学", "城东片区", "引领校", "城镇"), ("青山乡中心小学", "城东片区", "薄弱校", "农村")],
    "assignments": [("王研训", "R2001", "2026-2027-1", "数学", "青山乡中心小学", ""),
                    ("李研训", "R2002", "2026-2027-1", "语文", "", "城东片区")],
}
LAYOUTS = {"people": PEOPLE, "schools": SCHOOLS, "assignments": ASSIGNMENTS}
REQUIRED = {"people": PEOPLE_REQUIRED, "schools": SCHOOLS_REQUIRED, "assignments": ASSIGNMENTS_REQUIRED}
