"""Confirmation by rewrite: compile each finding's direct form and read the verdict."""

from __future__ import annotations


def confirm() -> None:
    return None
