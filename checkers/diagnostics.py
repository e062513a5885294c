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

#: The error messages `rustc_borrowck` emits without an error code, each matched as a whole
#: message (placeholders as `…`-free patterns). Taken from rust-lang/rust
#: `compiler/rustc_borrowck/messages.ftl` (borrowck_lifetime_constraints_error,
#: borrowck_higher_ranked_lifetime_error, borrowck_higher_ranked_subtype_error,
#: borrowck_generic_does_not_live_long_enough, borrowck_var_cannot_escape_closure,
#: borrowck_returned_ref_escaped, borrowck_returned_closure_escaped,
#: borrowck_returned_async_block_escaped, borrowck_opaque_type_lifetime_mismatch,
#: borrowck_could_not_prove, borrowck_could_not_normalize, borrowck_simd_intrinsic_arg_const)
#: and from `src/diagnostics/bound_region_errors.rs`, which reports higher-ranked region errors
#: through the trait solver's "implementation of `Trait` is not general enough". Every other
#: codeless error (parse, resolve, inline asm's "cannot use register …", …) is not borrow-check.
BORROWCK_MESSAGES: tuple[str, ...] = (
    r"lifetime may not live long enough",
    r"higher-ranked lifetime error",
    r"higher-ranked subtype error",
    r"`[^`]+` does not live long enough",
    r"captured variable cannot escape `FnMut` closure body",
    r"returns a reference to a captured variable which escapes the closure body",
    r"returns a closure that contains a reference to a captured variable, which then escapes "
    r"the closure body",
    r"returns an `async` block that contains a reference to a captured variable, which then "
    r"escapes the closure body",
    r"opaque type used twice with different lifetimes",
    r"could not prove `.+`",
    r"could not normalize `.+`",
    r"(?:1st|2nd|3rd|\d+th) argument of `[^`]+` is required to be a `const` item",
    r"implementation of `.+` is not general enough",
)

_CODELESS = re.compile("|".join(f"(?:{m})" for m in BORROWCK_MESSAGES))


def is_borrowck(code: str | None, message: str) -> bool:
    """True when a diagnostic is a borrow-check (or borrowck region) error."""
    if code:
        return code in BORROWCK_CODES
    return _CODELESS.fullmatch(message.strip()) is not None
