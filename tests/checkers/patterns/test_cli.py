"""`ptriage patterns`: listing, detection output, JSON, confirmation and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main


def test_list_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["patterns", "--list"]) == 0
    assert "check-then-relookup" in capsys.readouterr().out
    assert main(["patterns", "--list", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {e["id"] for e in entries} >= {"entry-owned-key", "epoch-bare-trait-object"}


def test_json_record(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = examples / "entry-owned-key" / "workaround.rs"
    assert main(["patterns", "--json", str(path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in record["patterns"]] == ["entry-owned-key"]
    assert record["patterns"][0]["confirmed"] is None


@pytest.mark.toolchains
def test_confirm_flag(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = examples / "entry-owned-key" / "workaround.rs"
    assert main(["patterns", "--confirm", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[confirmed]" in out


@pytest.mark.parametrize("content", [b"\x00\x01binary", b"fn f() { \xff\xfe }", None])
def test_bad_input_exits_2_with_one_line(tmp_path: Path, content: bytes | None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "input.rs"
    if content is not None:
        path.write_bytes(content)
    assert main(["patterns", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ptriage:") and "\n" not in err


def test_no_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["patterns"])
    assert exc.value.code == 2
