"""Chinese text → search tokens, shared by the index (write side) and the queries (read side).

Why character bigrams: measured on a 5,000-lesson corpus (shared/studies/search), FTS5's trigram
tokenizer finds nothing for the most common two-character queries (提问, 板书) and a word segmenter
(jieba) misses sub-words (勾股 inside 勾股定理). Cutting every run of Han characters into overlapping
bigrams plus its last character as a unigram makes every character the first character of some token,
so any 1-character query is a prefix query, a 2-character query is one token, and a longer one is a
phrase of its bigrams: full recall for every substring on SQLite FTS5.

On PostgreSQL a tsvector can only answer "does the lesson hold this lexeme" without reading the row (GIN
needs no recheck for plain lexemes); phrases and ranking need the TOASTed vector, ~20 us a lesson, too slow
when a common word matches thousands of lessons. So the PostgreSQL vector holds every distinct Han n-gram
of 1-4 characters as a lexeme (a 1-4 character word is one exact lexeme, longer words a superset to check
against the raw text), ASCII words whole, and ``+term`` markers for terms said at least ``SALIENT_TF`` times
(ranking from the index alone). See ``pg_terms`` and ``pg_word``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from enum import Enum

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{HAN}]+|[A-Za-z0-9]+")
_HAN_RUN = re.compile(rf"[{HAN}]+")
_WORD = re.compile(rf"[{HAN}A-Za-z0-9]+")

MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 8


_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """ASCII letters lower-cased, nothing else touched: query words are lower-case, so raw text stored folded
    is matched with plain LIKE (byte-wise) instead of ILIKE, which lower-cases every row on each query."""
    return text.translate(_FOLD)


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


# ---- PostgreSQL: a stripped tsvector of n-grams -------------------------------------------------

MAX_GRAM = 4  # Han n-grams up to this length are lexemes: words of 1-4 characters are found exactly
SALIENT_TF = 3  # a term said this often in the transcript/notes marks the lesson as being about it
SALIENT = "+"  # lexeme prefix of those markers (no query lexeme starts with it)
PARTIAL = "~"  # lexeme of a lesson too long for all its n-grams: only 1-2 grams kept, check the raw text
TERMS_BUDGET = 768 * 1024  # bytes of lexemes; PostgreSQL refuses a tsvector with 1 MiB of them
MAX_ASCII_TERM = MAX_QUERY_CHARS  # longer ASCII words are cut: a query can only ask for a prefix this long


def _grams(run: str, longest: int) -> list[str]:
    if not is_han(run):
        return [run[:MAX_ASCII_TERM]]
    return [run[i:i + n] for n in range(1, longest + 1) for i in range(len(run) - n + 1)]


def _terms(meta: str, body: str, longest: int, salient: bool) -> set[str]:
    terms: set[str] = {g for run in runs(meta) for g in _grams(run, longest)}
    said = Counter(g for run in runs(body) for g in _grams(run, longest))
    terms.update(said)
    if salient:  # single characters are said often in any lesson: no signal
        terms.update(SALIENT + g for g, count in said.items() if count >= SALIENT_TF and len(g) > 1)
    return terms


def pg_terms(meta: str, body: str) -> list[str]:
    """Lexemes of a lesson's PostgreSQL vector (``array_to_tsvector``): every Han 1-4 gram, ASCII words whole,
    salience markers; for a lesson too long for that (hours of talk), its 1-2 grams and ``PARTIAL``."""
    terms = _terms(meta, body, MAX_GRAM, salient=True)
    if sum(len(t.encode()) for t in terms) > TERMS_BUDGET:
        terms = _terms(meta, body, 2, salient=False) | {PARTIAL}
    return sorted(terms)


class Check(Enum):
    """When a word's index match must be confirmed against the raw text."""

    NEVER = "never"  # the lexemes are exact
    PARTIAL = "partial"  # exact, except in lessons marked PARTIAL (their 3-4 grams are missing)
    ALWAYS = "always"  # the lexemes only narrow the candidates down


@dataclass(frozen=True)
class PgWord:
    """How one query word is looked up in the PostgreSQL vector."""

    match: str | None  # tsquery text: every lesson containing the word matches it; None: raw text only
    check: Check
    salient: str | None  # tsquery text of the lessons where the word is salient


def _quote(lexeme: str) -> str:
    return f"'{lexeme}'"  # lexemes hold only Han characters, letters, digits and the marker: nothing to escape


def _han_match(run: str) -> tuple[str, str, bool]:
    """(match, salient, needs 3+ grams) of a Han run: one lexeme, or its 4-grams for a longer run."""
    grams = [run[i:i + MAX_GRAM] for i in range(max(1, len(run) - MAX_GRAM + 1))]
    match = " & ".join(_quote(g) for g in grams)
    salient = " & ".join(_quote(SALIENT + g) for g in grams)
    return match, salient, len(run) > 2


def _or_partial(match: str) -> str:
    return f"({match}) | {_quote(PARTIAL)}"


def pg_word(word: QueryWord) -> PgWord:
    """Exact lexemes for Han words of 1-4 characters; 4-grams then the raw text for longer ones; ASCII words of
    1-2 letters as a prefix of an indexed word (like FTS5), longer ones as a substring of the raw text (pg_trgm);
    a word of several runs ("3秒") by its Han runs, then the raw text."""
    if word.simple:
        run = word.text
        if not is_han(run):
            if len(run) <= 2:
                return PgWord(f"{_quote(run)}:*", Check.NEVER, f"{_quote(SALIENT + run)}:*")
            return PgWord(None, Check.ALWAYS, f"{_quote(SALIENT + run)}:*")
        match, salient, deep = _han_match(run)
        if len(run) > MAX_GRAM:
            return PgWord(_or_partial(match), Check.ALWAYS, salient)
        return PgWord(_or_partial(match) if deep else match, Check.PARTIAL if deep else Check.NEVER,
                      salient if len(run) > 1 else None)
    parts = [_han_match(run) for run in word.parts if is_han(run)]
    match = " & ".join(f"({m})" for m, _, _ in parts)
    return PgWord(_or_partial(match) if any(deep for *_, deep in parts) else match, Check.ALWAYS, None)
