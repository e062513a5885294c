"""The dataset's errors: one line each, saying what to do."""

from __future__ import annotations

from checkers.errors import CheckerError


class DatasetError(CheckerError):
    """The dataset cannot be written as asked; the message says what to do."""


class DatasetCancelled(DatasetError):
    """``cancel`` was set while the dataset was being built; nothing was written."""
