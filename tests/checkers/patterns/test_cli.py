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
    assert "workaround, proven by the compiler" in out
    assert "not proven" not in out


@pytest.mark.toolchains
def test_proven_only_drops_candidates(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proven = examples / "entry-owned-key" / "workaround.rs"
    never = examples / "option-take-put-back" / "workaround.rs"
    assert main(["patterns", "--json", "--proven-only", str(proven), str(never)]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert [(p["id"], p["tier"]) for p in first["patterns"]] == [("entry-owned-key", "workaround")]
    assert second["patterns"] == []


def test_unproven_findings_say_so(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = examples / "entry-owned-key" / "workaround.rs"
    assert main(["patterns", str(path)]) == 0
    assert "possible workaround, not proven (not checked" in capsys.readouterr().out
    assert main(["patterns", str(examples / "option-take-put-back" / "workaround.rs")]) == 0
    assert "not proven (no mechanical direct form" in capsys.readouterr().out
    assert main(["patterns", "--json", str(path)]) == 0
    [finding] = json.loads(capsys.readouterr().out)["patterns"]
    assert finding["tier"] == "candidate" and "unconfirmable" not in finding


def test_folders_and_an_empty_file_do_not_abort(tmp_path: Path, examples: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "empty.rs").write_bytes(b"")
    (tmp_path / "a" / "bin.rs").write_bytes(b"\x00\x01")
    (tmp_path / "a" / "notes.txt").write_text("extern crate x;")
    (tmp_path / "a" / "w.rs").write_text(
        (examples / "entry-owned-key" / "workaround.rs").read_text())
    assert main(["patterns", "--json", str(tmp_path)]) == 2  # bin.rs is reported and skipped
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [Path(r["path"]).name for r in records] == ["empty.rs", "w.rs"]
    assert records[0]["patterns"] == [] and records[1]["patterns"][0]["id"] == "entry-owned-key"
    assert captured.err.count("\n") == 1 and "bin.rs" in captured.err


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
