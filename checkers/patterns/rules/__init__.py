"""One module per catalog id (ruff's one-rule-per-file layout): `rules/<id>.py` holds the id's
catalog entry, query, scheduling plan, detector, rewrite and fixture references, so adding a
detector touches one place. Importing this package registers them all, in catalog order.
"""

from __future__ import annotations

from types import ModuleType

from checkers.patterns._scopes import PLANS
from checkers.patterns._tree import QUERIES
from checkers.patterns.catalog import CatalogEntry
from checkers.patterns.rules import (
    check_then_relookup,
    clone_collection_to_iterate,
    clone_to_end_borrow,
    cps_callback_instead_of_return,
    cursor_reindex_in_loop,
    entry_owned_key,
    epoch_async_std,
    epoch_bare_trait_object,
    epoch_ellipsis_range_pattern,
    epoch_extern_crate,
    epoch_failure_crate,
    epoch_mem_uninitialized,
    epoch_pre_nll_match_hoist,
    epoch_pre_nll_scope_block,
    epoch_pre_nll_temp_rebind,
    epoch_tokio_0x_runtime,
    epoch_try_macro,
    index_instead_of_reference,
    lending_iterator_raw_pointer,
    option_take_put_back,
    peek_then_advance_cursor,
    polonius_the_crab_call,
    split_borrow_free_function,
    split_helper_for_cursor,
    unsafe_lifetime_extension,
)

RULES: tuple[ModuleType, ...] = (
    check_then_relookup,
    entry_owned_key,
    unsafe_lifetime_extension,
    polonius_the_crab_call,
    index_instead_of_reference,
    clone_to_end_borrow,
    cps_callback_instead_of_return,
    lending_iterator_raw_pointer,
    split_helper_for_cursor,
    peek_then_advance_cursor,
    cursor_reindex_in_loop,
    option_take_put_back,
    clone_collection_to_iterate,
    split_borrow_free_function,
    epoch_try_macro,
    epoch_failure_crate,
    epoch_tokio_0x_runtime,
    epoch_async_std,
    epoch_pre_nll_scope_block,
    epoch_pre_nll_match_hoist,
    epoch_pre_nll_temp_rebind,
    epoch_extern_crate,
    epoch_mem_uninitialized,
    epoch_ellipsis_range_pattern,
    epoch_bare_trait_object,
)

CATALOG: dict[str, CatalogEntry] = {rule.ENTRY.id: rule.ENTRY for rule in RULES}
PATTERN_IDS: tuple[str, ...] = tuple(i for i, e in CATALOG.items() if e.kind == "pattern")
EPOCH_IDS: tuple[str, ...] = tuple(i for i, e in CATALOG.items() if e.kind == "epoch")

for rule in RULES:
    if rule.ENTRY.id != rule.ID:
        raise AssertionError(f"{rule.__name__}: ENTRY.id {rule.ENTRY.id!r} is not ID {rule.ID!r}")
    QUERIES[rule.ID] = rule.QUERY
    PLANS[rule.ID] = rule.PLAN
