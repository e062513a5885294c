"""Tags and label definitions of dataset rows: verdict and idiom-epoch tags, toolchain identity."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

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
