"""Acceptance finding (issues 9, 14): the random scratch dir never reaches a diagnostic's text.

Each rustc run gets a fresh scratch dir; `file!()` and `env!("HOME")` (HOME is the scratch dir)
put its name into a message, so every role said something different and the case was called
compiler drift, with "Polonius changes" lines that only differ by that name.
"""

from __future__ import annotations

import pytest

from checkers.engine import check_source


@pytest.mark.toolchains
@pytest.mark.parametrize("source", [
    'compile_error!(concat!("at ", file!()));\n',
    'compile_error!(concat!("home ", env!("HOME"), " tmp ", env!("TMPDIR")));\n',
])
def test_messages_that_quote_the_scratch_dir_are_the_same_in_every_role(source: str) -> None:
    triage = check_source(source, patterns=False)
    messages = {role: tuple(d.message for d in check.errors) for role, check in triage.checks.items()}
    assert len(set(messages.values())) == 1, messages
    assert all("ptriage-" not in m for ms in messages.values() for m in ms), messages
    assert triage.verdict == "other-error" and not triage.drift, triage.reason
    assert all(entry.change == "kept" for entry in triage.diff), triage.diff
