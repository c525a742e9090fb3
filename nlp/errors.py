"""The one error type the user sees: a file and what is wrong with it, never a traceback."""

from __future__ import annotations


class InputError(Exception):
    """A document that cannot be read or is not an annual report."""

    def __init__(self, path: str, problem: str, stage: str = "read") -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.stage = stage


class NotAReport(InputError):
    """A readable document that is not an annual report: skipped in a batch, not a failure."""


class ReviewError(Exception):
    """A review action cannot be done: no results, an unknown finding or cell, nothing to undo,
    a decisions file that cannot be read."""
