"""Which rustc diagnostics are borrow-check errors: by error code, and by message for codeless ones."""

from __future__ import annotations

import re

#: Error codes emitted by rustc's MIR borrow checker (`rustc_borrowck`), from the error index:
#: conflicting borrows, moves out of/while borrowed, assignments to borrowed or immutable
#: places, values that do not live long enough, escaping borrows and closure captures.
BORROWCK_CODES: frozenset[str] = frozenset({
    "E0373",  # closure may outlive the current function, but it borrows …
    "E0381",  # used binding isn't initialized
    "E0382",  # use of moved value
    "E0384",  # cannot assign twice to immutable variable
    "E0499",  # cannot borrow as mutable more than once at a time
    "E0500",  # closure requires unique access while borrowed
    "E0501",  # cannot borrow while a closure has unique access
    "E0502",  # cannot borrow as mutable because it is also borrowed as immutable
    "E0503",  # cannot use because it was mutably borrowed
    "E0505",  # cannot move out because it is borrowed
    "E0506",  # cannot assign because it is borrowed
    "E0507",  # cannot move out of a shared reference
    "E0508",  # cannot move out of a non-copy array
    "E0509",  # cannot move out of a type that implements Drop
    "E0510",  # cannot assign/borrow in a match guard
    "E0515",  # cannot return reference to local / temporary
    "E0521",  # borrowed data escapes outside of function
    "E0524",  # two closures require unique access at the same time
    "E0594",  # cannot assign to immutable place
    "E0596",  # cannot borrow as mutable
    "E0597",  # borrowed value does not live long enough
    "E0626",  # borrow may still be in use when coroutine yields
    "E0700",  # hidden type captures lifetime (region inference in borrowck)
    "E0712",  # thread-local borrowed past the end of the function
    "E0713",  # borrow may still be in use when destructor runs
    "E0716",  # temporary value dropped while borrowed
})

#: Region errors from `rustc_borrowck` that carry no error code.
_CODELESS = re.compile(
    r"^(?:"
    r"lifetime may not live long enough"
    r"|borrowed data escapes outside of "
    r"|captured variable cannot escape `FnMut` closure body"
    r"|returns a reference to a captured variable which escapes the closure body"
    r"|returns a value referencing data owned by the current function"
    r"|higher-ranked (?:lifetime|subtype) error"
    r"|implementation of `[^`]+` is not general enough"
    r"|.+ does not live long enough"
    r"|temporary value dropped while borrowed"
    r"|cannot (?:borrow|assign|move out|use|return)\b"
    r"|(?:dropped|drop of) .* while still borrowed"
    r")"
)


def is_borrowck(code: str | None, message: str) -> bool:
    """True when a diagnostic is a borrow-check (or borrowck region) error."""
    if code:
        return code in BORROWCK_CODES
    return bool(_CODELESS.match(message.strip()))
