"""The catalog record type and the texts rule modules share; each id's entry lives in its module
under `checkers.patterns.rules` (CATALOG is assembled there)."""

from __future__ import annotations

from dataclasses import dataclass

CLASSES: tuple[str, ...] = ("P3", "FULL", "NONE", "epoch")

_NLL_RFC = "https://rust-lang.github.io/rfcs/2094-nll.html"
_CRAB = "https://github.com/danielhenrymantilla/polonius-the-crab.rs"
_EDITION_2021 = ("https://doc.rust-lang.org/edition-guide/rust-2021/"
                 "warnings-promoted-to-error.html")


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One catalog id: what it is, which NLL limitation it works around, what to tell the user."""

    id: str
    title: str
    cls: str
    kind: str
    limitation: str
    explanation: str
    reference: str
    #: The id this one refines (the pre-NLL sub-ids point at `epoch-pre-nll-scope-block`).
    parent: str | None = None
    #: Why a finding of this id stays a candidate: no mechanical direct form to compile ("" when
    #: the id has a rewrite, and for epoch markers, which are tags, not claims).
    unconfirmable: str = ""

    def to_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "title": self.title, "class": self.cls, "kind": self.kind,
                "limitation": self.limitation, "explanation": self.explanation,
                "reference": self.reference, "parent": self.parent,
                "unconfirmable": self.unconfirmable}


#: How a pattern finding is labelled until the compiler proved it, and once it did.
CANDIDATE_LABEL = "possible workaround, not proven"
WORKAROUND_LABEL = "workaround, proven by the compiler"


_P3_TAIL = ("Polonius alpha (-Zpolonius=next) and the full analysis both accept the direct form, "
            "so the workaround can go once Polonius is stable.")
_FULL_TAIL = ("Still needed with Polonius alpha: -Zpolonius=next rejects the direct form too; only "
              "the full (legacy) Polonius analysis accepts it. Do not remove it yet.")
_NONE_TAIL = ("Never removable by a better borrow checker: the direct form is a real conflict at "
              "the function-signature level that every checker rejects (it would need "
              "\"view types\" or a restructure).")


CURSOR_UNCONFIRMABLE = ("no mechanical direct form: undoing it means rewriting the cursor loop itself "
           "(which variable moves, which borrow is re-derived), so no rewrite is compiled")


