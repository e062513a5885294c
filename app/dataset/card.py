"""The dataset card: Hugging Face `datasets` front matter, then the prose (fields, labels,
toolchains, counts, agreement, near duplicates, the command line)."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.agreement import AgreementReport, format_value
from app.dataset.dedupe import NUM_PERM, SHINGLE
from app.dataset.tags import LABEL_DEFINITIONS, VERDICT_TAGS
from checkers.errors import CheckerError

if TYPE_CHECKING:
    from checkers.toolchains import Toolchains

_SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                    (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))


def size_category(n: int) -> str:
    """The Hugging Face ``size_categories`` value for ``n`` rows."""
    return next((name for limit, name in _SIZE_CATEGORIES if n < limit), "n>1T")


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _data_files(cases: Sequence[Mapping[str, Any]], pairs: Sequence[Mapping[str, Any]],
                split_names: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Per config, the (split, path) entries of the front matter. Files without rows are left
    out (and a config without rows altogether): `datasets` refuses to load an empty split."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, rows in (("cases", cases), ("pairs", pairs)):
        if split_names:
            present = {row["split"] for row in rows}
            entries = [(s, f"data/{s}/{name}.jsonl") for s in split_names if s in present]
        else:
            entries = [("train", f"data/{name}.jsonl")] if rows else []
        if entries:
            out[name] = entries
    return out


def _front_matter(*, license_id: str, n_cases: int,
                  data_files: Mapping[str, Sequence[tuple[str, str]]]) -> str:
    lines = ["---", f"license: {_yaml_str(license_id)}", "language:", "- en", "- code",
             "pretty_name: \"Rust borrow-check triage: NLL vs Polonius\"", "tags:"]
    lines += [f"- {t}" for t in ("rust", "borrow-checker", "polonius", "nll", "code",
                                 "preference-pairs")]
    lines += ["size_categories:", f"- {size_category(n_cases)}"]
    lines += ["configs:"] if data_files else ["configs: []"]
    for name, entries in data_files.items():
        lines += [f"- config_name: {name}", "  data_files:"]
        for split, path in entries:
            lines += [f"  - split: {split}", f"    path: {path}"]
    lines.append("---")
    return "\n".join(lines)


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


@dataclass(frozen=True, slots=True)
class DatasetReport:
    """What :func:`build_dataset` wrote and left out."""

    out: Path
    cases: int
    pairs: int
    groups: int
    dropped_duplicates: int
    pairs_skipped: Mapping[str, int] = field(default_factory=dict)
    splits: Mapping[str, int] = field(default_factory=dict)
    command: str = ""


def _rustc_vv(toolchains: Toolchains | None) -> dict[str, tuple[str, list[str]]]:
    """Per role: the exact ``rustc -vV`` output of its binary, and its flags."""
    if toolchains is None:
        return {}
    out: dict[str, tuple[str, list[str]]] = {}
    for role in sorted(toolchains.roles):
        info = toolchains.roles[role]
        if not info.available or not info.binary:
            continue
        env = {**os.environ, **dict(info.env)}
        try:
            text = subprocess.run([info.binary, "-vV"], capture_output=True, text=True,
                                  timeout=30, env=env, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError) as exc:
            text = f"(cannot run `{info.binary} -vV`: {exc})"
        out[role] = (text, list(info.flags))
    return out


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("polonius-triage")
    except PackageNotFoundError:
        return "(not installed: run from a source tree)"


def rustc_identities(toolchains: Toolchains | None) -> dict[str, tuple[str, list[str]]]:
    """Per role, ``rustc -vV`` and flags of ``toolchains`` (default: this machine's, when they
    load; else nothing, and the card lists only the identities recorded in the cases)."""
    return _rustc_vv(toolchains or _machine_toolchains())


def _machine_toolchains() -> Toolchains | None:
    """This machine's toolchains for the card, or None (the card then lists recorded ones only)."""
    from checkers.toolchains import load_toolchains

    try:
        return load_toolchains()
    except CheckerError:
        return None


def render_card(*, cases: Sequence[Mapping[str, Any]], pairs: Sequence[Mapping[str, Any]],
                label_names: Sequence[str], agreement: AgreementReport, report: DatasetReport,
                rustc: Mapping[str, tuple[str, list[str]]], license_id: str,
                split_names: Sequence[str], threshold: float) -> str:
    """The dataset card: HF front matter, then what the fields mean and how it was made."""
    data_files = _data_files(cases, pairs, split_names)
    out = [_front_matter(license_id=license_id, n_cases=len(cases), data_files=data_files), ""]
    out += ["# Rust borrow-check triage: NLL vs Polonius", "",
            "Rust code from a `ptriage` corpus, each case compiled with stable rustc (the NLL "
            "borrow checker) and nightly rustc with both Polonius analyses, tagged with the "
            "outdated idioms it uses and labelled by human reviewers. The `pairs` config holds, "
            "for every workaround whose direct form the compiler proved, the workaround code "
            "(`rejected`) and the direct form (`chosen`).", "",
            f"- cases: {len(cases)}", f"- pairs: {len(pairs)}",
            f"- near-duplicate groups: {report.groups} (threshold {threshold:g}); "
            f"dropped as duplicates: {report.dropped_duplicates}"]
    if report.splits:
        out.append("- splits: " + ", ".join(f"{n} {c}" for n, c in report.splits.items()))
    if report.pairs_skipped:
        out.append("- confirmed workarounds not emitted as pairs (the re-check did not prove "
                   "them): " + "; ".join(f"{why}: {n}" for why, n in
                                         sorted(report.pairs_skipped.items())))
    out += ["", "## Files", "",
            "- `data/cases.jsonl`: every exported case, one JSON object a line.",
            "- `data/pairs.jsonl`: the proven workaround → direct-form pairs."]
    if split_names:
        out.append("- `data/<split>/cases.jsonl`, `data/<split>/pairs.jsonl`: the same rows by "
                   "split (a pair goes where its case goes).")
    listed = {(name, split) for name, entries in data_files.items() for split, _p in entries}
    empty = [f"`{name}` {split}" if split_names else f"`{name}`"
             for name in ("cases", "pairs") for split in (split_names or ["train"])
             if (name, split) not in listed]
    if empty:
        out.append("- Without rows, so not in the front matter (`datasets` cannot load an empty "
                   "split): " + ", ".join(empty) + ".")
    out += ["", "## Fields of `cases`", ""]
    out += _table(("field", "meaning"), [
        ("`id`", "sha256 of the edition and the normalised source (the corpus case id)"),
        ("`source`", "the Rust source as checked"),
        ("`edition`", "Rust edition it was checked with"),
        ("`verdict`", "what Polonius changes: `clean` (stable accepts), `polonius-accepts` "
                      "(stable rejects with borrow-check errors, Polonius accepts), "
                      "`needs-full-polonius`, `alpha-only-accepts`, `partial-fix`, "
                      "`both-reject`, `regression`, `other-error`, `not-compiled` (a `cfg` "
                      "removed the code: nothing was checked), `toolchain-error`"),
        ("`labels`", "the case's labels in the corpus (all reviewers' together; definitions "
                     "below)"),
        ("`reviewer_labels`", "per reviewer, the labels that reviewer gave the case (from the "
                              "label history; empty when nobody labelled it)"),
        ("`epoch_tags`", "flat tags: the verdict tag, `nll-workaround:<pattern>` for each "
                         "workaround the compiler proved removable under Polonius, "
                         "`candidate:<pattern>` for a workaround shape not proved (or disproved), "
                         "and idiom-epoch tags such as `pre-2018:try-macro`, `runtime:tokio-0.x`"),
        ("`functions`", "per `fn`: name, first and last line, and its own verdict"),
        ("`origin`", "where the case came from (path, line; crate for audits), or null"),
        ("`toolchain`", "per role, the rustc identity and flags the case was checked with"),
        ("`toolchain_fingerprint`", "digest of `toolchain`: equal for equally checked cases"),
        ("`near_duplicate_group`", "id of the case's near-duplicate group (its smallest id)"),
        ("`split`", "the split the case belongs to (only with `--split`)"),
    ])
    out += ["", "## Fields of `pairs`", ""]
    out += _table(("field", "meaning"), [
        ("`id`", "`<case id>:<pattern>:<line>`"),
        ("`case_id`", "the case the pair comes from"),
        ("`pattern`", "the workaround pattern's catalog id"),
        ("`function`", "the `fn` that was rewritten; `line`, `end_line`: the workaround's span"),
        ("`rejected`", "the workaround code: the case's whole source (compiles on stable)"),
        ("`chosen`", "the direct form: the same source with that one function rewritten; stable "
                     "rejects it (borrow check only), both Polonius analyses accept it"),
        ("`evidence`", "per side (`rejected`, `chosen`): the side's `verdict`, and per role "
                       "(`stable`, `polonius`, `polonius-legacy`, `nightly`) `status`, "
                       "`accepted`, `error_codes`, `borrowck_only`; re-checked when the dataset "
                       "was made"),
        ("`reason`", "the engine's reason for the confirmation"),
        ("`labels`, `epoch_tags`", "the case's labels and tags"),
        ("`split`", "the case's split (only with `--split`)"),
    ])
    out += ["", "## Labels", ""]
    out += _table(("label", "definition"), [
        (f"`{name}`", LABEL_DEFINITIONS.get(name, "a label added to this corpus by its "
                                                   "reviewers (no definition recorded)"))
        for name in label_names])
    out += ["", "## Toolchains", "",
            "Roles and flags: `stable` is the baseline (NLL); `polonius` runs nightly with "
            "`-Zpolonius=next` (the alpha analysis); `polonius-legacy` with `-Zpolonius=legacy` "
            "(the full Datalog analysis); `nightly` is nightly without flags (drift control).", ""]
    recorded: Counter[tuple[str, str, str]] = Counter()
    for case in cases:
        for role, tc in case["toolchain"].items():
            recorded[(role, tc["rustc"], " ".join(tc["flags"]))] += 1
    out += ["Identities recorded in the cases:", ""]
    out += _table(("role", "rustc", "flags", "cases"),
                  [(r, f"`{v}`", f"`{f}`" if f else "(none)", n)
                   for (r, v, f), n in sorted(recorded.items())])
    if rustc:
        out += ["", "`rustc -vV` of each role on the machine that made the dataset (pairs were "
                "re-checked with these):", ""]
        for role, (text, flags) in rustc.items():
            out += [f"- `{role}` with flags `{' '.join(flags) or '(none)'}`:", "", "  ```text"]
            out += [f"  {line}" for line in text.splitlines()]
            out += ["  ```"]
    out += ["", "## Counts", "", "Cases per verdict × label × epoch tag (tags other than the "
            "verdict tag; a case counts once for each of its label × tag combinations):", ""]
    triples: Counter[tuple[str, str, str]] = Counter()
    for case in cases:
        verdict_tag = VERDICT_TAGS.get(case["verdict"])
        tags = [t for t in case["epoch_tags"] if t != verdict_tag] or ["(none)"]
        for label in case["labels"] or ["(unlabelled)"]:
            for tag in tags:
                triples[(case["verdict"], label, tag)] += 1
    out += _table(("verdict", "label", "epoch tag", "cases"),
                  [(f"`{v}`", f"`{lab}`", f"`{t}`", n) for (v, lab, t), n in
                   sorted(triples.items(), key=lambda kv: (-kv[1], kv[0]))])
    per_verdict = Counter(c["verdict"] for c in cases)
    out += ["", "Cases per verdict: " + ", ".join(f"`{v}` {n}" for v, n in
                                                  sorted(per_verdict.items())) + "."]
    out += ["", "## Reviewer agreement", "",
            f"{agreement.items} cases were rated by two or more reviewers "
            f"({', '.join(agreement.reviewers) or 'none'}). Each label is a yes/no question; "
            "kappa is Cohen's kappa (two reviewers), alpha is Krippendorff's alpha (nominal, "
            "three or more); n/a means undefined (one reviewer, or no variation).", ""]
    out += _table(("label", "method", "value", "observed agreement", "cases", "disagreements"),
                  [(f"`{e.label}`", e.method or "-", format_value(e.value),
                    format_value(e.observed), e.items, e.disagreements)
                   for e in agreement.labels])
    out += ["", "## Near duplicates and splits", "",
            "Cases are tokenised with tree-sitter; comments and layout are dropped and "
            "identifiers renamed by first appearance. Equal token lists are duplicates; "
            f"otherwise MinHash ({NUM_PERM} permutations, `datasketch`) over {SHINGLE}-token "
            f"shingles joins cases whose estimated Jaccard similarity is at least {threshold:g}. "
            "Groups are transitive. With `--dedupe` one case per group is kept (most labels, "
            "then most proven workarounds, then smallest id). Splits are drawn per group from a "
            "hash of the group, so the assignment is the same on every run; a group is first "
            "joined with the groups of cases that duplicate one of its pairs' direct forms, and "
            "audit records of one crate (`origin.package`) go together, so neither near "
            "duplicates nor a direct form and its workaround straddle splits.", "",
            "## How it was made", "", f"With ptriage {_version()}:", "", "```sh",
            report.command, "```", "",
            "The code comes from the places named in `origin`; its own licenses apply.", ""]
    return "\n".join(out)
