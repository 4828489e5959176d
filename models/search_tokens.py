"""Chinese text → search tokens, shared by the index (write side) and the queries (read side).

Why character bigrams: measured on a 5,000-lesson corpus (shared/studies/search), FTS5's trigram
tokenizer finds nothing for the most common two-character queries (提问, 板书) and a word segmenter
(jieba) misses sub-words (勾股 inside 勾股定理). Cutting every run of Han characters into overlapping
bigrams plus its last character as a unigram makes every character the first character of some token,
so any 1-character query is a prefix query, a 2-character query is one token, and a longer one is a
phrase of its bigrams: full recall for every substring, on SQLite FTS5 and in a PostgreSQL tsvector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{HAN}]+|[A-Za-z0-9]+")
_HAN_RUN = re.compile(rf"[{HAN}]+")
_WORD = re.compile(rf"[{HAN}A-Za-z0-9]+")

MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 8


def runs(text: str) -> list[str]:
    """Maximal runs of Han characters or of ASCII letters/digits, lower-cased."""
    return [r.lower() for r in _RUN.findall(text)]


def is_han(run: str) -> bool:
    return bool(_HAN_RUN.fullmatch(run))


def bigram_tokens(text: str) -> str:
    """Space-joined tokens: each Han run → its overlapping bigrams and a trailing unigram; ASCII words whole."""
    out: list[str] = []
    for run in runs(text):
        if is_han(run) and len(run) > 1:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
        else:
            out.append(run)
    return " ".join(out)


@dataclass(frozen=True)
class QueryWord:
    """One word of a query; all words must occur in a lesson (AND)."""

    text: str  # lower-cased, only Han characters, letters and digits
    parts: tuple[str, ...]  # its runs

    @property
    def simple(self) -> bool:
        """A single run: the token match is exact, no check against the raw text is needed."""
        return len(self.parts) == 1


def parse_query(q: str) -> list[QueryWord]:
    """Split on anything that is not a Han character, letter or digit; drop duplicate words."""
    words: list[QueryWord] = []
    for raw in _WORD.findall(q):
        text = raw.lower()
        if text not in {w.text for w in words}:
            words.append(QueryWord(text=text, parts=tuple(runs(text))))
    return words


def fts5_run(run: str) -> str:
    """FTS5 expression finding every document that contains the run (bigram index, prefix='1')."""
    if is_han(run) and len(run) > 1:
        return '"' + " ".join(run[i:i + 2] for i in range(len(run) - 1)) + '"'
    return f'"{run}"*'  # one Han character or an ASCII word: prefix of a token


def fts5_query(words: list[QueryWord]) -> str:
    return " AND ".join(" AND ".join(fts5_run(p) for p in w.parts) for w in words)


def tsquery_run(run: str) -> str:
    """PostgreSQL tsquery over the same bigram tokens (positions are not relied on: AND of bigrams)."""
    if is_han(run) and len(run) > 1:
        return " & ".join(run[i:i + 2] for i in range(len(run) - 1))
    return f"{run}:*"


def tsquery(words: list[QueryWord]) -> str:
    return " & ".join(f"({tsquery_run(p)})" for w in words for p in w.parts)
