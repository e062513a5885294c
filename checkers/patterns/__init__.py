"""Workaround-pattern and idiom-epoch detection: `detect`, `rewrite`, `confirm` and the `CATALOG`."""

from __future__ import annotations

from dataclasses import dataclass

from checkers.errors import InputError
from checkers.model import EDITIONS, Finding
from checkers.patterns._scopes import PLANS, Scan, run_family
from checkers.patterns._tree import Source, enclosing_fn, parse, query_names
from checkers.patterns.catalog import CANDIDATE_LABEL, WORKAROUND_LABEL, CatalogEntry
from checkers.patterns.confirm import NEEDED_PREFIX, confirm, proven_needed
from checkers.patterns.detectors import DETECTORS, Captures, Context, Hit
from checkers.patterns.rewrite import rewrite
from checkers.patterns.rules import CATALOG, EPOCH_IDS, PATTERN_IDS  # registers every rule

__all__ = [
    "CANDIDATE_LABEL",
    "CATALOG",
    "EPOCH_IDS",
    "NEEDED_PREFIX",
    "PATTERN_IDS",
    "WORKAROUND_LABEL",
    "CatalogEntry",
    "Detection",
    "confirm",
    "detect",
    "proven_needed",
    "rewrite",
    "status_text",
]

#: When two ids mark the same code, the more specific one wins (the lending-iterator adapter's
#: unsafe block is its own finding, not a second `unsafe-lifetime-extension`).
_SUPPRESSED_INSIDE: dict[str, str] = {
    "unsafe-lifetime-extension": "lending-iterator-raw-pointer",
}


@dataclass(frozen=True, slots=True)
class Detection:
    """What `detect` found: borrow-check workaround patterns and outdated-idiom markers."""

    patterns: tuple[Finding, ...] = ()
    epochs: tuple[Finding, ...] = ()

    @property
    def all(self) -> tuple[Finding, ...]:
        return self.patterns + self.epochs


def _encode(source: str) -> bytes:
    # Lone surrogates (from a lenient decode upstream) must not make detection raise.
    return source.encode("utf-8", "surrogatepass")


def run_detectors(source: str, *, edition: str = "2021") -> tuple[Source, list[Hit]]:
    """Parse `source` and run every detector; hits are in byte offsets, deduplicated, sorted."""
    data = _encode(source)
    src = Source(data, parse(data))
    scan = Scan(src)
    grouped: dict[str, list[Captures]] = {}
    for name in query_names():
        plan = PLANS.get(name)
        if plan is None:
            raise AssertionError(f"rule {name} has a QUERY but no PLAN")
        matches = run_family(name, plan, scan)
        if matches:
            grouped[name] = matches
    ctx = Context(src, edition)
    for id_ in sorted(DETECTORS):
        # every detector runs, even without query matches (`try!` is found from the text)
        DETECTORS[id_](ctx, grouped.get(id_, []))
    # Fully ordered (confidence, then variant, break ties): which of two same-span hits wins must
    # not depend on the hash seed (it picks the rewrite, so the proof).
    hits = sorted(set(ctx.hits), key=lambda h: (h.start, h.id, h.end, -_rank(h.confidence),
                                                h.variant))
    for loser, winner in _SUPPRESSED_INSIDE.items():
        # the winner's whole function: the adapter may also dereference its pointer after the loop
        wins = [_fn_span(src, h) for h in hits if h.id == winner]
        hits = [h for h in hits if h.id != loser or not any(
            w[0] <= h.start and h.end <= w[1] for w in wins)]
    unique: dict[tuple[str, int, int], Hit] = {}
    for hit in hits:
        key = (hit.id, hit.start, hit.end)
        if key not in unique or _rank(hit.confidence) > _rank(unique[key].confidence):
            unique[key] = hit
    return src, list(unique.values())


def _fn_span(src: Source, hit: Hit) -> tuple[int, int]:
    """The byte span of the `fn` item around `hit` (the hit's own span outside any function)."""
    node = src.tree.root_node.descendant_for_byte_range(hit.start, hit.end)
    fn = enclosing_fn(node) if node is not None else None
    return (fn.start_byte, fn.end_byte) if fn is not None else (hit.start, hit.end)


def _rank(confidence: str) -> int:
    return {"low": 0, "medium": 1, "high": 2}.get(confidence, 0)


def to_finding(src: Source, hit: Hit) -> Finding:
    return to_findings(src, [hit])[0]


def to_findings(src: Source, hits: list[Hit]) -> list[Finding]:
    """Findings in user coordinates; newlines are counted in one pass over the sorted offsets."""
    offsets = sorted({h.start for h in hits} | {h.end for h in hits})
    where: dict[int, tuple[int, int]] = {}
    data, line, line_start, prev = src.data, 1, 0, 0
    for byte in offsets:
        newlines = data.count(b"\n", prev, byte)
        if newlines:
            line += newlines
            line_start = data.rindex(b"\n", prev, byte) + 1
        prev = byte
        where[byte] = (line, len(data[line_start:byte].decode("utf-8", "replace")) + 1)
    return [_finding(hit, where[hit.start], where[hit.end]) for hit in hits]


#: Why some sites of an id that has a rewrite still have no direct form of their own.
_VARIANT_UNCONFIRMABLE: dict[tuple[str, str], str] = {
    ("polonius-the-crab-call", "use"): (
        "an import of the crate, not a workaround site: each call it serves is proven on its own"),
}


def _finding(hit: Hit, start: tuple[int, int], end: tuple[int, int]) -> Finding:
    entry = CATALOG[hit.id]
    (line, column), (end_line, end_column) = start, end
    return Finding(id=hit.id, kind=entry.kind, cls=entry.cls, line=line, column=column,
                   end_line=end_line, end_column=end_column, confidence=hit.confidence,
                   unconfirmable=_VARIANT_UNCONFIRMABLE.get((hit.id, hit.variant),
                                                            entry.unconfirmable))


def detect(source: str, *, edition: str = "2021") -> Detection:
    """Find workaround patterns and idiom-epoch markers in `source` (a file, items or statements).

    Lines and columns are 1-based, in characters, in `source` exactly as given; `end_column` is
    exclusive (rustc's convention). Never raises on malformed Rust: it reports what it can find.
    Raises `InputError` only for an unknown `edition`.
    """
    if edition not in EDITIONS:
        raise InputError(f"unknown edition {edition!r} (expected one of {', '.join(EDITIONS)})")
    src, hits = run_detectors(source, edition=edition)
    findings = sorted(to_findings(src, hits),
                      key=lambda f: (f.line, f.column, f.id, f.end_line, f.end_column))
    return Detection(patterns=tuple(f for f in findings if f.kind == "pattern"),
                     epochs=tuple(f for f in findings if f.kind == "epoch"))


def status_text(finding: Finding) -> str:
    """How to show a finding's tier in one line: only proven findings are called workarounds."""
    if finding.kind == "epoch":
        return "outdated idiom"
    if finding.confirmed is True:
        return WORKAROUND_LABEL + " (Polonius makes it unnecessary)"
    if finding.confirmed is False and finding.reason.startswith(NEEDED_PREFIX):
        return "workaround still needed" + {
            "FULL": " (until full Polonius: alpha rejects the direct form)",
            "NONE": " (no borrow checker removes it)",
        }.get(finding.cls, "")
    if finding.confirmed is False:
        return f"{CANDIDATE_LABEL} (the proof by rewrite failed)"
    if finding.unconfirmable:
        return f"{CANDIDATE_LABEL} ({finding.unconfirmable})"
    return f"{CANDIDATE_LABEL} (not checked: confirmation did not run)"
