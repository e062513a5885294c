"""Datasets from the corpus (``ptriage dataset``): epoch tags, proven workaround→direct pairs,
near-duplicate groups, leak-free splits and a Hugging Face dataset card.

One concern per module: ``tags`` (row tags, label definitions), ``dedupe`` (near duplicates),
``splits``, ``pairs`` (direct forms and their re-check), ``card`` and ``build``. The names below
are the API the CLI and the GUI use.
"""

from __future__ import annotations

from app.dataset.build import build_dataset
from app.dataset.card import DatasetReport, render_card, size_category
from app.dataset.dedupe import (
    DEFAULT_THRESHOLD,
    DuplicateIndex,
    NearDuplicate,
    code_tokens,
    near_duplicates,
    normalised_tokens,
)
from app.dataset.errors import DatasetCancelled, DatasetError
from app.dataset.pairs import PROOF_ROLES, cfg_of, pair_problem
from app.dataset.splits import assign_splits, parse_splits, split_unit
from app.dataset.tags import (
    EPOCH_TAGS,
    LABEL_DEFINITIONS,
    VERDICT_TAGS,
    epoch_tag,
    epoch_tags,
    toolchain_fingerprint,
    toolchain_of,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "EPOCH_TAGS",
    "LABEL_DEFINITIONS",
    "PROOF_ROLES",
    "VERDICT_TAGS",
    "DatasetCancelled",
    "DatasetError",
    "DatasetReport",
    "DuplicateIndex",
    "NearDuplicate",
    "assign_splits",
    "build_dataset",
    "cfg_of",
    "code_tokens",
    "epoch_tag",
    "epoch_tags",
    "near_duplicates",
    "normalised_tokens",
    "pair_problem",
    "parse_splits",
    "render_card",
    "size_category",
    "split_unit",
    "toolchain_fingerprint",
    "toolchain_of",
]
