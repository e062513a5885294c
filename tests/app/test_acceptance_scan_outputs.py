"""Acceptance finding (issue 9, "data that stays right"): scan's two outputs never share a target.

`--out r.json --json-summary r.json` wrote the records, then replaced them with the summary;
`--json-summary -` without `--out` printed the pretty summary into the JSONL record stream.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main


@pytest.mark.parametrize("same", ["file", "link", "stdout"])
def test_records_and_summary_are_refused_on_one_target(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path, same: str) -> None:
    corpus = tmp_path / "in.jsonl"
    corpus.write_text("")
    out = tmp_path / "r.json"
    if same == "file":
        argv = ["--out", str(out), "--json-summary", str(out)]
    elif same == "link":
        (tmp_path / "link.json").symlink_to(out)
        argv = ["--out", str(out), "--json-summary", str(tmp_path / "link.json")]
    else:
        argv = ["--json-summary", "-"]
    code = main(["scan", str(corpus), *argv])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "--json-summary" in lines[0] and "--out" in lines[0], captured.err
    assert captured.out == ""
    assert not out.exists()


@pytest.mark.toolchains
def test_a_device_still_takes_both(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text("")
    assert main(["scan", str(tmp_path / "in.jsonl"), "--out", "/dev/null",
                 "--json-summary", "/dev/null"]) == 0, capsys.readouterr().err
