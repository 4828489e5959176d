"""The shipped default 评课量表: seven dimensions, weights summing to 100, four levels each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.rubrics import Rubric, RubricDimension

# (code, zh, en, weight, [A, B, C, D] descriptors as (zh, en))
DIMENSIONS: list[tuple[str, str, str, float, list[tuple[str, str]]]] = [
    ("goals", "教学目标", "Teaching goals", 10, [
        ("目标明确具体、可检测，符合课标与学情，体现核心素养", "Clear, measurable goals fitting standards and class"),
        ("目标明确，基本符合课标与学情", "Clear goals that mostly fit the standards and the class"),
        ("目标较笼统，与学情联系不够", "Vague goals, loosely tied to the class"),
        ("目标不明确或脱离学情", "No clear goals, or goals unrelated to the class"),
    ]),
    ("content", "教学内容", "Content", 15, [
        ("内容准确，重点突出，难点突破有方法，容量适当", "Accurate content, clear focus, difficulties well handled"),
        ("内容准确，重点较突出", "Accurate content with a reasonable focus"),
        ("内容基本准确，重难点处理一般", "Mostly accurate; key points handled unevenly"),
        ("内容有错误或重难点不清", "Errors in content or no clear key points"),
    ]),
    ("process", "教学过程与方法", "Process and methods", 20, [
        ("环节清晰、过渡自然，方法灵活，信息技术运用恰当", "Clear stages, natural transitions, flexible methods"),
        ("环节清晰，方法较恰当", "Clear stages and suitable methods"),
        ("环节基本完整，方法单一", "Stages complete but methods monotonous"),
        ("环节混乱，方法不当", "Disordered stages or unsuitable methods"),
    ]),
    ("engagement", "学生活动", "Student activity", 15, [
        ("学生主动参与，自主、合作、探究充分，参与面广", "Students take part widely; inquiry and cooperation"),
        ("多数学生参与，有合作探究", "Most students take part; some cooperation"),
        ("参与面较窄，活动流于形式", "Few students take part; activities are formal"),
        ("学生被动听讲，缺少活动", "Students only listen passively"),
    ]),
    ("interaction", "师生互动", "Interaction", 15, [
        ("提问有层次、有启发，候答充分，反馈及时有效", "Layered, open questions, enough wait time, timely feedback"),
        ("提问较合理，反馈较及时", "Reasonable questions and feedback"),
        ("提问以记忆性为主，反馈简单", "Mostly recall questions, thin feedback"),
        ("缺少互动或互动无效", "Little or no real interaction"),
    ]),
    ("outcome", "教学效果", "Outcome", 15, [
        ("目标达成度高，学生思维得到发展，当堂检测效果好", "Goals reached, thinking developed, good in-class check"),
        ("目标基本达成", "Goals mostly reached"),
        ("部分目标达成", "Goals partly reached"),
        ("目标未达成", "Goals not reached"),
    ]),
    ("teacher_skills", "教师素养", "Teacher's skills", 10, [
        ("语言准确精炼，板书规范，教态自然，应变能力强", "Precise language, tidy board work, natural manner"),
        ("语言清楚，板书较规范", "Clear language, fair board work"),
        ("语言欠精炼，板书随意", "Wordy language, careless board work"),
        ("语言、板书、教态存在明显问题", "Clear problems in language, board work or manner"),
    ]),
]

LEVELS = [("A", 0.9), ("B", 0.75), ("C", 0.6), ("D", 0.0)]
MAX_SCORE = 10.0


def _descriptors(texts: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"level": level, "min": round(share * MAX_SCORE, 2), "zh": zh, "en": en}
        for (level, share), (zh, en) in zip(LEVELS, texts, strict=True)
    ]


def ensure_default_rubric(session: Session) -> Rubric:
    """Create the default rubric once; later calls return it unchanged."""
    rubric = session.scalar(select(Rubric).where(Rubric.is_default.is_(True)))
    if rubric is not None:
        return rubric
    rubric = Rubric(name_zh="课堂教学评价量表", name_en="Classroom teaching rubric", is_default=True)
    rubric.dimensions = [
        RubricDimension(code=code, name_zh=zh, name_en=en, weight=weight, max_score=MAX_SCORE, position=i,
                        descriptors=_descriptors(texts))
        for i, (code, zh, en, weight, texts) in enumerate(DIMENSIONS)
    ]
    session.add(rubric)
    session.flush()
    return rubric
