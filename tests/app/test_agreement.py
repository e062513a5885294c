"""Reviewer agreement: kappa and alpha against published examples, ratings from a real corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.agreement import (
    agreement_report,
    cohen_kappa,
    format_report,
    format_value,
    krippendorff_alpha_nominal,
    observed_agreement,
    reviewer_labels,
)
from app.cli import main
from app.corpus import Corpus
from tests.app.data.records import make_record


def _table(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[list[bool], list[bool]]:
    """Two raters' values from a 2×2 table (rows: rater A yes/no; columns: rater B yes/no)."""
    a = [True] * (yes_yes + yes_no) + [False] * (no_yes + no_no)
    b = [True] * yes_yes + [False] * yes_no + [True] * no_yes + [False] * no_no
    return a, b


@pytest.mark.parametrize(("cells", "expected"), [
    # Wikipedia, "Cohen's kappa", worked example (50 grant proposals): p_o = 0.7, p_e = 0.5.
    ((20, 5, 10, 15), 0.4),
    # Wikipedia, same article: equal observed agreement (0.6) but different kappas.
    ((45, 15, 25, 15), 0.1304),
    ((25, 35, 5, 35), 0.2593),
])
def test_cohen_kappa_matches_published_tables(cells: tuple[int, int, int, int],
                                              expected: float) -> None:
    a, b = _table(*cells)
    assert cohen_kappa(a, b) == pytest.approx(expected, abs=5e-5)


def _columns(rows: list[str], missing: str) -> list[list[str]]:
    return [[v for v in column if v != missing] for column in zip(*(r.split() for r in rows),
                                                                   strict=True)]


def test_krippendorff_alpha_matches_wikipedia_example() -> None:
    # Wikipedia, "Krippendorff's alpha", computational example: 3 coders, 15 units; α_nominal = 0.691.
    units = _columns([
        "* * * * * 3 4 1 2 1 1 3 3 * 3",
        "1 * 2 1 3 3 4 3 * * * * * * *",
        "* * 2 1 3 4 4 * 2 1 1 3 3 * 4",
    ], "*")
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.691, abs=5e-4)


def test_krippendorff_alpha_matches_krippendorff_2011_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    # 4 observers, 12 units, missing values; α_nominal = 0.743.
    units = _columns([
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ], ".")
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_degenerate_cases_are_undefined() -> None:
    assert cohen_kappa([], []) is None
    assert cohen_kappa([True, True], [True, True]) is None  # no variation: chance agreement is 1
    assert cohen_kappa([True, False], [False, True]) == pytest.approx(-1.0)
    assert krippendorff_alpha_nominal([["a"], ["b"]]) is None  # nothing pairable
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "a", "a"]]) is None
    assert observed_agreement([["a"]]) is None
    assert observed_agreement([["a", "a"], ["a", "b"]]) == pytest.approx(0.5)
    assert format_value(None) == "n/a" and format_value(0.4) == "0.400"
    with pytest.raises(ValueError, match="equally long"):
        cohen_kappa([True], [])


def _two_reviewer_corpus(path: Path) -> list[str]:
    """50 cases rated by ann and bob as in the Wikipedia 2×2 table on ``real-error``; every case
    also gets ``skip`` from both (no variation), so ``skip`` is n/a."""
    a, b = _table(20, 5, 10, 15)
    with Corpus(path) as c:
        ids = [c.upsert_record(make_record(i)) for i in range(50)]
        for cid, ann, bob in zip(ids, a, b, strict=True):
            c.add_labels(cid, ["skip", *(["real-error"] if ann else [])], reviewer="ann")
            # bob takes ann's label off where he disagrees, and adds his own where she did not.
            if ann and not bob:
                c.remove_labels(cid, ["real-error"], reviewer="bob")
            if bob and not ann:
                c.add_labels(cid, ["real-error"], reviewer="bob")
            if ann and bob:
                # Agreeing with a label already there leaves no event; bob re-applies it.
                c.remove_labels(cid, ["real-error"], reviewer="bob")
                c.add_labels(cid, ["real-error"], reviewer="bob")
            c.remove_labels(cid, ["skip"], reviewer="bob")
            c.add_labels(cid, ["skip"], reviewer="bob")
        # A case only one reviewer touched is not part of the agreement.
        solo = c.upsert_record(make_record(99))
        c.add_labels(solo, ["needs-context"], reviewer="ann")
    return ids


def test_reviewer_labels_replays_each_reviewers_history(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with Corpus(path) as c:
        cid = c.upsert_record(make_record(1))
        c.add_labels(cid, ["real-error", "skip"], reviewer="ann")
        c.remove_labels(cid, ["real-error"], reviewer="bob")  # bob: not real-error
        c.add_labels(cid, ["needs-context"], reviewer="bob")
        c.remove_labels(cid, ["skip"], reviewer="ann")
        ratings = reviewer_labels(c)
    # ann still rates it real-error: bob's removal is his "no", not a change of her rating.
    assert ratings == {cid: {"ann": frozenset({"real-error"}),
                             "bob": frozenset({"needs-context"})}}


def test_two_reviewers_kappa_from_a_real_corpus(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    ids = _two_reviewer_corpus(path)
    with Corpus(path) as c:
        report = agreement_report(c)
    assert report.reviewers == ("ann", "bob") and report.items == 50
    real = report.label("real-error")
    assert real is not None
    assert real.method == "kappa" and real.kappa == pytest.approx(0.4)
    assert real.value == real.kappa and real.observed == pytest.approx(0.7)
    assert (real.items, real.disagreements) == (50, 15)
    skip = report.label("skip")
    assert skip is not None and skip.kappa is None and skip.observed == pytest.approx(1.0)
    unused = report.label("polonius-unsound")  # in the label set, never used
    assert unused is not None and unused.value is None
    a, b = _table(20, 5, 10, 15)
    assert report.disagreements == {
        cid: ["real-error"] for cid, x, y in zip(ids, a, b, strict=True) if x != y}
    text = format_report(report)
    assert "real-error" in text and "0.400" in text and "n/a" in text


def test_merged_jsonl_of_two_reviewers_keeps_both_ratings(tmp_path: Path) -> None:
    """Two reviewers label the same cases in their own corpora; the merged corpus gives kappa."""
    a, b = _table(20, 5, 10, 15)
    files = []
    for who, votes in (("ann", a), ("bob", b)):
        with Corpus(tmp_path / f"{who}.sqlite3") as c:
            for i, vote in enumerate(votes):
                cid = c.upsert_record(make_record(i))
                c.add_labels(cid, ["real-error"] if vote else ["skip"], reviewer=who)
            files.append(tmp_path / f"{who}.jsonl")
            c.export_jsonl(files[-1])
    with Corpus(tmp_path / "merged.sqlite3") as merged:
        for file in files:
            merged.import_jsonl(file, reviewer="importer")
        report = agreement_report(merged)
    assert report.reviewers == ("ann", "bob")
    real = report.label("real-error")
    assert real is not None and real.kappa == pytest.approx(0.4)
    # "skip" is the complement of "real-error" for each reviewer here: the same table.
    skip = report.label("skip")
    assert skip is not None and skip.kappa == pytest.approx(0.4)


def test_three_reviewers_use_alpha(tmp_path: Path) -> None:
    # The Krippendorff (2011) data restricted to value 2 as a yes/no label, via a real corpus.
    rows = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3",
            ". 3 3 3 2 3 4 2 2 5 1 .", "1 2 3 3 2 4 4 1 2 5 1 ."]
    reviewers = ("ann", "bob", "cyd", "dan")
    with Corpus(tmp_path / "merged.sqlite3") as merged:
        for who, row in zip(reviewers, rows, strict=True):
            # Each reviewer labels independently in their own corpus; the JSONL files are merged.
            with Corpus(tmp_path / f"{who}.sqlite3") as own:
                for i, value in enumerate(row.split()):
                    cid = own.upsert_record(make_record(i))
                    if value != ".":
                        own.add_labels(cid, ["real-error" if value == "2" else "skip"],
                                       reviewer=who)
                own.export_jsonl(tmp_path / f"{who}.jsonl")
            merged.import_jsonl(tmp_path / f"{who}.jsonl")
        report = agreement_report(merged)
    real = report.label("real-error")
    assert real is not None and real.method == "alpha" and real.kappa is None
    assert real.reviewers == reviewers and real.items == 11  # unit 12 has one rating
    # By hand: coincidences o_TT = 10, o_TF = o_FT = 3, o_FF = 24; n_T = 13, n_F = 27, n = 40;
    # alpha = 1 - (n - 1)(o_TF + o_FT) / (2 n_T n_F) = 1 - 39·6 / 702 = 2/3.
    assert real.value == pytest.approx(2 / 3)


def test_stats_agreement_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.sqlite3"
    _two_reviewer_corpus(path)
    assert main(["stats", "--corpus", str(path), "--agreement"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("real-error"))
    assert "kappa" in line and "0.400" in line and "0.700" in line
    skip = next(x for x in out.splitlines() if x.strip().startswith("skip"))
    assert "n/a" in skip
    assert "50 cases rated by two or more reviewers" in out


def test_stats_agreement_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.sqlite3"
    ids = _two_reviewer_corpus(path)
    assert main(["stats", "--corpus", str(path), "--agreement", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    agreement = data["agreement"]
    assert agreement["reviewers"] == ["ann", "bob"] and agreement["items"] == 50
    real = agreement["labels"]["real-error"]
    assert real["method"] == "kappa" and real["value"] == pytest.approx(0.4)
    assert agreement["labels"]["skip"]["value"] is None
    assert len(agreement["disagreements"]) == 15 and set(agreement["disagreements"]) <= set(ids)
    assert main(["stats", "--corpus", str(path), "--json"]) == 0
    assert "agreement" not in json.loads(capsys.readouterr().out)
