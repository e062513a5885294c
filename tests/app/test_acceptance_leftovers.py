"""Acceptance leftovers in the CLI: `label --remove` usage, the first non-borrowck error, `add`, --jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.toolchains
def test_check_names_the_earliest_error_that_is_not_borrow_check(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "m.rs"
    file.write_text("bitflags::bitflags!{}\nlazy_static::lazy_static!{}\n")
    code, out, err = run(capsys, "check", "--no-patterns", str(file))
    assert code == 0, err
    (line,) = [x for x in out.splitlines() if "first error that is not borrow-check" in x]
    assert "E0433 1:1 cannot find module or crate `bitflags`" in line, out
