"""Datasets from the corpus: epoch tags, proven workaround→direct pairs, near-duplicate groups,
leak-free splits and a Hugging Face dataset card (``ptriage dataset``)."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import subprocess
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import jsonl
from app.agreement import AgreementReport, agreement_from, format_value, reviewer_labels_of
from checkers.errors import CancelledError, CheckerError, InputError

if TYPE_CHECKING:
    from app.corpus import Corpus
    from checkers.model import CancelFlag, Triage
    from checkers.toolchains import Toolchains

#: What the polonius roles are called in the card and the evidence.
PROOF_ROLES: tuple[str, ...] = ("stable", "polonius", "polonius-legacy")
DEFAULT_THRESHOLD = 0.8
NUM_PERM = 128
SHINGLE = 5

#: Definitions of the default labels (app.corpus.DEFAULT_LABELS), for the dataset card.
LABEL_DEFINITIONS: dict[str, str] = {
    "confirmed-false-positive": "stable (NLL) rejects the code, but the reviewer confirmed it is "
                                "sound: a false positive of NLL that Polonius removes.",
    "real-error": "the code is wrong: the borrow-check error (or another error) points at a real "
                  "bug that no borrow checker should accept.",
    "workaround-removable": "the code contains an NLL workaround that can go once Polonius is "
                            "stable (the direct form is accepted by Polonius).",
    "workaround-needed": "the code contains what looks like a workaround, but it is still "
                         "needed (the direct form is a real conflict, or needs full Polonius).",
    "polonius-unsound": "Polonius accepts code the reviewer believes is unsound (a suspected "
                        "Polonius bug).",
    "needs-context": "the case cannot be judged from the snippet alone (missing types, crate "
                     "context or macros).",
    "not-borrowck": "the case is not about the borrow checker (type errors, syntax, "
                    "toolchain trouble).",
    "skip": "the reviewer looked and chose not to judge the case.",
}

#: Verdict → tag. ``polonius:*`` says what the Polonius analyses do with the code as written.
VERDICT_TAGS: dict[str, str] = {
    "clean": "nll:accepts",
    "polonius-accepts": "polonius:accepts",
    "needs-full-polonius": "polonius:needs-full",
    "alpha-only-accepts": "polonius:alpha-only-accepts",
    "partial-fix": "polonius:partial-fix",
    "both-reject": "borrowck:both-reject",
    "regression": "polonius:regression",
    "other-error": "error:other",
    "not-compiled": "unchecked:not-compiled",
    "toolchain-error": "error:toolchain",
}

#: Idiom-epoch catalog id → tag (era or ecosystem, then the idiom).
EPOCH_TAGS: dict[str, str] = {
    "epoch-try-macro": "pre-2018:try-macro",
    "epoch-extern-crate": "pre-2018:extern-crate",
    "epoch-failure-crate": "deprecated-crate:failure",
    "epoch-tokio-0x-runtime": "runtime:tokio-0.x",
    "epoch-async-std": "runtime:async-std",
    "epoch-pre-nll-scope-block": "pre-nll:scope-block",
    "epoch-pre-nll-match-hoist": "pre-nll:match-hoist",
    "epoch-pre-nll-temp-rebind": "pre-nll:temp-rebind",
    "epoch-mem-uninitialized": "pre-1.36:mem-uninitialized",
    "epoch-ellipsis-range-pattern": "pre-2021:ellipsis-range-pattern",
    "epoch-bare-trait-object": "pre-2021:bare-trait-object",
}

_SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                    (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))


class DatasetError(CheckerError):
    """The dataset cannot be written as asked; the message says what to do."""


class DatasetCancelled(DatasetError):
    """``cancel`` was set while the dataset was being built; nothing was written."""


# -- epoch tags ------------------------------------------------------------------------------


def epoch_tag(epoch_id: str) -> str:
    """The tag of an idiom-epoch id (``epoch:<name>`` for ids this table does not know yet)."""
    return EPOCH_TAGS.get(epoch_id, "epoch:" + epoch_id.removeprefix("epoch-"))


def epoch_tags(record: Mapping[str, Any]) -> list[str]:
    """The flat tag list of a record: its verdict tag, ``nll-workaround:<id>`` for each
    confirmed finding, ``candidate:<id>`` for every other workaround finding (unproven or
    disproved), and the epoch tags. Sorted, no repeats."""
    tags = {VERDICT_TAGS.get(record["verdict"], "verdict:" + record["verdict"])}
    for finding in record.get("patterns", ()):
        prefix = "nll-workaround" if finding.get("confirmed") is True else "candidate"
        tags.add(f"{prefix}:{finding['id']}")
    tags.update(epoch_tag(e["id"]) for e in record.get("epochs", ()))
    return sorted(tags)


def toolchain_of(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per role, the rustc identity and flags the record was checked with."""
    return {role: {"rustc": check.get("rustc", ""), "flags": list(check.get("flags", ()))}
            for role, check in sorted(record.get("checks", {}).items())}


def toolchain_fingerprint(toolchain: Mapping[str, Any]) -> str:
    """A short digest of :func:`toolchain_of`: equal for cases checked by the same compilers."""
    blob = json.dumps(toolchain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# -- near duplicates -------------------------------------------------------------------------

_IDENTIFIERS = frozenset({"identifier", "field_identifier", "type_identifier",
                          "shorthand_field_identifier"})
_ATOMS = frozenset({"string_literal", "raw_string_literal", "char_literal"})


def _parser() -> Any:
    import tree_sitter_rust
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_rust.language()))


def code_tokens(source: str, *, parser: Any = None) -> list[tuple[str, str]]:
    """The source's tokens as ``(kind, text)`` from tree-sitter leaves; comments are dropped,
    string and char literals are one token each. Whitespace and layout are gone."""
    data = source.encode("utf-8", "surrogatepass")
    tree = (parser or _parser()).parse(data)
    out: list[tuple[str, str]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind.endswith("comment"):
            continue
        if node.child_count == 0 or kind in _ATOMS:
            text = data[node.start_byte:node.end_byte].decode("utf-8", "replace")
            if text:
                out.append((kind, text))
            continue
        stack.extend(reversed(node.children))
    return out


def normalised_tokens(source: str, *, parser: Any = None) -> list[str]:
    """Tokens with identifiers renamed by first appearance (``$0``, ``$1``, …): two sources
    that differ only in layout, comments or a consistent renaming give the same list."""
    names: dict[str, str] = {}
    out = []
    for kind, text in code_tokens(source, parser=parser):
        if kind in _IDENTIFIERS:
            out.append(names.setdefault(text, f"${len(names)}"))
        else:
            out.append(text)
    return out


def _shingles(tokens: Sequence[str]) -> set[bytes]:
    # Identifiers become one placeholder here: a renaming must not move every later shingle.
    flat = ["$" if t.startswith("$") else t for t in tokens]
    if len(flat) <= SHINGLE:
        return {"\x1f".join(flat).encode()}
    return {"\x1f".join(flat[i:i + SHINGLE]).encode() for i in range(len(flat) - SHINGLE + 1)}


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """Another case near ``case_id``: ``exact`` when the normalised tokens are equal, else
    ``similarity`` is the MinHash estimate of the token-shingle Jaccard index (the best over
    the two cases' sources and direct forms). ``through_direct_form``: not a near duplicate of
    the case itself, but joined to it through a workaround's direct form (so kept in its split)."""

    id: str
    similarity: float
    exact: bool
    through_direct_form: bool = False


class _Groups:
    """Union-find over string ids; the root of a group is its smallest id."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {x: x for x in ids}

    def find(self, x: str) -> str:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class DuplicateIndex:
    """Near-duplicate groups of a set of cases: equal normalised tokens, or MinHash similarity
    of token shingles at or above ``threshold`` (joined transitively). Group ids are the
    smallest case id of the group.

    ``attached`` gives sources that belong to a case without being cases: the direct forms of
    its workarounds, which become pairs' ``chosen`` side. They do not change ``group_of`` (what
    ``--dedupe`` uses), but ``split_group_of`` joins a case with the cases that duplicate one of
    its direct forms, so a direct form never sits in another split than its workaround.
    """

    def __init__(self, sources: Mapping[str, str], *, threshold: float = DEFAULT_THRESHOLD,
                 attached: Mapping[str, Sequence[str]] | None = None) -> None:
        from datasketch import MinHash, MinHashLSH

        if not 0.0 < threshold <= 1.0:
            raise InputError(f"near-duplicate threshold {threshold} must be in (0, 1]")
        self.threshold = threshold
        texts = dict(sources)
        owner: dict[str, str] = {}
        for cid, extra in (attached or {}).items():
            if cid not in sources:
                continue
            for n, text in enumerate(extra):
                # "\0" sorts before any id character: the case id stays its group's smallest.
                texts[f"{cid}\0{n}"] = text
                owner[f"{cid}\0{n}"] = cid
        parser = _parser()
        self._exact_key: dict[str, str] = {}
        shingles: dict[str, set[bytes]] = {}
        for key in sorted(texts):
            tokens = normalised_tokens(texts[key], parser=parser)
            self._exact_key[key] = hashlib.sha256("\x1f".join(tokens).encode()).hexdigest()
            shingles[key] = _shingles(tokens)
        keys = sorted(texts)
        hashes = MinHash.bulk([sorted(shingles[k]) for k in keys], num_perm=NUM_PERM) if keys else []
        self._minhash = dict(zip(keys, hashes, strict=True))
        cases = [k for k in keys if k not in owner]
        same = _Groups(cases)  # near duplicates of the cases themselves
        linked = _Groups(keys)  # ... and joined through direct forms
        for extra, cid in owner.items():
            linked.union(extra, cid)

        def join(a: str, b: str) -> None:
            linked.union(a, b)
            if a not in owner and b not in owner:
                same.union(a, b)

        first_of: dict[str, str] = {}
        for key in keys:
            join(key, first_of.setdefault(self._exact_key[key], key))
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        for key in keys:
            mh = self._minhash[key]
            both_cases = key not in owner
            for other in lsh.query(mh):
                # Skip pairs already joined (a big family of copies would be quadratic).
                groups = same if both_cases and other not in owner else linked
                if groups.find(other) != groups.find(key) \
                        and mh.jaccard(self._minhash[other]) >= threshold:
                    join(key, other)
            lsh.insert(key, mh)
        self.group_of: dict[str, str] = {cid: same.find(cid) for cid in cases}
        self.split_group_of: dict[str, str] = {cid: linked.find(cid) for cid in cases}
        self.groups: dict[str, list[str]] = defaultdict(list)
        self._linked_members: dict[str, list[str]] = defaultdict(list)
        for cid in cases:
            self.groups[self.group_of[cid]].append(cid)
            self._linked_members[self.split_group_of[cid]].append(cid)
        self.groups = dict(self.groups)
        self._texts_of: dict[str, list[str]] = {cid: [cid] for cid in cases}
        for extra, cid in owner.items():
            self._texts_of[cid].append(extra)

    def near(self, case_id: str) -> list[NearDuplicate]:
        """The other cases of ``case_id``'s group, and those joined to it through a direct
        form, most similar first. A member joined only through a third case can be below the
        threshold."""
        if case_id not in self.group_of:
            return []
        out = []
        for other in self._linked_members[self.split_group_of[case_id]]:
            if other == case_id:
                continue
            exact = self._exact_key[other] == self._exact_key[case_id]
            similarity = 1.0 if exact else max(
                float(self._minhash[a].jaccard(self._minhash[b]))
                for a in self._texts_of[case_id] for b in self._texts_of[other])
            out.append(NearDuplicate(
                id=other, similarity=similarity, exact=exact,
                through_direct_form=self.group_of[other] != self.group_of[case_id]))
        return sorted(out, key=lambda d: (d.through_direct_form, -d.similarity, d.id))


def near_duplicates(corpus: Corpus, case_id: str, *,
                    threshold: float = DEFAULT_THRESHOLD) -> list[NearDuplicate]:
    """The cases of the corpus in ``case_id``'s near-duplicate group (``case_id`` may be a
    unique prefix), most similar first. This indexes every case (about 2 ms a case, see
    tests/bench/bench_dataset_dedupe.py); for repeated look-ups build one
    :class:`DuplicateIndex` (off the GUI thread) and call :meth:`DuplicateIndex.near`."""
    cid = corpus.resolve_id(case_id)
    sources: dict[str, str] = {}
    attached: dict[str, list[str]] = {}
    for record in corpus.iter_records():
        sources[record["id"]] = record["source"]
        attached[record["id"]] = [f["rewrite"] for f in record.get("patterns", ())
                                  if f.get("confirmed") is True and f.get("rewrite")]
    return DuplicateIndex(sources, threshold=threshold, attached=attached).near(cid)


# -- splits ----------------------------------------------------------------------------------


def parse_splits(text: str) -> tuple[tuple[str, float], ...]:
    """``train=0.9,test=0.1`` → ``(("train", 0.9), ("test", 0.1))``; the fractions must be
    positive and add up to 1."""
    out: list[tuple[str, float]] = []
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        name = name.strip()
        try:
            fraction = float(value)
        except ValueError:
            fraction = -1.0
        if not sep or not name or not name.replace("-", "").replace("_", "").isalnum() \
                or not 0.0 < fraction <= 1.0:
            raise InputError(f"bad split {part.strip()!r} in {text!r}: write NAME=FRACTION pairs "
                             "such as train=0.9,test=0.1")
        if name in dict(out):
            raise InputError(f"split {name!r} is named twice in {text!r}")
        out.append((name, fraction))
    total = sum(f for _n, f in out)
    if abs(total - 1.0) > 1e-6:
        raise InputError(f"split fractions in {text!r} add up to {total:g}, not 1")
    return tuple(out)


def split_unit(record: Mapping[str, Any], group: str) -> str:
    """What is assigned to a split as a whole: the crate for audit records with
    ``origin.package``, else the near-duplicate group."""
    origin = record.get("origin")
    package = origin.get("package") if isinstance(origin, dict) else None
    if isinstance(package, dict):
        package = package.get("name")
    if isinstance(package, str) and package:
        return "crate:" + package
    return "group:" + group


def assign_splits(units: Mapping[str, str], splits: Sequence[tuple[str, float]]) -> dict[str, str]:
    """Case id → split name. Every case of a unit gets the same split; a unit's split is chosen
    from a hash of the unit key, so it is the same on every run and machine."""
    union: dict[str, str] = {}
    out = {}
    for cid, unit in units.items():
        if unit not in union:
            point = int(hashlib.sha256(unit.encode()).hexdigest()[:15], 16) / 16 ** 15
            cumulative = 0.0
            chosen = splits[-1][0]
            for name, fraction in splits:
                cumulative += fraction
                if point < cumulative:
                    chosen = name
                    break
            union[unit] = chosen
        out[cid] = union[unit]
    return out


def _join_units(records: Mapping[str, Mapping[str, Any]],
                group_of: Mapping[str, str]) -> dict[str, str]:
    """Split units, where a near-duplicate group spanning two crates joins them (no leak)."""
    units = {cid: split_unit(record, group_of[cid]) for cid, record in records.items()}
    groups = _Groups([*units.values(), *("group:" + group_of[cid] for cid in records)])
    for cid, unit in units.items():
        groups.union(unit, "group:" + group_of[cid])
    return {cid: groups.find(unit) for cid, unit in units.items()}


# -- pairs -----------------------------------------------------------------------------------


def _role_evidence(triage: Triage) -> dict[str, Any]:
    out: dict[str, Any] = {"verdict": triage.verdict}
    for role in sorted(set(PROOF_ROLES) | set(triage.checks)):
        check = triage.checks.get(role)
        if check is None:
            out[role] = {"status": "missing", "accepted": None, "error_codes": []}
            continue
        codes = sorted({d.code or d.message for d in check.errors})
        out[role] = {"status": check.status, "accepted": check.accepted, "error_codes": codes,
                     "borrowck_only": all(d.borrowck for d in check.errors)}
    return out


def pair_problem(evidence: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Why a pair's evidence does not prove it (``None`` when it does): the workaround side must
    compile on stable; the direct side must be rejected by stable with borrow-check errors only
    and accepted by both Polonius analyses."""
    rejected, chosen = evidence["rejected"], evidence["chosen"]
    if any(chosen[r]["status"] != "ok" or rejected[r]["status"] != "ok" for r in PROOF_ROLES):
        return "a toolchain role did not run"
    if rejected["stable"]["accepted"] is not True:
        return "the workaround side does not compile on stable"
    if chosen["stable"]["accepted"] is not False:
        return "stable accepts the direct form (the workaround is superfluous)"
    if not chosen["stable"]["borrowck_only"]:
        return "stable rejects the direct form for a reason besides borrow checking"
    if chosen["polonius"]["accepted"] is not True or chosen["polonius-legacy"]["accepted"] is not True:
        return "a Polonius analysis rejects the direct form"
    return None


def _direct_form(record: Mapping[str, Any], finding: Mapping[str, Any]) -> str | None:
    """The rewritten source the finding carries, or recomputed with the public rewrite API."""
    stored = finding.get("rewrite")
    if isinstance(stored, str):
        return stored
    from checkers.model import Finding
    from checkers.patterns import rewrite

    return rewrite(record["source"], Finding.from_dict(dict(finding), kind="pattern"))


def _function_at(record: Mapping[str, Any], line: int) -> str | None:
    holding = [f for f in record.get("functions", ()) if f["line"] <= line <= f["end_line"]]
    return min(holding, key=lambda f: f["end_line"] - f["line"])["name"] if holding else None


# -- the card --------------------------------------------------------------------------------


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


# -- building --------------------------------------------------------------------------------


Check = Callable[[str, str], "Triage"]


#: What a side is checked as: source, edition, ``--cfg-test``, features (as the case was).
Side = tuple[str, str, bool, tuple[str, ...]]


def cfg_of(record: Mapping[str, Any]) -> tuple[bool, tuple[str, ...]]:
    """The ``--cfg-test`` switch and ``--features`` a record was checked with, read back from
    the stable role's flags (``--test``, ``--cfg feature="…"``), so a re-check compiles alike."""
    flags = list(record.get("checks", {}).get("stable", {}).get("flags", ()))
    features = []
    for flag, value in itertools.pairwise([*flags, ""]):
        if flag == "--cfg" and value.startswith('feature="') and value.endswith('"'):
            features.append(value[len('feature="'):-1])
    return "--test" in flags, tuple(sorted(set(features)))


def _recheck(sides: Sequence[Side], *, check: Check | None, toolchains: Toolchains | None,
             cancel: CancelFlag | None,
             progress: Callable[[float, str], None] | None) -> dict[Side, Triage]:
    """Each side checked by every role: with ``check`` one at a time (it is not told the cfg
    options), else through the batch engine (batched rustc runs, parallel, result cache), one
    scan per set of cfg options. Raises DatasetCancelled."""
    out: dict[Side, Triage] = {}
    done = 0

    def report() -> None:
        if progress is not None:
            progress(0.1 + 0.85 * done / len(sides), f"re-checking {done} of {len(sides)} sources")

    try:
        if check is not None:
            for side in sides:
                _check_cancel(cancel)
                report()
                out[side] = check(side[0], side[1])
                done += 1
            return out
        from checkers.batch import Case, scan_iter
        from checkers.model import case_id

        by_cfg: dict[tuple[bool, tuple[str, ...]], list[Side]] = defaultdict(list)
        for side in sides:
            by_cfg[(side[2], side[3])].append(side)
        for (cfg_test, features), group in sorted(by_cfg.items()):
            wanted: dict[str, list[Side]] = defaultdict(list)
            for side in group:
                wanted[case_id(side[0], side[1])].append(side)
            report()
            for triage in scan_iter([Case(source=s[0], edition=s[1]) for s in group],
                                    toolchains=toolchains, patterns=False, cancel=cancel,
                                    cfg_test=cfg_test, features=features):
                for side in wanted.get(triage.id, ()):
                    out[side] = triage
                done += 1
                report()
            _check_cancel(cancel)
    except CancelledError as exc:
        raise DatasetCancelled("dataset cancelled; nothing was written") from exc
    return out


def _check_cancel(cancel: CancelFlag | None) -> None:
    if cancel is not None and cancel.is_set():
        raise DatasetCancelled("dataset cancelled; nothing was written")


def _keep_rank(record: Mapping[str, Any]) -> tuple[int, int, str]:
    proven = sum(1 for p in record.get("patterns", ()) if p.get("confirmed") is True)
    return (-len(record.get("labels", ())), -proven, record["id"])


def _write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(jsonl.dumps_record(dict(row)))
            handle.write("\n")


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
    directory is built beside ``out`` and moved into place, so a failure leaves ``out`` as it
    was. ``out`` must be absent or empty unless ``force`` (then it is replaced). ``progress``
    gets (fraction, message); setting ``cancel`` (anything with ``is_set()``) stops the build
    with :class:`DatasetCancelled` before anything is written.
    """
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"near-duplicate threshold {threshold:g} must be in (0, 1]; 0.8 is the "
                         "default")
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise DatasetError(f"{target} is a file; give --out a directory")
    if target.exists() and any(target.iterdir()) and not force:
        raise DatasetError(f"{target} exists and is not empty; choose a new directory or pass "
                           "--force to replace it")
    records = {r["id"]: r for r in corpus.iter_records(**dict(filters or {}))}
    label_names = sorted({lab.name for lab in corpus.labels()}
                         | {lab for r in records.values() for lab in r["labels"]})
    confirmed = [(record, f) for record in records.values() for f in record.get("patterns", ())
                 if f.get("confirmed") is True]
    direct_of = {(record["id"], n): _direct_form(record, finding)
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
    split_of = assign_splits(_join_units(kept, index.split_group_of), splits) if splits else {}
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
    triages = _recheck(sides, check=check, toolchains=toolchains, cancel=cancel,
                       progress=progress)
    for record, finding, direct in todo:
        before, after = side(record, record["source"]), side(record, direct)
        if before not in triages or after not in triages:
            skipped["the re-check could not run on it"] += 1
            continue
        evidence = {"rejected": _role_evidence(triages[before]),
                    "chosen": _role_evidence(triages[after])}
        problem = pair_problem(evidence)
        if problem is not None:
            skipped[problem] += 1
            continue
        pair: dict[str, Any] = {
            "id": f"{record['id']}:{finding['id']}:{finding['line']}",
            "case_id": record["id"], "pattern": finding["id"],
            "function": _function_at(record, finding["line"]),
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
                       report=report, rustc=_rustc_vv(toolchains or _machine_toolchains()),
                       license_id=license_id, split_names=split_names, threshold=threshold)

    _check_cancel(cancel)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
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
            shutil.rmtree(target)
        os.replace(staging, target)
    except OSError as exc:
        raise DatasetError(f"cannot write the dataset to {target}: {exc.strerror or exc}; "
                           "choose a writable directory") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if progress is not None:
        progress(1.0, f"wrote {len(cases)} cases and {len(pairs)} pairs")
    return report
