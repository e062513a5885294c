"""`build_dataset`: from corpus records to DIR/README.md, DIR/data/cases.jsonl and pairs.jsonl."""

from __future__ import annotations

import os
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import jsonl
from app.agreement import agreement_from, reviewer_labels_of
from app.dataset.card import DatasetReport, render_card, rustc_identities
from app.dataset.dedupe import DEFAULT_THRESHOLD, DuplicateIndex
from app.dataset.errors import DatasetError
from app.dataset.pairs import (
    Check,
    Side,
    cfg_of,
    check_cancel,
    direct_form,
    function_at,
    pair_problem,
    recheck,
    role_evidence,
)
from app.dataset.splits import assign_splits, join_units
from app.dataset.tags import epoch_tags, toolchain_fingerprint, toolchain_of
from checkers.errors import InputError

if TYPE_CHECKING:
    from app.corpus import Corpus
    from checkers.model import CancelFlag
    from checkers.toolchains import Toolchains


def _keep_rank(record: Mapping[str, Any]) -> tuple[int, int, str]:
    proven = sum(1 for p in record.get("patterns", ()) if p.get("confirmed") is True)
    return (-len(record.get("labels", ())), -proven, record["id"])


def _write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(jsonl.dumps_record(dict(row)))
            handle.write("\n")


def _not_dataset_entry(folder: Path) -> str | None:
    """A name in ``folder`` that a dataset written by this module does not have, or None."""
    for entry in sorted(folder.iterdir()):
        if entry.name not in ("README.md", "data"):
            return entry.name
    card = folder / "README.md"
    if not card.is_file() or not card.read_text(encoding="utf-8", errors="replace").startswith(
            "---\n"):
        return "no dataset card README.md"
    return None


def build_dataset(corpus: Corpus, out: Path | str, *, filters: Mapping[str, Any] | None = None,
                  dedupe: bool = False, splits: Sequence[tuple[str, float]] = (),
                  threshold: float = DEFAULT_THRESHOLD, license_id: str = "unknown",
                  command: str = "ptriage dataset", check: Check | None = None,
                  toolchains: Toolchains | None = None, force: bool = False,
                  progress: Callable[[float, str], None] | None = None,
                  cancel: CancelFlag | None = None) -> DatasetReport:
    """Write ``out/README.md`` (the card), ``out/data/cases.jsonl`` and ``out/data/pairs.jsonl``
    (plus per-split copies with ``splits``) for the corpus cases that ``filters`` select.

    Each confirmed workaround is re-checked on both sides with ``check`` (default: the real
    engine with ``toolchains``) and becomes a pair only when the evidence proves it. The
    directory is built beside ``out`` and moved into place, so a failure while writing leaves
    ``out`` as it was. ``out`` must be absent or empty unless ``force``, which replaces only a
    dataset written before (never a folder holding anything else). ``progress``
    gets (fraction, message); setting ``cancel`` (anything with ``is_set()``) stops the build
    with :class:`DatasetCancelled` before anything is written.
    """
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"near-duplicate threshold {threshold:g} must be in (0, 1]; 0.8 is the "
                         "default")
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise DatasetError(f"{target} is a file; give --out a directory")
    if target.exists() and any(target.iterdir()):
        if not force:
            raise DatasetError(f"{target} exists and is not empty; choose a new directory or "
                               "pass --force to replace it")
        stranger = _not_dataset_entry(target)
        if stranger is not None:
            # --force deletes the folder: never one the user keeps other things in (`--out .`).
            raise DatasetError(f"{target} is not a ptriage dataset (it holds {stranger}); "
                               "--force only replaces a dataset: choose a new directory")
    records = {r["id"]: r for r in corpus.iter_records(**dict(filters or {}))}
    label_names = sorted({lab.name for lab in corpus.labels()}
                         | {lab for r in records.values() for lab in r["labels"]})
    confirmed = [(record, f) for record in records.values() for f in record.get("patterns", ())
                 if f.get("confirmed") is True]
    direct_of = {(record["id"], n): direct_form(record, finding)
                 for n, (record, finding) in enumerate(confirmed)}
    attached: dict[str, list[str]] = defaultdict(list)
    for (cid, _n), direct in direct_of.items():
        if direct is not None:
            attached[cid].append(direct)
    if progress is not None:
        progress(0.05, f"grouping {len(records)} cases")
    index = DuplicateIndex({cid: r["source"] for cid, r in records.items()}, threshold=threshold,
                           attached=attached)
    kept = dict(records)
    dropped = 0
    if dedupe:
        for members in index.groups.values():
            keep = min((records[m] for m in members), key=_keep_rank)["id"]
            for m in members:
                if m != keep:
                    del kept[m]
                    dropped += 1
    split_of = assign_splits(join_units(kept, index.split_group_of), splits) if splits else {}
    ratings = reviewer_labels_of(records.values())

    cases = []
    for cid, record in kept.items():
        toolchain = toolchain_of(record)
        row: dict[str, Any] = {
            "id": cid, "source": record["source"], "edition": record["edition"],
            "verdict": record["verdict"], "labels": record["labels"],
            "epoch_tags": epoch_tags(record), "functions": record.get("functions", []),
            "origin": record.get("origin"), "toolchain": toolchain,
            "toolchain_fingerprint": toolchain_fingerprint(toolchain),
            "near_duplicate_group": index.group_of[cid],
            "reviewer_labels": {who: sorted(labels) for who, labels in
                                ratings.get(cid, {}).items()},
        }
        if split_of:
            row["split"] = split_of[cid]
        cases.append(row)

    pairs: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    todo: list[tuple[Mapping[str, Any], Mapping[str, Any], str]] = []
    for n, (record, finding) in enumerate(confirmed):
        if record["id"] not in kept:
            continue  # dropped as a duplicate: its pairs go with it
        direct = direct_of[(record["id"], n)]
        if direct is None:
            skipped["no mechanical rewrite any more"] += 1
            continue
        todo.append((record, finding, direct))
    def side(record: Mapping[str, Any], source: str) -> Side:
        return (source, record["edition"], *cfg_of(record))

    sides = list(dict.fromkeys(s for record, _f, direct in todo
                               for s in (side(record, record["source"]), side(record, direct))))
    triages = recheck(sides, check=check, toolchains=toolchains, cancel=cancel,
                       progress=progress)
    for record, finding, direct in todo:
        before, after = side(record, record["source"]), side(record, direct)
        if before not in triages or after not in triages:
            skipped["the re-check could not run on it"] += 1
            continue
        evidence = {"rejected": role_evidence(triages[before]),
                    "chosen": role_evidence(triages[after])}
        problem = pair_problem(evidence)
        if problem is not None:
            skipped[problem] += 1
            continue
        pair: dict[str, Any] = {
            "id": f"{record['id']}:{finding['id']}:{finding['line']}",
            "case_id": record["id"], "pattern": finding["id"],
            "function": function_at(record, finding["line"]),
            "line": finding["line"], "end_line": finding["end_line"],
            "rejected": record["source"], "chosen": direct, "evidence": evidence,
            "reason": finding.get("reason", ""), "labels": record["labels"],
            "epoch_tags": epoch_tags(record),
        }
        if split_of:
            pair["split"] = split_of[record["id"]]
        pairs.append(pair)

    report = DatasetReport(
        out=target, cases=len(cases), pairs=len(pairs), groups=len(index.groups),
        dropped_duplicates=dropped, pairs_skipped=dict(skipped),
        splits={name: sum(1 for c in cases if c.get("split") == name) for name, _f in splits},
        command=command)
    agreement = agreement_from(ratings, labels=label_names)
    split_names = [name for name, _f in splits]
    card = render_card(cases=cases, pairs=pairs, label_names=label_names, agreement=agreement,
                       report=report, rustc=rustc_identities(toolchains),
                       license_id=license_id, split_names=split_names, threshold=threshold)

    check_cancel(cancel)
    # Resolved: `.` and `..` have no name to build the staging dir's name from.
    resolved = target.resolve()
    staging = resolved.with_name(f".{resolved.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        (staging / "data").mkdir(parents=True)
        _write_jsonl(staging / "data" / "cases.jsonl", cases)
        _write_jsonl(staging / "data" / "pairs.jsonl", pairs)
        for name in split_names:
            _write_jsonl(staging / "data" / name / "cases.jsonl",
                         (c for c in cases if c["split"] == name))
            _write_jsonl(staging / "data" / name / "pairs.jsonl",
                         (p for p in pairs if p["split"] == name))
        (staging / "README.md").write_text(card, encoding="utf-8", newline="\n")
        if target.exists():
            # Filled in place (it may be the current folder, or a link to one): only a
            # dataset's own entries are replaced (checked above).
            for name in ("README.md", "data"):
                old = resolved / name
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old)
                elif old.exists() or old.is_symlink():
                    old.unlink()
            for entry in staging.iterdir():
                os.replace(entry, resolved / entry.name)
        else:
            os.replace(staging, resolved)
    except OSError as exc:
        raise DatasetError(f"cannot write the dataset to {target}: {exc.strerror or exc}; "
                           "choose a writable directory") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if progress is not None:
        progress(1.0, f"wrote {len(cases)} cases and {len(pairs)} pairs")
    return report
