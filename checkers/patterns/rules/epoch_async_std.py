"""`epoch-async-std`: The async-std runtime.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from checkers.patterns._scopes import Plan, statement
from checkers.patterns._tree import (
    enclosing,
    enclosing_fn,
)
from checkers.patterns.catalog import CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, detector
from checkers.patterns.epochs import _outermost_path

ID = "epoch-async-std"

ENTRY = CatalogEntry(
        "epoch-async-std", "The async-std runtime", "epoch", "epoch", "discontinued crate",
        "async-std has officially been discontinued (RUSTSEC-2025-0052); its maintainers "
        "recommend migrating to smol (or tokio).",
        "https://rustsec.org/advisories/RUSTSEC-2025-0052.html")

QUERY = r"""; epoch-async-std: the discontinued async-std runtime.
((use_declaration) @site (#match? @site "async_std"))

((attribute_item) @site (#match? @site "^#\\[\\s*async_std::"))

; the innermost path segment pair; Python reports the outermost path around it
(
  [
    (scoped_identifier path: (identifier) @root)
    (scoped_type_identifier path: (identifier) @root)
  ] @path
  (#any-of? @root "async_std"))

(extern_crate_declaration name: (identifier) @crate (#eq? @crate "async_std")) @site
"""

PLAN = Plan(statement, (b"async_std",))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-async-std/",
    "tests/checkers/patterns/data/positive/epoch_async_std_test.rs",
)


@detector("epoch-async-std")
def detect(ctx: Context, matches: list[Captures]) -> None:
    """One finding per import site (`use`, `extern crate`, `#[async_std::..]`); a fully
    qualified `async_std::..` path counts only where no import site exists, once per `fn`."""
    sites = [s for caps in matches if (s := _one(caps, "site")) is not None]
    for site in sites:
        ctx.add("epoch-async-std", site)
    if sites:
        return
    seen: set[tuple[int, int]] = set()
    for caps in matches:
        path = _one(caps, "path")
        if path is None or enclosing(path, frozenset({"use_declaration", "attribute_item"})):
            continue
        fn = enclosing_fn(path)
        key = (fn.start_byte, fn.end_byte) if fn is not None else (-1, -1)
        if key not in seen:
            seen.add(key)
            ctx.add("epoch-async-std", _outermost_path(path))
