"""Helpers shared by more than one idiom-epoch rule (each rule lives in `checkers.patterns.rules`)."""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._tree import (
    same,
)


def _outermost_path(path: Node) -> Node:
    """`a::b::c` for the `a::b` node inside it (a path is judged as a whole)."""
    while path.parent is not None and path.parent.type in (
            "scoped_identifier", "scoped_type_identifier") and same(
            path.parent.child_by_field_name("path"), path):
        path = path.parent
    return path

def matching_paren(data: bytes, open_at: int, *, limit: int = 1 << 16) -> int:
    """Byte offset just past the `)` closing the `(` at `open_at` (strings skipped); the end of
    the scanned window when unbalanced, so garbage input still yields a finite span."""
    depth = 0
    i = open_at
    end = min(len(data), open_at + limit)
    while i < end:
        c = data[i]
        if c == 0x22:  # a string literal: skip to its closing quote, honouring escapes
            i += 1
            while i < end and data[i] != 0x22:
                i += 2 if data[i] == 0x5C else 1
        elif c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return end
