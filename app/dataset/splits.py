"""Splits without leakage: whole near-duplicate groups and crates, chosen from a hash of the group."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from app.dataset.dedupe import UnionFind
from checkers.errors import InputError


def parse_splits(text: str) -> tuple[tuple[str, float], ...]:
    """``train=0.9,test=0.1`` → ``(("train", 0.9), ("test", 0.1))``; the fractions must be
    positive and add up to 1."""
    out: list[tuple[str, float]] = []
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        name = name.strip()
        try:
            fraction = float(value)
        except ValueError:
            fraction = -1.0
        if not sep or not name or not name.replace("-", "").replace("_", "").isalnum() \
                or not 0.0 < fraction <= 1.0:
            raise InputError(f"bad split {part.strip()!r} in {text!r}: write NAME=FRACTION pairs "
                             "such as train=0.9,test=0.1")
        if name in dict(out):
            raise InputError(f"split {name!r} is named twice in {text!r}")
        out.append((name, fraction))
    total = sum(f for _n, f in out)
    if abs(total - 1.0) > 1e-6:
        raise InputError(f"split fractions in {text!r} add up to {total:g}, not 1")
    return tuple(out)


def split_unit(record: Mapping[str, Any], group: str) -> str:
    """What is assigned to a split as a whole: the crate for audit records with
    ``origin.package``, else the near-duplicate group."""
    origin = record.get("origin")
    package = origin.get("package") if isinstance(origin, dict) else None
    if isinstance(package, dict):
        package = package.get("name")
    if isinstance(package, str) and package:
        return "crate:" + package
    return "group:" + group


def assign_splits(units: Mapping[str, str], splits: Sequence[tuple[str, float]]) -> dict[str, str]:
    """Case id → split name. Every case of a unit gets the same split; a unit's split is chosen
    from a hash of the unit key, so it is the same on every run and machine."""
    union: dict[str, str] = {}
    out = {}
    for cid, unit in units.items():
        if unit not in union:
            point = int(hashlib.sha256(unit.encode()).hexdigest()[:15], 16) / 16 ** 15
            cumulative = 0.0
            chosen = splits[-1][0]
            for name, fraction in splits:
                cumulative += fraction
                if point < cumulative:
                    chosen = name
                    break
            union[unit] = chosen
        out[cid] = union[unit]
    return out


def join_units(records: Mapping[str, Mapping[str, Any]],
                group_of: Mapping[str, str]) -> dict[str, str]:
    """Split units, where a near-duplicate group spanning two crates joins them (no leak)."""
    units = {cid: split_unit(record, group_of[cid]) for cid, record in records.items()}
    groups = UnionFind([*units.values(), *("group:" + group_of[cid] for cid in records)])
    for cid, unit in units.items():
        groups.union(unit, "group:" + group_of[cid])
    return {cid: groups.find(unit) for cid, unit in units.items()}
