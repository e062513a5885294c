"""Shared data for the pattern-detector tests: the design examples and the labeled fixture files."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = Path(os.environ.get("PTRIAGE_EXAMPLES", REPO / "tests" / "data" / "examples"))
if not EXAMPLES.is_dir():
    EXAMPLES = REPO / "tests" / "data" / "examples"
DATA = Path(__file__).resolve().parent / "data"

#: Ids a workaround example may report besides its own (catalog section 4).
ALLOWED_OVERLAPS: dict[str, set[str]] = {
    "polonius-the-crab-call": {"unsafe-lifetime-extension"},
    "split-helper-for-cursor": {"index-instead-of-reference"},
    # the outdated-form files carry more than one outdated idiom
    "epoch-failure-crate": {"epoch-extern-crate"},
    "epoch-tokio-0x-runtime": {"epoch-extern-crate", "epoch-bare-trait-object"},
    "epoch-pre-nll-scope-block": {"epoch-pre-nll-match-hoist", "epoch-pre-nll-temp-rebind"},
}


def example_ids() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(p.name for p in EXAMPLES.iterdir() if (p / "workaround.rs").is_file())


def fixture_files() -> list[Path]:
    return sorted(DATA.glob("*/*.rs"))


def expected_ids(text: str) -> set[str]:
    """The `// expect: a, b` (or `none`) header of a fixture file."""
    match = re.search(r"//\s*expect:\s*(.*)", text)
    assert match, "fixture without an expect header"
    value = match.group(1).strip()
    return set() if value == "none" else {x.strip() for x in value.split(",")}


def fixture_edition(path: Path) -> str:
    return "2015" if "2015" in path.name else "2021"



def style_fixtures() -> list[tuple[str, Path, Path]]:
    """(id, workaround file, direct-form file) for the new-style fixtures under `<id>/styles/`.

    Written for issue 11 in shapes the first fixtures did not use; each direct form was checked
    with the compiler (rejected by stable; accepted by both Polonius analyses for P3 ids, by
    none for the NONE ids), see test_styles.py.
    """
    if not EXAMPLES.is_dir():
        return []
    out = []
    for path in sorted(EXAMPLES.glob("*/styles/*.rs")):
        if path.name.endswith(".direct.rs"):
            continue
        out.append((path.parent.parent.name, path, path.with_name(path.stem + ".direct.rs")))
    return out
