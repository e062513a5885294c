"""What rustc compiled: the cfg set a role compiles under, and the code `#[cfg]` removes from it."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checkers.errors import InputError
from checkers.snippet import parse
from checkers.toolchains import RoleInfo, Toolchains

#: One cfg option as `rustc --print cfg` lists it: a name, or a name with a value.
CfgOption = tuple[str, str | None]
CfgSet = frozenset[CfgOption]

#: Cargo feature names: letters, digits, `_`, `-`, `+`, `.` (what `cargo` accepts).
_FEATURE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_+.-]*$")


def cfg_flags(*, cfg_test: bool = False, features: Sequence[str] = ()) -> tuple[str, ...]:
    """The rustc flags for ``--cfg-test`` (``--test``: `cfg(test)` and `#[test]` functions, as
    `cargo test` compiles them) and ``--features a,b`` (``--cfg feature="a"`` …)."""
    flags: list[str] = ["--test"] if cfg_test else []
    for feature in features:
        if not _FEATURE_NAME.match(feature):
            raise InputError(f"feature name {feature!r} is not valid: use letters, digits, "
                             "`_`, `-`, `+` or `.` (as in Cargo.toml)")
        flags += ["--cfg", f'feature="{feature}"']
    return tuple(flags)


def parse_features(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"a,b c"`` or ``["a", "b,c"]`` → ``("a", "b", "c")`` (sorted, unique: part of cache keys)."""
    if text is None:
        return ()
    items = [text] if isinstance(text, str) else list(text)
    names = {name for item in items for name in re.split(r"[,\s]+", item) if name}
    return tuple(sorted(names))


def with_cfg(toolchains: Toolchains, *, cfg_test: bool = False,
             features: Sequence[str] = ()) -> Toolchains:
    """Every role compiles with the given cfg options (its flags, so its identity, its cache key
    and the record's ``flags`` all say so)."""
    extra = cfg_flags(cfg_test=cfg_test, features=features)
    if not extra:
        return toolchains
    roles = {name: dataclasses.replace(info, flags=(*info.flags, *extra))
             for name, info in toolchains.roles.items()}
    return dataclasses.replace(toolchains, roles=roles)


@functools.lru_cache(maxsize=64)
def _print_cfg(binary: str, flags: tuple[str, ...], env: tuple[tuple[str, str], ...]) -> CfgSet:
    # Only the flags that change the cfg set matter; -Z flags are kept (a nightly may add cfgs).
    argv = [binary, "--print", "cfg", *flags]
    # No user input is involved, so no sandbox; rustup's variables let a proxy binary resolve.
    passed = {k: v for k, v in os.environ.items() if k in ("HOME", "RUSTUP_HOME", "CARGO_HOME")}
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False,
                              env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **passed,
                                   **dict(env)})
    except (OSError, subprocess.TimeoutExpired):
        # No cfg set means nothing is called not-compiled: the checks themselves still run and
        # report the compiler's own failure.
        return frozenset()
    if proc.returncode != 0:
        return frozenset()
    out: set[CfgOption] = set()
    for line in proc.stdout.splitlines():
        name, eq, value = line.strip().partition("=")
        if name:
            out.add((name, value.strip('"') if eq else None))
    return frozenset(out)


def role_cfg(info: RoleInfo) -> CfgSet | None:
    """The cfg set rustc compiles under for this role (None when it cannot be asked)."""
    if not info.available or info.binary is None:
        return None
    flags = tuple(f for f in info.flags if not f.startswith("-Zpolonius"))
    found = _print_cfg(info.binary, flags, info.env)
    return found or None


# ---------------------------------------------------------------------------------------------
# Evaluating `cfg(…)` predicates


_TOKEN = re.compile(r'\s*(?:(?P<ident>r#[A-Za-z_]\w*|[A-Za-z_]\w*)|(?P<str>"(?:[^"\\]|\\.)*")'
                    r'|(?P<punct>[(),=]))')


def _tokens(text: str) -> list[str] | None:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            return None
        out.append(match.group(match.lastgroup or "ident"))
        pos = match.end()
    return out


def evaluate(predicate: str, cfgs: CfgSet) -> bool | None:
    """The value of a cfg predicate (the text inside ``cfg(…)``) against ``cfgs``.

    None when it cannot be decided here (``version(…)``, unknown forms): such code is treated
    as compiled, so nothing is called not-compiled on a guess.
    """
    tokens = _tokens(predicate)
    if not tokens:
        return None
    pos = 0

    def parse_one() -> bool | None:
        nonlocal pos
        name = tokens[pos]
        pos += 1
        if not re.match(r"^(?:r#)?[A-Za-z_]\w*$", name):
            raise ValueError(name)
        name = name.removeprefix("r#")
        if pos < len(tokens) and tokens[pos] == "=":
            value = tokens[pos + 1]
            pos += 2
            if not value.startswith('"'):
                raise ValueError(value)
            return (name, value[1:-1]) in cfgs
        if pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            args: list[bool | None] = []
            while tokens[pos] != ")":
                if name in ("all", "any", "not"):
                    args.append(parse_one())
                else:
                    pos += 1  # an argument we do not evaluate (version("1.80"), …)
                    continue
                if tokens[pos] == ",":
                    pos += 1
            pos += 1
            if name == "all":
                return False if False in args else None if None in args else True
            if name == "any":
                return True if True in args else None if None in args else False
            if name == "not" and len(args) == 1:
                return None if args[0] is None else not args[0]
            return None
        if name in ("true", "false"):
            return name == "true"
        return (name, None) in cfgs

    try:
        value = parse_one()
    except (IndexError, ValueError):
        return None
    return value if pos == len(tokens) else None


# ---------------------------------------------------------------------------------------------
# Code that cfg removes


@dataclass(frozen=True, slots=True)
class Removed:
    """Lines (user coordinates) that rustc did not compile, and the attribute that removed them."""

    line: int
    end_line: int
    why: str
    #: 0-based columns where the region starts and ends, so that code sharing a line with a
    #: removed part (one-line functions, generated code) is not called removed with it.
    column: int = 0
    end_column: int | None = None

    def covers(self, line: int) -> bool:
        return self.line <= line <= self.end_line

    def contains(self, line: int, column: int) -> bool:
        """Whether the point (``line``, ``column``) lies inside the removed text."""
        end = (self.end_line, self.end_column if self.end_column is not None else 1 << 62)
        return (self.line, self.column) <= (line, column) <= end


_CFG_ATTR = re.compile(r"^#!?\s*\[\s*cfg\s*\((?P<pred>.*)\)\s*\]$", re.S)
_TEST_ATTR = re.compile(r"^#\s*\[\s*(?:core::prelude::v1::|std::prelude::v1::)?test\s*\]$")
_ITEM_LISTS = frozenset({"source_file", "declaration_list", "block", "field_declaration_list",
                         "enum_variant_list", "foreign_mod_item"})


def _text(node: Any) -> str:
    return (node.text or b"").decode("utf-8", "replace")


_CFG_ATTR_ATTR = re.compile(r"^#!?\s*\[\s*cfg_attr\s*\((?P<body>.*)\)\s*\]$", re.S)


def _top_level_parts(text: str) -> list[str]:
    """``a, b(c, d), "e,f"`` → ``["a", "b(c, d)", '"e,f"']`` (commas outside brackets/strings)."""
    parts: list[str] = []
    depth, start, in_str, escaped = 0, 0, False, False
    for i, ch in enumerate(text):
        if in_str:
            escaped, in_str = (False, True) if escaped else (ch == "\\", ch != '"')
            continue
        if ch == '"':
            in_str = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _removed_by(attribute: str, cfgs: CfgSet) -> str | None:
    """Why an attribute removes what it is attached to under ``cfgs``, or None."""
    compact = attribute.strip()
    match = _CFG_ATTR.match(compact)
    if match is not None:
        if evaluate(match.group("pred"), cfgs) is False:
            return re.sub(r"\s+", " ", compact)
        return None
    if _TEST_ATTR.match(compact) and ("test", None) not in cfgs:
        return "#[test] (compiled only with --cfg-test)"
    match = _CFG_ATTR_ATTR.match(compact)
    if match is not None:
        # `#[cfg_attr(P, cfg(Q))]`, `#[cfg_attr(P, test)]`: what P applies may remove the item.
        parts = _top_level_parts(match.group("body"))
        if len(parts) >= 2 and evaluate(parts[0], cfgs) is True:
            for applied in parts[1:]:
                if _removed_by(f"#[{applied}]", cfgs) is not None:
                    return re.sub(r"\s+", " ", compact)
    return None


def removed_regions(source: str, cfgs: CfgSet, *, tree: Any = None) -> list[Removed]:
    """Every region of ``source`` that `#[cfg(…)]`/`#![cfg(…)]`/`#[test]` removes under ``cfgs``
    (outermost first; a region inside a removed one is not listed again)."""
    root = (tree if tree is not None else parse(source)).root_node
    out: list[Removed] = []
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        children = list(node.children)
        inner = [c for c in children if c.type == "inner_attribute_item"]
        whole = next((why for why in (_removed_by(_text(c), cfgs) for c in inner) if why), None)
        if whole is not None:
            owner = node.parent if node.type == "declaration_list" and node.parent else node
            out.append(Removed(owner.start_point[0] + 1, max(owner.end_point[0] + 1,
                                                              owner.start_point[0] + 1), whole,
                               owner.start_point[1], owner.end_point[1]))
            continue
        why: str | None = None
        start = (0, 0)
        for child in children:
            if child.type == "attribute_item":
                removal = _removed_by(_text(child), cfgs)
                if removal is not None and why is None:
                    why, start = removal, child.start_point
                continue
            if child.type in ("line_comment", "block_comment") or not child.is_named:
                continue
            if why is not None:
                out.append(Removed(start[0] + 1, child.end_point[0] + 1, why, start[1],
                                   child.end_point[1]))
                why = None
                continue
            stack.append(child)
    out.sort(key=lambda r: (r.line, -r.end_line))
    return out


def whole_file_removed(source: str, cfgs: CfgSet, *, tree: Any = None) -> str | None:
    """The crate-level `#![cfg(…)]` that removes the whole file under ``cfgs``, or None."""
    root = (tree if tree is not None else parse(source)).root_node
    for child in root.named_children:
        if child.type == "inner_attribute_item":
            why = _removed_by(_text(child), cfgs)
            if why is not None:
                return why
    return None


def removed_for(source: str, infos: Sequence[RoleInfo]) -> list[Removed]:
    """Regions that some of these roles did not compile (a region one role skipped is not a
    comparison between roles)."""
    tree = parse(source)
    seen: dict[tuple[int, int], Removed] = {}
    for info in infos:
        cfgs = role_cfg(info)
        if cfgs is None:
            continue
        for region in removed_regions(source, cfgs, tree=tree):
            seen.setdefault((region.line, region.end_line), region)
    return sorted(seen.values(), key=lambda r: (r.line, -r.end_line))


_BODY_ITEMS = frozenset({"const_item", "static_item"})


def compiled_initialisers(source: str, removed: Sequence[Removed], *, tree: Any = None) -> bool:
    """Whether a `const`/`static` with a value (outside any fn) survives ``removed``: rustc
    compiles and borrow-checks its initialiser, so a file of them compiled something."""
    root = (tree if tree is not None else parse(source)).root_node
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node.type == "function_item":
            continue  # its consts are part of the function's own verdict
        if node.type in _BODY_ITEMS and node.child_by_field_name("value") is not None:
            line, column = node.start_point[0] + 1, node.start_point[1]
            if not any(r.contains(line, column) for r in removed):
                return True
            continue
        stack.extend(node.named_children)
    return False
