"""Failures a person can understand: a code for programs, a short reason in Chinese and English."""

from __future__ import annotations


class StageError(Exception):
    """A permanent failure of one stage (bad input, missing piece); retrying will not help."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en

    @property
    def reason(self) -> str:
        """What is stored in ``Lesson.failure_reason`` and ``Job.error``: ``code: 中文 / English``."""
        return f"{self.code}: {self.zh} / {self.en}"


class LeaseLost(Exception):
    """Another worker took the job over (our lease ran out); stop without touching it."""
