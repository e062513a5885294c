"""`ptriage dataset` on a real corpus: card front matter, cases, re-proved pairs, near duplicates."""

from __future__ import annotations

import json
import random
import re
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.agreement import agreement_report
from app.cli import main
from app.corpus import Corpus
from app.dataset import (
    EPOCH_TAGS,
    VERDICT_TAGS,
    DatasetCancelled,
    DuplicateIndex,
    assign_splits,
    build_dataset,
    epoch_tag,
    near_duplicates,
    normalised_tokens,
    parse_splits,
    split_unit,
)
from checkers.engine import check_file, check_source
from checkers.errors import InputError
from checkers.model import VERDICTS
from checkers.patterns import EPOCH_IDS
from tests.app.data.records import make_record
from tests.conftest import EXAMPLES

CASE_FIELDS = {"id", "source", "edition", "verdict", "labels", "epoch_tags", "functions",
               "origin", "toolchain", "toolchain_fingerprint", "near_duplicate_group",
               "reviewer_labels"}
PAIR_FIELDS = {"id", "case_id", "pattern", "function", "line", "end_line", "rejected", "chosen",
               "evidence", "reason", "labels", "epoch_tags"}

#: Workaround files whose findings the engine confirms, plus a candidate, an epoch and a direct form.
FILES = ("check-then-relookup/workaround.rs", "entry-owned-key/workaround.rs",
         "index-instead-of-reference/workaround.rs", "option-take-put-back/workaround.rs",
         "epoch-try-macro/workaround.rs", "check-then-relookup/direct.rs")


def _renamed_and_reformatted(source: str) -> str:
    """The same code with identifiers consistently renamed, comments gone, layout changed."""
    for old, new in (("sessions", "table"), ("Session", "Slot"), ("hits", "uses"),
                     ("cursor", "pos"), ("lines", "rows"), ("user", "owner")):
        source = re.sub(rf"\b{old}\b", new, source)
    source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))
    return re.sub(r"\n\s+", "\n", source).replace(" {\n", "\n{\n") + "\n"


def _nearly(source: str) -> str:
    """A near duplicate: one string literal and one number changed."""
    return source.replace('"just inserted"', '"inserted a moment ago"').replace("hits: 1",
                                                                                  "hits: 2")


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real corpus: engine-checked (and confirmed) cases, near duplicates of one of them, and
    labels from two reviewers who labelled independently and merged via JSONL."""
    base = tmp_path_factory.mktemp("dataset")
    path = base / "corpus.sqlite3"
    ids: dict[str, str] = {}
    original = (EXAMPLES / "check-then-relookup" / "workaround.rs").read_text(encoding="utf-8")
    with Corpus(path) as c:
        for name in FILES:
            record = check_file(EXAMPLES / name, confirm=True).to_record()
            ids[name] = c.upsert_record(record)
        for key, source in (("renamed", _renamed_and_reformatted(original)),
                            ("near", _nearly(original))):
            record = check_source(source, confirm=True, origin={"path": f"{key}.rs"}).to_record()
            ids[key] = c.upsert_record(record)
        c.export_jsonl(base / "all.jsonl")
    # Two reviewers, each in their own corpus, then merged: the agreement comes from both.
    votes = {"ann": ("workaround-removable", "workaround-removable", "real-error", "skip"),
             "bob": ("workaround-removable", "real-error", "real-error", "skip")}
    labelled = [ids[FILES[0]], ids[FILES[1]], ids[FILES[2]], ids[FILES[3]]]
    for who, chosen in votes.items():
        with Corpus(base / f"{who}.sqlite3") as own:
            own.import_jsonl(base / "all.jsonl")
            for cid, label in zip(labelled, chosen, strict=True):
                own.add_labels(cid, [label], reviewer=who)
            own.export_jsonl(base / f"{who}.jsonl")
        with Corpus(path) as c:
            c.import_jsonl(base / f"{who}.jsonl")
    return {"path": path, "ids": ids}


def _front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    head, _sep, _rest = card[4:].partition("\n---\n")
    data = yaml.safe_load(head)
    assert isinstance(data, dict)
    return data


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def dataset(corpus_path: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "ds"
    code = main(["dataset", "--corpus", str(corpus_path["path"]), "--out", str(out),
                 "--split", "train=0.5,test=0.5"])
    assert code == 0
    return out


@pytest.mark.toolchains
def test_card_front_matter_parses_and_names_existing_files(dataset: Path) -> None:
    card = (dataset / "README.md").read_text(encoding="utf-8")
    meta = _front_matter(card)
    assert meta["license"] and meta["language"] and "rust" in meta["tags"]
    assert meta["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c["data_files"] for c in meta["configs"]}
    assert set(configs) == {"cases", "pairs"}
    for name, files in configs.items():
        listed = {f["split"] for f in files}
        rows = _lines(dataset / "data" / f"{name}.jsonl")
        assert listed == {r["split"] for r in rows}  # every split with rows, no empty one
        for entry in files:
            assert _lines(dataset / entry["path"]), entry  # exists and has rows
    assert (dataset / "data" / "cases.jsonl").is_file()
    assert (dataset / "data" / "pairs.jsonl").is_file()
    # The prose: every label defined, toolchains with `rustc -vV`, counts, agreement, command.
    for label in ("workaround-removable", "real-error", "skip", "needs-context"):
        assert re.search(rf"\| `{label}` \| \w", card), label
    assert "commit-hash:" in card and "-Zpolonius=next" in card and "-Zpolonius=legacy" in card
    assert "| `clean` |" in card and "nll-workaround:check-then-relookup" in card
    assert "ptriage dataset --out" in card and "--split train=0.5,test=0.5" in card


@pytest.mark.toolchains
def test_cases_jsonl_one_line_per_case_with_the_documented_fields(
        dataset: Path, corpus_path: dict[str, Any]) -> None:
    rows = _lines(dataset / "data" / "cases.jsonl")
    with Corpus(corpus_path["path"]) as c:
        assert len(rows) == c.count() == len(FILES) + 2
        records = {r["id"]: r for r in c.iter_records()}
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        assert set(row) == CASE_FIELDS | {"split"}
        record = records[row["id"]]
        assert row["source"] == record["source"] and row["labels"] == record["labels"]
        assert row["toolchain"]["stable"]["rustc"] == record["checks"]["stable"]["rustc"]
        assert row["toolchain"]["polonius"]["flags"] == ["-Zpolonius=next"]
    ids = corpus_path["ids"]
    # Each reviewer's own labels, next to the corpus's union of them.
    entry = by_id[ids["entry-owned-key/workaround.rs"]]
    assert entry["reviewer_labels"] == {"ann": ["workaround-removable"], "bob": ["real-error"]}
    assert entry["labels"] == ["real-error", "workaround-removable"]
    assert by_id[ids["renamed"]]["reviewer_labels"] == {}
    relookup = by_id[ids["check-then-relookup/workaround.rs"]]["epoch_tags"]
    assert relookup == ["nll-workaround:check-then-relookup", "nll:accepts"]
    # An unproven finding is a candidate, never an nll-workaround.
    take = by_id[ids["option-take-put-back/workaround.rs"]]["epoch_tags"]
    assert "candidate:option-take-put-back" in take
    assert not any(t.startswith("nll-workaround:") for t in take)
    assert "pre-2018:try-macro" in by_id[ids["epoch-try-macro/workaround.rs"]]["epoch_tags"]
    assert "polonius:accepts" in by_id[ids["check-then-relookup/direct.rs"]]["epoch_tags"]
    # Split files hold exactly the rows of their split.
    for split in ("train", "test"):
        part = _lines(dataset / "data" / split / "cases.jsonl")
        assert [r["id"] for r in part] == [r["id"] for r in rows if r["split"] == split]


@pytest.mark.toolchains
def test_every_pair_is_reproved_by_the_real_engine(dataset: Path,
                                                   corpus_path: dict[str, Any]) -> None:
    pairs = _lines(dataset / "data" / "pairs.jsonl")
    with Corpus(corpus_path["path"]) as c:
        confirmed = [(r["id"], f["id"], f["line"]) for r in c.iter_records()
                     for f in r["patterns"] if f["confirmed"] is True]
    assert len(confirmed) >= 4
    assert sorted((p["case_id"], p["pattern"], p["line"]) for p in pairs) == sorted(confirmed)
    for pair in pairs:
        assert set(pair) == PAIR_FIELDS | {"split"}
        edition = "2021"
        rejected = check_source(pair["rejected"], edition=edition, patterns=False)
        chosen = check_source(pair["chosen"], edition=edition, patterns=False)
        assert rejected.checks["stable"].accepted is True, pair["id"]
        assert chosen.checks["stable"].accepted is False, pair["id"]
        assert chosen.checks["stable"].errors and all(
            d.borrowck for d in chosen.checks["stable"].errors), pair["id"]
        assert chosen.checks["polonius"].accepted is True, pair["id"]
        assert chosen.checks["polonius-legacy"].accepted is True, pair["id"]
        # Only the one function changed (rewrites keep the line count).
        before, after = pair["rejected"].splitlines(), pair["chosen"].splitlines()
        assert len(before) == len(after)
        changed = [n + 1 for n, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
        assert changed and pair["line"] <= changed[0] and changed[-1] <= pair["end_line"]
        assert pair["evidence"]["chosen"]["stable"]["accepted"] is False
        assert pair["evidence"]["rejected"]["stable"]["accepted"] is True
        assert pair["evidence"]["chosen"]["verdict"] == chosen.verdict == "polonius-accepts"
        assert set(pair["evidence"]["chosen"]) == {"verdict", *chosen.checks}
        assert pair["evidence"]["chosen"]["nightly"]["accepted"] is False  # NLL on nightly too
        assert pair["evidence"]["rejected"]["verdict"] == rejected.verdict == "clean"


@pytest.mark.toolchains
def test_near_duplicates_share_a_group_and_a_split(dataset: Path,
                                                   corpus_path: dict[str, Any]) -> None:
    ids = corpus_path["ids"]
    rows = {r["id"]: r for r in _lines(dataset / "data" / "cases.jsonl")}
    family = [ids["check-then-relookup/workaround.rs"], ids["renamed"], ids["near"]]
    assert len({rows[cid]["near_duplicate_group"] for cid in family}) == 1
    assert len({rows[cid]["split"] for cid in family}) == 1
    others = {rows[cid]["near_duplicate_group"] for name, cid in ids.items()
              if cid not in family}
    assert rows[family[0]]["near_duplicate_group"] not in others
    pairs = _lines(dataset / "data" / "pairs.jsonl")
    assert {p["split"] for p in pairs if p["case_id"] in family} == {rows[family[0]]["split"]}
    with Corpus(corpus_path["path"]) as c:
        found = near_duplicates(c, family[0][:8])
    assert [d.id for d in found if d.exact] == [ids["renamed"]]
    assert ids["near"] in [d.id for d in found if not d.exact and not d.through_direct_form]


@pytest.mark.toolchains
def test_a_case_duplicating_a_direct_form_goes_to_the_workarounds_split(
        dataset: Path, corpus_path: dict[str, Any], tmp_path: Path) -> None:
    """check-then-relookup/direct.rs is not a near duplicate of the workaround file, but of the
    `chosen` side of its pairs: it must not land in another split (it would leak the answer)."""
    ids = corpus_path["ids"]
    rows = {r["id"]: r for r in _lines(dataset / "data" / "cases.jsonl")}
    direct, workaround = ids["check-then-relookup/direct.rs"], ids["check-then-relookup/workaround.rs"]
    assert rows[direct]["near_duplicate_group"] != rows[workaround]["near_duplicate_group"]
    assert rows[direct]["split"] == rows[workaround]["split"]
    with Corpus(corpus_path["path"]) as c:
        found = {d.id: d for d in near_duplicates(c, workaround)}
    assert found[direct].through_direct_form and found[direct].similarity >= 0.8
    assert ids["epoch-try-macro/workaround.rs"] not in found
    # Fractions under which the two groups, taken alone, would land in different splits:
    # the dataset must still put both cases in one split.
    alone = {"d": "group:" + rows[direct]["near_duplicate_group"],
             "w": "group:" + rows[workaround]["near_duplicate_group"]}
    apart = next(splits for f in range(1, 20)
                 if len(set(assign_splits(alone, splits := parse_splits(
                     f"a={f / 20:g},b={1 - f / 20:g}")).values())) == 2)
    with Corpus(corpus_path["path"]) as c:
        build_dataset(c, tmp_path / "ds", splits=apart)
    split_of = {r["id"]: r["split"] for r in _lines(tmp_path / "ds" / "data" / "cases.jsonl")}
    assert split_of[direct] == split_of[workaround]


@pytest.mark.toolchains
def test_dedupe_keeps_one_per_group_and_the_card_says_how_many_went(
        corpus_path: dict[str, Any], tmp_path: Path) -> None:
    with Corpus(corpus_path["path"]) as c:
        report = build_dataset(c, tmp_path / "ds", dedupe=True)
    assert report.dropped_duplicates == 2
    rows = _lines(tmp_path / "ds" / "data" / "cases.jsonl")
    assert len(rows) == len(FILES)
    # The kept member is the labelled original (most labels wins).
    assert corpus_path["ids"]["check-then-relookup/workaround.rs"] in {r["id"] for r in rows}
    card = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert "dropped as duplicates: 2" in card
    meta = _front_matter(card)
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "data/cases.jsonl"}]


@pytest.mark.toolchains
def test_card_reports_the_two_reviewers_agreement(dataset: Path,
                                                  corpus_path: dict[str, Any]) -> None:
    with Corpus(corpus_path["path"]) as c:
        report = agreement_report(c)
    assert report.reviewers == ("ann", "bob") and report.items == 4
    removable = report.label("workaround-removable")
    # ann: yes yes no no, bob: yes no no no → p_o = 3/4, p_e = 1/2·1/4 + 1/2·3/4 = 1/2, κ = 1/2.
    assert removable is not None and removable.kappa == pytest.approx(0.5)
    card = (dataset / "README.md").read_text(encoding="utf-8")
    assert re.search(r"\| `workaround-removable` \| kappa \| 0\.500 \| 0\.750 \| 4 \| 1 \|", card)


@pytest.mark.toolchains
def test_filters_are_those_of_export(corpus_path: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "ds"
    assert main(["dataset", "--corpus", str(corpus_path["path"]), "--out", str(out),
                 "--label", "skip"]) == 0
    rows = _lines(out / "data" / "cases.jsonl")
    assert [r["id"] for r in rows] == [corpus_path["ids"]["option-take-put-back/workaround.rs"]]
    assert _lines(out / "data" / "pairs.jsonl") == []
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "--label skip" in card
    # No pairs: the config is left out (datasets cannot load an empty split) and the card says so.
    assert [c["config_name"] for c in _front_matter(card)["configs"]] == ["cases"]
    assert "not in the front matter" in card and "`pairs`" in card


@pytest.mark.toolchains
def test_a_confirmed_finding_without_its_rewrite_is_rewritten_again(
        corpus_path: dict[str, Any], tmp_path: Path) -> None:
    with Corpus(corpus_path["path"]) as c:
        record = c.get(corpus_path["ids"]["entry-owned-key/workaround.rs"])
    assert record is not None
    stored = record["patterns"][0].pop("rewrite")
    with Corpus(tmp_path / "c.sqlite3") as fresh:
        fresh.upsert_record(record)
        build_dataset(fresh, tmp_path / "ds")
    (pair,) = _lines(tmp_path / "ds" / "data" / "pairs.jsonl")
    assert pair["chosen"] == stored


FEATURE_GATED = """use std::collections::HashMap;

#[cfg(feature = "cache")]
pub fn lookup(map: &mut HashMap<u32, String>, key: u32) -> &mut String {
    if map.contains_key(&key) {
        return map.get_mut(&key).unwrap();
    }
    map.insert(key, String::new());
    map.get_mut(&key).unwrap()
}
"""


@pytest.mark.toolchains
def test_pairs_are_rechecked_with_the_cfg_options_of_their_case(tmp_path: Path) -> None:
    """A workaround proven with --features cache is re-checked with it (without, the function
    is not compiled and nothing would be proven)."""
    record = check_source(FEATURE_GATED, confirm=True, features=("cache",)).to_record()
    assert [p["confirmed"] for p in record["patterns"]] == [True]
    with Corpus(tmp_path / "c.sqlite3") as c:
        c.upsert_record(record)
        report = build_dataset(c, tmp_path / "ds")
    assert (report.pairs, dict(report.pairs_skipped)) == (1, {})
    (pair,) = _lines(tmp_path / "ds" / "data" / "pairs.jsonl")
    assert pair["evidence"]["chosen"]["verdict"] == "polonius-accepts"
    assert pair["evidence"]["rejected"]["verdict"] == "clean"


@pytest.mark.toolchains
def test_cancel_writes_nothing(corpus_path: dict[str, Any], tmp_path: Path) -> None:
    cancel = threading.Event()
    seen: list[str] = []

    def progress(_fraction: float, message: str) -> None:
        seen.append(message)
        if message.startswith("re-checking 1 of "):
            cancel.set()

    with Corpus(corpus_path["path"]) as c, pytest.raises(DatasetCancelled):
        build_dataset(c, tmp_path / "ds", progress=progress, cancel=cancel)
    assert not (tmp_path / "ds").exists() and list(tmp_path.iterdir()) == []
    assert any(m.startswith("re-checking 1 of ") for m in seen)
    assert not any(m.startswith("wrote") for m in seen)


@pytest.mark.toolchains
def test_cli_refuses_a_non_empty_directory(corpus_path: dict[str, Any], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    code = main(["dataset", "--corpus", str(corpus_path["path"]), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "not empty" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert main(["dataset", "--corpus", str(corpus_path["path"]),
                 "--show-duplicates", corpus_path["ids"]["renamed"][:10]]) == 0
    assert "same tokens" in capsys.readouterr().out


# -- without toolchains ----------------------------------------------------------------------


def test_normalised_tokens_ignore_layout_comments_and_names() -> None:
    a = "fn f(x: u32) -> u32 { let y = x + 1; y } // one\n"
    b = "// renamed\nfn   g( a :u32 )->u32{\n  let  b=a+1 ; /* c */ b\n}\n"
    c = "fn f(x: u32) -> u32 { let y = x + 2; y }\n"
    assert normalised_tokens(a) == normalised_tokens(b) != normalised_tokens(c)
    swapped = "fn f(x: u32, y: u32) -> u32 { x - y }"
    other = "fn f(x: u32, y: u32) -> u32 { y - x }"
    assert normalised_tokens(swapped) != normalised_tokens(other)  # renaming is consistent


def test_duplicate_index_groups_near_copies_only() -> None:
    body = "\n".join(f"    total += values[{i}] * weights[{i}];" for i in range(30))
    base = (f"fn score(values: &[u32], weights: &[u32]) -> u32 {{\n    let mut total = 0;\n"
            f"{body}\n    total\n}}\n")
    renamed = base.replace("values", "xs").replace("weights", "ws").replace("total", "acc")
    near = base.replace("weights[29]", "weights[28]")
    unrelated = ("struct Point { x: i32, y: i32 }\n"
                 "impl Point { fn norm(&self) -> i32 { self.x.abs() + self.y.abs() } }\n")
    index = DuplicateIndex({"a": base, "b": renamed, "c": near, "d": unrelated})
    assert index.group_of == {"a": "a", "b": "a", "c": "a", "d": "d"}
    near_a = index.near("a")
    assert [(d.id, d.exact) for d in near_a] == [("b", True), ("c", False)]
    assert 0.8 <= near_a[1].similarity < 1.0
    with pytest.raises(InputError, match="threshold"):
        DuplicateIndex({}, threshold=0.0)


def test_splits_are_parsed_strictly_and_assigned_deterministically() -> None:
    assert parse_splits("train=0.9,test=0.1") == (("train", 0.9), ("test", 0.1))
    for bad in ("train=0.9", "train=0.5,train=0.5", "train=x,test=1", "=1", "train:1"):
        with pytest.raises(InputError):
            parse_splits(bad)
    units = {f"case{n}": f"group:{n // 3}" for n in range(300)}
    splits = parse_splits("train=0.8,test=0.2")
    first = assign_splits(units, splits)
    assert first == assign_splits(dict(reversed(list(units.items()))), splits)
    for n in range(0, 300, 3):
        assert first[f"case{n}"] == first[f"case{n + 1}"] == first[f"case{n + 2}"]
    share = sum(v == "test" for v in first.values()) / len(first)
    assert 0.1 < share < 0.3
    crate = {"id": "x", "origin": {"path": "src/lib.rs", "package": "serde", "target": "lib"}}
    assert split_unit(crate, "g1") == "crate:serde"
    assert split_unit({"id": "y", "origin": {"path": "a.rs"}}, "g1") == "group:g1"


def _distinct_source(n: int) -> str:
    rng = random.Random(n)
    shapes = ("let {a} = {b}.len() + {n};", "{a}.push({b});", "if {a} > {n} {{ return; }}",
              "for {a} in 0..{n} {{ {b} += {a}; }}", "{a}.insert({b}, {n});",
              "let {a} = {b}.iter().map(|x| x * {n}).sum::<u32>();", "{a}.retain(|x| *x != {n});")
    names = ("map", "key", "value", "node", "buf", "cache", "slot", "count")
    body = [rng.choice(shapes).format(a=rng.choice(names), b=rng.choice(names),
                                      n=rng.randrange(1000)) for _ in range(12)]
    return f"fn f{n}() {{\n" + "\n".join(body) + "\n}\n"


def test_audit_records_of_one_crate_share_a_split(tmp_path: Path) -> None:
    crates = ("alpha", "beta", "gamma")
    with Corpus(tmp_path / "c.sqlite3") as c:
        for i in range(30):
            # n divisible by 3: make_record gives no findings, so no pair needs a compiler.
            record = make_record(3 * i, source=_distinct_source(i))
            record["origin"] = {"path": f"src/m{i}.rs", "line": 1, "package": crates[i % 3]}
            c.upsert_record(record)
        report = build_dataset(c, tmp_path / "ds", splits=parse_splits("train=0.5,test=0.5"))
    rows = _lines(tmp_path / "ds" / "data" / "cases.jsonl")
    assert report.groups == 30  # distinct code: only the crate holds them together
    for crate in crates:
        assert len({r["split"] for r in rows if r["origin"]["package"] == crate}) == 1, crate


def test_every_verdict_has_its_own_tag() -> None:
    assert set(VERDICT_TAGS) == set(VERDICTS)
    assert len(set(VERDICT_TAGS.values())) == len(VERDICTS)


def test_every_epoch_id_has_a_distinct_tag() -> None:
    assert set(EPOCH_TAGS) <= set(EPOCH_IDS)  # no stale entries
    tags = [epoch_tag(e) for e in EPOCH_IDS]  # ids new to the catalog get `epoch:<name>`
    assert len(set(tags)) == len(tags) and all(re.fullmatch(r"[a-z0-9.-]+:[a-z0-9.-]+", t)
                                               for t in tags)
    assert epoch_tag("epoch-try-macro") == "pre-2018:try-macro"
    assert epoch_tag("epoch-new-thing") == "epoch:new-thing"


def test_cli_usage_errors_are_one_line_and_write_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = str(tmp_path / "c.sqlite3")
    for argv, words in (
            (["--out", str(tmp_path / "a"), "--threshold", "1.5"], "threshold"),
            (["--out", str(tmp_path / "b"), "--split", "train=0.9"], "add up to 0.9"),
            ([], "give --out DIR")):
        assert main(["dataset", "--corpus", corpus, *argv]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.sqlite3"]
    # An empty corpus still gives a valid (empty) dataset: no config names a missing file.
    assert main(["dataset", "--corpus", corpus, "--out", str(tmp_path / "empty")]) == 0
    card = (tmp_path / "empty" / "README.md").read_text(encoding="utf-8")
    assert _front_matter(card)["configs"] == []
