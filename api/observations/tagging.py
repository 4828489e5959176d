"""Automatic rubric-dimension tags for observation notes (课堂观察记录 → 评课维度).

A note such as "教师提问后候答时间不足3秒" gets the dimension codes of the default rubric it speaks
about, the main one first. Two signals are added up per dimension:

* a multinomial naive Bayes over character 1-3 grams, trained at import from the shipped labeled
  notes (``data/notes_train.tsv``, written by hand in the style of a 听课记录): it learns the
  vocabulary of each dimension without a word segmenter, which short Chinese remarks defeat;
* a small lexicon of the terms a 教研员 uses for each dimension (候答, 板书, 小组合作, 当堂检测…)
  with weights, so a term the training notes never used still counts.

No model file is downloaded; training takes a few milliseconds and tagging a note well under one.
The held-out accuracy is checked by ``tests/api/test_note_tagging.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DIMENSIONS = ("goals", "content", "process", "engagement", "interaction", "outcome", "teacher_skills")
TRAIN_FILE = Path(__file__).with_name("data") / "notes_train.tsv"

# Term → weight per dimension; longer, more specific terms weigh more.
LEXICON: dict[str, dict[str, float]] = {
    "goals": {
        "目标": 2.0, "教学目标": 2.5, "学习目标": 2.5, "三维目标": 3.0, "课标": 1.5, "课程标准": 2.0,
        "核心素养": 1.5, "行为动词": 2.5, "定位": 1.0, "预设": 0.8, "学情": 0.8, "情感目标": 3.0,
        "单元目标": 3.0, "课时目标": 3.0, "目标设定": 3.0, "目标定": 2.0,
        "达成路径": 1.5, "分层": 0.8, "层次的学生": 1.0,
    },
    "content": {
        "内容": 1.5, "教学内容": 2.5, "知识": 1.0, "知识点": 1.5, "概念": 1.5, "重点": 1.2, "难点": 1.5,
        "重难点": 2.0, "教材": 1.5, "容量": 2.0, "例题": 1.5, "定义": 1.5, "公式": 1.2, "推导": 1.2,
        "知识性错误": 3.0, "释义": 2.0, "解释": 1.0, "拓展": 1.0, "算理": 1.5, "文体": 1.5, "变式": 1.5,
        "材料": 1.0, "选取": 1.0, "选材": 1.5, "不准确": 1.5, "不严谨": 1.5, "讲解": 0.6, "梯度": 1.2, "科学性": 2.0,
    },
    "process": {
        "环节": 2.0, "导入": 2.0, "过渡": 2.0, "教学方法": 2.0, "方法单一": 2.5, "模式": 1.5, "课件": 1.2,
        "多媒体": 1.5, "信息技术": 2.0, "希沃": 2.0, "白板": 1.5, "投屏": 1.5, "情境": 1.5, "流程": 1.5,
        "节奏": 1.5, "小结": 1.5, "时间分配": 2.0, "任务驱动": 2.0, "讲练结合": 2.0, "板块": 1.5,
        "微视频": 1.5, "教学法": 1.5, "以读代讲": 2.0, "步骤": 1.0,
        "设计": 0.6, "先学后教": 2.0, "巩固练习": 1.2, "新授": 1.5,
    },
    "engagement": {
        "参与": 2.0, "参与面": 2.5, "小组合作": 2.0, "合作学习": 2.0, "讨论": 1.2, "游离": 2.5, "自主": 1.5,
        "动手": 1.5, "举手": 1.0, "积极": 1.2, "主动": 1.2, "注意力": 2.0, "旁观": 2.0, "预习": 1.5,
        "展示": 0.8, "人人": 1.5, "流于形式": 2.0, "被动": 1.5, "发言": 1.0, "热情": 1.2, "聊天": 1.5,
        "活动": 0.6, "学生活动": 2.0, "分组": 1.0, "互评": 1.2, "批注": 1.0, "同桌": 1.5, "上台": 1.2, "学生主动": 1.5,
    },
    "interaction": {
        "提问": 2.0, "追问": 2.5, "候答": 3.0, "问题": 0.8, "回答": 1.5, "评价语": 2.5, "反馈": 1.5,
        "互动": 2.0, "师生互动": 2.5, "倾听": 1.5, "点名": 1.5, "启发": 1.5, "回应": 1.5, "对话": 1.0,
        "质疑": 1.2, "封闭式": 2.5, "引导": 1.0, "思考时间": 2.0, "齐答": 1.5, "肯定": 1.0, "否定": 1.2,
        "讲评": 1.0, "点到": 1.5,
    },
    "outcome": {
        "检测": 2.5, "当堂检测": 3.0, "正确率": 2.5, "达成": 1.5, "达成度": 2.5, "掌握": 1.5, "效果": 1.5,
        "作业": 1.0, "完成": 0.8, "背诵": 1.2, "背出": 1.5, "学会": 1.2, "思维": 1.0, "出错": 1.2,
        "做对": 1.5, "复述": 1.5, "成果": 1.5, "迁移": 1.2, "听写": 1.2, "错误较多": 1.0, "熟练": 1.2,
        "目标达成": 3.0, "部分达成": 2.5, "达成了": 2.0, "普遍": 0.8,
    },
    "teacher_skills": {
        "板书": 2.5, "语言": 1.5, "教态": 3.0, "语速": 2.5, "普通话": 2.5, "字迹": 2.5, "书写": 1.2,
        "声音": 2.0, "应变": 2.5, "范读": 2.5, "范写": 2.5, "口语": 1.5, "发音": 2.0, "示范": 1.2,
        "亲切": 1.5, "激情": 1.5, "口头禅": 3.0, "着装": 2.5, "肢体": 2.0, "感染力": 2.0, "口令": 2.0,
        "粉笔字": 2.5, "从容": 1.5, "素养": 1.5, "课堂用语": 2.5,
    },
}

_CHARS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+")


@dataclass(frozen=True)
class LabeledNote:
    text: str
    main: str
    others: tuple[str, ...] = ()


def read_labeled(path: Path) -> list[LabeledNote]:
    """Rows ``main<TAB>others<TAB>subject<TAB>grade<TAB>text``; ``#`` lines are comments."""
    notes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        main, others, _subject, _grade, text = line.split("\t")
        if main not in DIMENSIONS:
            raise ValueError(f"{path.name}: unknown dimension {main!r}")
        notes.append(LabeledNote(text=text, main=main, others=tuple(o for o in others.split(",") if o)))
    return notes


def char_ngrams(text: str, n_max: int = 3) -> list[str]:
    """Character 1..n_max grams inside runs of Han characters (ASCII words count as one unit)."""
    grams: list[str] = []
    for run in _CHARS.findall(text.lower()):
        if run.isascii():
            grams.append(run)
            continue
        for n in range(1, n_max + 1):
            grams.extend(run[i:i + n] for i in range(len(run) - n + 1))
    return grams


class NoteTagger:
    """Naive Bayes over character n-grams plus a weighted lexicon."""

    def __init__(self, notes: Sequence[LabeledNote], alpha: float = 2.0, lexicon_weight: float = 3.0,
                 secondary_weight: float = 0.3) -> None:
        self.alpha, self.lexicon_weight = alpha, lexicon_weight
        vocab: dict[str, int] = {}
        for note in notes:
            for g in char_ngrams(note.text):
                vocab.setdefault(g, len(vocab))
        self.vocab = vocab
        counts = np.zeros((len(DIMENSIONS), len(vocab) + 1))  # last column: unseen grams
        prior = np.full(len(DIMENSIONS), 1.0)
        for note in notes:
            idx = [vocab[g] for g in char_ngrams(note.text)]
            rows = [(DIMENSIONS.index(note.main), 1.0)]
            rows += [(DIMENSIONS.index(o), secondary_weight) for o in note.others if o in DIMENSIONS]
            for row, weight in rows:
                np.add.at(counts[row], idx, weight)
                prior[row] += weight
        smoothed = counts + alpha
        self.log_likelihood = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
        self.log_prior = np.log(prior / prior.sum())

    def scores(self, text: str) -> np.ndarray:
        unseen = len(self.vocab)
        idx = [self.vocab.get(g, unseen) for g in char_ngrams(text)]
        # Unseen grams carry the same smoothed mass for every class: drop them instead of diluting.
        seen = [i for i in idx if i != unseen]
        nb = self.log_prior + (self.log_likelihood[:, seen].sum(axis=1) if seen else 0.0)
        return nb + self.lexicon_weight * lexicon_scores(text)

    def tag(self, text: str, max_tags: int = 3) -> list[str]:
        """Dimension codes, the main one first; others only when clearly supported too."""
        if not _CHARS.search(text.lower()):
            return []
        scores = self.scores(text)
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        order = list(np.argsort(-scores))
        lexicon = lexicon_scores(text)
        tags = [DIMENSIONS[order[0]]]
        for i in order[1:max_tags]:
            if probs[i] >= 0.2 and lexicon[i] >= 2.0:
                tags.append(DIMENSIONS[i])
        return tags


def lexicon_scores(text: str) -> np.ndarray:
    """Sum of the weights of the terms found, per dimension; a term inside a longer matched term of the
    same dimension counts once (教学目标 is not also 目标)."""
    out = np.zeros(len(DIMENSIONS))
    for d, terms in enumerate(LEXICON[code] for code in DIMENSIONS):
        found = [t for t in terms if t in text]
        kept = [t for t in found if not any(t != o and t in o for o in found)]
        out[d] = math.fsum(terms[t] for t in kept)
    return out


def accuracy(tagger: NoteTagger, notes: Iterable[LabeledNote]) -> float:
    notes = list(notes)
    right = sum(1 for n in notes if tagger.tag(n.text)[:1] == [n.main])
    return right / len(notes) if notes else 0.0


@lru_cache(maxsize=1)
def default_tagger() -> NoteTagger:
    return NoteTagger(read_labeled(TRAIN_FILE))


def tag_note(text: str) -> list[str]:
    """The tags stored on a note when it is posted (main tag first)."""
    return default_tagger().tag(text)
