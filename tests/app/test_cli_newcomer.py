"""The CLI as a newcomer meets it: options anywhere, usage on errors, paths named once, help on
every subcommand and positional, a smoothed ETA, counted nouns, README links that resolve."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import pytest

from app.cli import build_parser, main
from app.commands.scan import _Progress
from app.corpus import Corpus
from app.output import plural
from tests.app.data.records import make_record

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors exit from inside the parser
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "c.sqlite3"
    with Corpus(path) as c:
        cid = c.upsert_record(make_record(1))
        c.add_labels(cid, ["skip"], reviewer="ann")
    return path, cid


@pytest.mark.parametrize("argv", [
    ["--remove", "skip"],
    ["--note", "seen", "real-error"],
    ["--reviewer", "bob", "real-error"],
    ["--reviewer", "bob", "real-error", "--note", "x", "needs-context"],
])
def test_label_takes_options_anywhere(capsys: pytest.CaptureFixture[str],
                                      corpus: tuple[Path, str], argv: list[str]) -> None:
    path, cid = corpus
    code, _out, err = run(capsys, "label", cid[:8], *argv, "--corpus", str(path))
    assert code == 0, err
    with Corpus(path) as c:
        record = c.get(cid)
    assert record is not None
    if "--remove" in argv:
        assert record["labels"] == []
    else:
        assert "real-error" in record["labels"]
    if "--reviewer" in argv:
        assert record["reviewer"] == "bob"
    if "needs-context" in argv:
        assert record["labels"] == ["needs-context", "real-error", "skip"]
        assert record["note"] == "x"


def test_label_errors_show_the_label_usage(capsys: pytest.CaptureFixture[str],
                                           corpus: tuple[Path, str]) -> None:
    path, cid = corpus
    code, _o, err = run(capsys, "label", cid[:8], "skip", "--bogus", "--corpus", str(path))
    assert code == 2
    assert err.startswith("usage: ptriage label ") and "unrecognized arguments: --bogus" in err


@pytest.mark.parametrize("command", ["add", "stats", "labels", "export", "import", "scan"])
def test_corpus_subcommands_report_leftovers_with_their_own_usage(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    argv = [command, "--bogus"] + ([] if command == "scan" else ["--corpus", str(tmp_path / "c.sqlite3")])
    argv += ["x.rs"] if command in ("add", "scan") else ["x.jsonl"] if command == "import" else []
    code, _o, err = run(capsys, *argv)
    assert code == 2 and err.startswith(f"usage: ptriage {command} "), err
    assert "unrecognized arguments: --bogus" in err


def test_every_subcommand_reports_leftovers_with_its_own_usage(capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert len(sub.choices) >= 10
    for command in sub.choices:
        code, _o, err = run(capsys, command, "--bogus-option-xyz")
        assert code == 2 and err.startswith(f"usage: ptriage {command} "), (command, err)


def test_add_names_a_missing_path_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.rs"
    code, _o, err = run(capsys, "add", str(missing), "--corpus", str(tmp_path / "c.sqlite3"))
    assert code == 2
    assert err.strip() == f"ptriage: {missing}: no such file"


def _walk(parser: argparse.ArgumentParser, name: str) -> list[str]:
    missing: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for sub, subparser in action.choices.items():
                if not helps.get(sub):
                    missing.append(f"{name} {sub} (subcommand)")
                missing += _walk(subparser, f"{name} {sub}")
        elif not action.option_strings and not action.help:
            missing.append(f"{name} {action.dest} (positional)")
    return missing


def test_every_subcommand_and_positional_has_help() -> None:
    parser = build_parser()
    assert _walk(parser, "ptriage") == []


def test_the_help_walker_finds_what_lacks_help() -> None:
    parser = argparse.ArgumentParser(prog="x")
    sub = parser.add_subparsers()
    bare = sub.add_parser("bare")
    bare.add_argument("thing")
    assert _walk(parser, "x") == ["x bare (subcommand)", "x bare thing (positional)"]


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_eta_follows_the_current_rate_not_the_average() -> None:
    clock = _Clock()
    stream = io.StringIO()
    progress = _Progress(stream, 1000, clock=clock)
    done = 0
    for _ in range(10):  # 10 s of cache hits: 50 cases a second
        clock.now += 1
        done += 50
        progress.update(done)
    for _ in range(60):  # then a minute of real compiling: 2 cases a second
        clock.now += 1
        done += 2
        progress.update(done)
    last = stream.getvalue().splitlines()[-1]
    rate = float(re.search(r"([0-9.]+)/s", last).group(1))  # type: ignore[union-attr]
    # The average since the start is 620/70 = 8.9/s (an ETA of 44 s for 380 left); the
    # current speed is 2/s. The smoothed rate has forgotten the burst.
    assert 2.0 <= rate < 3.0, last
    eta = re.search(r"ETA (\d+)m(\d+)s", last)
    assert eta is not None and 120 <= int(eta.group(1)) * 60 + int(eta.group(2)) <= 200, last


def test_progress_rate_does_not_jump_with_each_batch() -> None:
    clock = _Clock()
    stream = io.StringIO()
    progress = _Progress(stream, 10_000, clock=clock)
    done = 0
    rates = []
    for second in range(1, 61):  # a batch of 40 lands every 4 s: 10/s on average
        clock.now = float(second)
        done += 40 if second % 4 == 0 else 0
        progress.update(done)
        if second > 20:
            rates.append(progress.rate)
    assert max(rates) - min(rates) < 6  # raw per-second rates swing between 0 and 40


def test_counted_nouns() -> None:
    assert [plural(n, "case") for n in (0, 1, 2)] == ["0 cases", "1 case", "2 cases"]


def test_stats_says_1_case(capsys: pytest.CaptureFixture[str], corpus: tuple[Path, str]) -> None:
    code, out, _e = run(capsys, "stats", "--corpus", str(corpus[0]))
    assert code == 0 and out.startswith(f"1 case in {corpus[0]}\n")


_LINK = re.compile(r"\]\(([^)\s]+)\)")
_CODE_PATH = re.compile(r"`([A-Za-z0-9_.][A-Za-z0-9_./*-]*/[A-Za-z0-9_.*-]*)`")


def readme_paths(text: str) -> list[str]:
    """Relative links, and repository paths in backticks (`app/jsonl.py`, `tests/bench/`)."""
    found = [m for m in _LINK.findall(text) if not re.match(r"[a-z]+:|#", m)]
    for path in _CODE_PATH.findall(text):
        top = path.split("/", 1)[0]
        if top in {"app", "checkers", "tests", "docs", "resources", ".ci"}:
            found.append(path)
    return [p.split("#", 1)[0] for p in found]


def test_every_path_the_readme_names_exists() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    names = readme_paths(text)
    assert "docs/architecture.md" in names
    missing = [n for n in names if not (list(REPO.glob(n)) if "*" in n else (REPO / n).exists())]
    assert missing == []


def test_the_readme_path_finder_sees_links_and_code_paths() -> None:
    text = "See [the design](docs/nowhere.md), [web](https://x.org), `app/gone.py`, `DIR/x`."
    assert readme_paths(text) == ["docs/nowhere.md", "app/gone.py"]
