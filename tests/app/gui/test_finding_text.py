"""How a finding's tier reads in the GUI: proven removable, proven still needed, or unproven."""

from __future__ import annotations

from checkers.model import Finding
from checkers.patterns import NEEDED_PREFIX, status_text


def _finding(cls: str, confirmed: bool | None, reason: str = "") -> Finding:
    return Finding(id="clone-collection-to-iterate", kind="pattern", cls=cls, line=3, column=5,
                   end_line=6, end_column=6, confirmed=confirmed, reason=reason)


def test_a_needed_workaround_is_never_called_removable_nor_unproven() -> None:
    from app.gui.results import finding_kind_text

    needed = _finding("NONE", False, f"{NEEDED_PREFIX}: every checker rejects the direct form")
    assert needed.tier == "candidate"
    assert finding_kind_text(needed) == "workaround still needed (proven)"
    assert status_text(needed) == "workaround still needed (no borrow checker removes it)"
    failed = _finding("P3", False, "direct form of fn f already compiles under NLL")
    assert finding_kind_text(failed) == "possible workaround, not proven"
    proven = _finding("P3", True, "direct form rejected by NLL, accepted by both")
    assert proven.tier == "workaround" and finding_kind_text(proven) == "✔ confirmed workaround"


def test_the_shown_direct_form_has_no_line_of_leftover_indentation() -> None:
    from pathlib import Path

    from app.gui.results import readable_direct_form
    from checkers.patterns import detect, rewrite

    path = Path(__file__).resolve().parents[2] / "data/examples/check-then-relookup/workaround.rs"
    source = path.read_text(encoding="utf-8")
    finding = detect(source).patterns[0]
    direct = rewrite(source, finding)
    assert direct is not None
    assert any(line.strip() == "" and line for line in direct.splitlines())  # the engine's form
    shown = readable_direct_form(source, direct)
    assert not any(line.strip() == "" and line for line in shown.splitlines())
    assert "if let Some(s) = self.sessions.get_mut(&id) {" in shown
    # lines the source already had, blank ones included, are kept
    assert shown.count("\n\n") == source.count("\n\n")
