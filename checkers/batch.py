"""Many snippets: input walking, cache use, batching snippets per rustc call, local and Dask executors."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from checkers.cache import CACHE_VERSION, ResultCache, cache_key, code_fingerprint, shared_cache
from checkers.cfg import parse_features, with_cfg
from checkers.diagnostics import is_borrowck
from checkers.engine import build_triage, compiletest_revisions, refused_result, run_role
from checkers.errors import CancelledError, CheckerError, InputError, ToolchainError
from checkers.model import (
    DEFAULT_EDITION,
    EDITIONS,
    ROLES,
    CancelFlag,
    CheckResult,
    Finding,
    Triage,
    case_id,
)
from checkers.rustc import SNIPPET_FILE, RawRun, is_noise, iter_spans, run_rustc, to_diagnostic
from checkers.snippet import (
    DEFAULT_MAX_INPUT,
    Snippet,
    decode_source,
    detect_edition,
    host_file_access,
    package_edition,
    parse,
    prepare,
    read_source_file,
)
from checkers.toolchains import BASELINE, REQUIRED_ROLES, RoleInfo, Toolchains, load_toolchains

Progress = Callable[[float, str], None]
#: ``on_skip(where, reason)``: an input that was not checked (unreadable file, bad JSONL line, …).
SkipCallback = Callable[[str, str], None]

DEFAULT_BATCH_SIZE = 128
#: A batch never grows past this much source; bigger snippets are checked alone.
MAX_BATCH_CHARS = 256 * 1024
MODULE_PREFIX = "__ptriage_b"
#: Predicted-outcome groups smaller than this are not worth a rustc run of their own.
MIN_GROUP = 12
#: Re-runs this small join a pending batch instead of paying for a rustc run of their own.
TINY_RERUN = 4
#: Source that can keep rustc busy past any timeout (const evaluation allowed to run forever,
#: a raised recursion or type-length limit): checked alone first when its batch times out.
_HANG_SUSPECT = re.compile(r"\blong_running_const_eval\b|\brecursion_limit\b|\btype_length_limit\b")
#: A timed-out batch no larger than this has its members checked alone.
TIMEOUT_SOLO_MAX = 4
#: Seconds to wait for a Dask scheduler before giving up (exit 3).
DASK_CONNECT_TIMEOUT = 10.0

# ---------------------------------------------------------------------------------------------
# Cases


@dataclass(frozen=True, slots=True)
class Case:
    """One unit of input: a snippet or a whole file, with where it came from."""

    source: str
    edition: str = DEFAULT_EDITION
    origin: dict[str, Any] | None = None
    id: str | None = None

    @property
    def record_id(self) -> str:
        """The id its record will carry (sha256 of normalised source + edition); used by resume."""
        return case_id(self.source, self.edition)


@dataclass(slots=True)
class ScanStats:
    """Counters a scan fills in as it runs (for summaries and benchmarks)."""

    cases: int = 0
    skipped: int = 0
    cache_hits: int = 0
    record_hits: int = 0
    role_checks: int = 0
    rustc_runs: int = 0
    batch_runs: int = 0
    solo_runs: int = 0
    bisections: int = 0
    reruns: int = 0
    timeouts: int = 0

    def add(self, other: dict[str, int]) -> None:
        for name, value in other.items():
            setattr(self, name, getattr(self, name) + value)

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _STAT_FIELDS}


_STAT_FIELDS = ("cases", "skipped", "cache_hits", "record_hits", "role_checks", "rustc_runs",
                "batch_runs", "solo_runs", "bisections", "reruns", "timeouts")

# ---------------------------------------------------------------------------------------------
# Walking folders, honouring .gitignore


@dataclass(frozen=True, slots=True)
class _IgnoreRule:
    base: Path
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _glob_to_regex(pattern: str) -> str:
    """A gitignore glob (``*``, ``?``, ``[...]``, ``**``) as a regex over a /-separated path."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if pattern.startswith("**/", i) and (i == 0 or pattern[i - 1] == "/"):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == n:
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(ch))
                i += 1
                continue
            body = pattern[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        elif ch == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return "".join(out)


def parse_gitignore(text: str, base: Path) -> list[_IgnoreRule]:
    """The common gitignore subset: globs, ``dir/``, ``!negation``, anchored paths, ``**``."""
    rules: list[_IgnoreRule] = []
    for raw in text.splitlines():
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        # Trailing spaces are ignored unless escaped.
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        negate = line.startswith("!")
        if negate or line.startswith(("\\!", "\\#")):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _glob_to_regex(line)
        regex = f"^{body}$" if anchored else f"^(?:.*/)?{body}$"
        rules.append(_IgnoreRule(base, re.compile(regex), negate, dir_only))
    return rules


class GitIgnore:
    """Stacked .gitignore rules from the repository root down; the last matching rule wins."""

    def __init__(self, rules: Sequence[_IgnoreRule] = ()) -> None:
        self.rules = list(rules)

    def with_dir(self, directory: Path) -> GitIgnore:
        file = directory / ".gitignore"
        if not file.is_file():
            return self
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(f"{file}: cannot read: {exc.strerror or exc}") from exc
        return GitIgnore([*self.rules, *parse_gitignore(text, directory)])

    def ignored(self, path: Path, *, is_dir: bool) -> bool:
        verdict = False
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            try:
                rel = path.relative_to(rule.base).as_posix()
            except ValueError:
                continue
            if rule.regex.match(rel):
                verdict = not rule.negate
        return verdict

    @classmethod
    def for_root(cls, root: Path) -> GitIgnore:
        """Rules that apply at ``root``: every .gitignore from the enclosing git work tree down."""
        root = root.absolute()
        chain = [root]
        for parent in root.parents:
            chain.append(parent)
            if (parent / ".git").exists():
                break
        else:
            if not (root / ".git").exists():
                chain = [root]
        ignore = cls()
        for directory in reversed(chain):
            ignore = ignore.with_dir(directory)
        return ignore


def _skip_dir_name(name: str) -> bool:
    return name.startswith(".") or name == "target"


def _symlink_problem(path: Path, inside: Path) -> tuple[str | None, bool]:
    """For a symlink met in a walk: (why to skip it, or None; whether it leads to a directory).

    A link is followed only when it stays inside the folder being walked: one that leads out
    (``ln -s /etc x``) would put host files into records, caches and exports.
    """
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a loop this way, 3.13 with OSError(ELOOP).
        return "symlink loop", False
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop", False
        return f"broken symlink ({exc.strerror or exc})", False
    is_dir = target.is_dir()
    if target != inside and inside not in target.parents:
        return f"symlink to {target}, outside {inside}", is_dir
    return None, is_dir


def walk_rust_files(root: Path, *, on_skip: SkipCallback | None = None) -> Iterator[Path]:
    """`.rs` files under ``root`` in a stable order, skipping target/, hidden dirs and ignored paths.

    Symlinked directories are not entered; a symlink that leads outside ``root``, or loops, or
    leads nowhere, is reported through ``on_skip`` and skipped.
    """
    inside = root.resolve()
    stack: list[tuple[Path, GitIgnore]] = [(root, GitIgnore.for_root(root))]
    while stack:
        directory, ignore = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            if on_skip is not None:
                on_skip(str(directory), f"cannot list directory: {exc.strerror or exc}")
            continue
        subdirs: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                problem, leads_to_dir = _symlink_problem(path, inside)
                wanted = entry.name.endswith(".rs") or leads_to_dir or problem == "symlink loop"
                if problem is not None and wanted and on_skip is not None:
                    on_skip(str(path), problem)
                if problem is not None or leads_to_dir:
                    continue
            if entry.is_dir(follow_symlinks=False):
                if _skip_dir_name(entry.name) or ignore.ignored(path.absolute(), is_dir=True):
                    continue
                subdirs.append(path)
            elif (entry.name.endswith(".rs") and entry.is_file()
                  and not ignore.ignored(path.absolute(), is_dir=False)):
                yield path
        for sub in reversed(subdirs):
            stack.append((sub, ignore.with_dir(sub.absolute())))


# ---------------------------------------------------------------------------------------------
# Turning inputs into cases


def split_functions(source: str) -> list[tuple[str, int, int, str]]:
    """Top-level ``fn`` items as (text, first line, last line, name), outer attributes included."""
    root = parse(source).root_node
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[tuple[str, int, int, str]] = []
    children = list(root.named_children)
    for index, node in enumerate(children):
        if node.type != "function_item":
            continue
        start = node.start_point[0]
        back = index - 1
        while back >= 0 and children[back].type in ("attribute_item", "line_comment",
                                                      "block_comment"):
            prev = children[back]
            if prev.end_point[0] < start - 1:
                break
            start = prev.start_point[0]
            back -= 1
        end = node.end_point[0]
        name_node = node.child_by_field_name("name")
        name = name_node.text.decode("utf-8", "replace") if name_node is not None else "?"
        out.append(("\n".join(lines[start:end + 1]) + "\n", start + 1, end + 1, name))
    return out


def _cases_from_source(source: str, *, edition: str, origin: dict[str, Any], split: str | None,
                       case_id_hint: str | None, where: str,
                       on_skip: SkipCallback | None) -> Iterator[Case]:
    if split is None:
        yield Case(source=source, edition=edition, origin=origin, id=case_id_hint)
        return
    functions = split_functions(source)
    if not functions and on_skip is not None:
        on_skip(where, "no top-level `fn` to split into cases (--split fn)")
    given_line = origin.get("line")
    base_line = given_line if isinstance(given_line, int) else 1
    for text, start, end, name in functions:
        fn_origin = {**origin, "line": base_line + start - 1, "end_line": base_line + end - 1,
                     "function": name}
        yield Case(source=text, edition=edition, origin=fn_origin,
                   id=f"{case_id_hint}#{name}" if case_id_hint else None)


def _cases_from_jsonl(path: Path, *, default_edition: str | None, split: str | None, max_bytes: int,
                      on_skip: SkipCallback | None) -> Iterator[Case]:
    def bad(lineno: int, reason: str) -> None:
        if on_skip is not None:
            on_skip(f"{path}:{lineno}", reason)

    try:
        handle = open(path, encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    except OSError as exc:
        if on_skip is not None:
            on_skip(str(path), f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        for lineno, line in enumerate(handle, 1):
            # str.strip(): a line of any Unicode whitespace is blank, as for `ptriage import`.
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                bad(lineno, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            except RecursionError:
                bad(lineno, "not valid JSON (nested too deeply to read)")
                continue
            except ValueError as exc:  # e.g. an integer longer than Python reads
                bad(lineno, f"not valid JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                bad(lineno, "each line must be a JSON object with a \"source\" string")
                continue
            source = obj.get("source")
            if not isinstance(source, str):
                bad(lineno, "missing \"source\" string")
                continue
            try:
                decode_source(source.encode("utf-8", "surrogatepass"), name="source",
                              max_bytes=max_bytes)
            except (InputError, UnicodeEncodeError) as exc:
                bad(lineno, str(exc))
                continue
            edition = obj.get("edition", default_edition)
            if edition is None and isinstance(obj.get("source"), str):
                edition = detect_edition(obj["source"])
            if str(edition) not in EDITIONS:
                bad(lineno, f"unknown edition {edition!r} (use one of {', '.join(EDITIONS)})")
                continue
            given_id = obj.get("id")
            if given_id is not None and not isinstance(given_id, str | int):
                bad(lineno, "\"id\" must be a string")
                continue
            origin = obj.get("origin")
            if origin is not None and not isinstance(origin, dict):
                bad(lineno, "\"origin\" must be an object")
                continue
            origin = dict(origin) if origin else {"path": str(path), "line": lineno}
            hint = str(given_id) if given_id is not None else None
            if hint is not None:
                origin.setdefault("id", hint)
            yield from _cases_from_source(source, edition=str(edition), origin=origin,
                                          split=split, case_id_hint=hint,
                                          where=f"{path}:{lineno}", on_skip=on_skip)


def iter_cases_from_paths(
    paths: Iterable[str | Path],
    *,
    split: str | None = None,
    edition: str | None = None,
    on_skip: SkipCallback | None = None,
    max_bytes: int = DEFAULT_MAX_INPUT,
) -> Iterator[Case]:
    """Cases from files, folders (walked for ``.rs``) and ``.jsonl`` corpora, lazily.

    ``edition=None`` (the default) honours a compiletest header (`//@ edition:2018`) in each
    source, else the edition of the Cargo package the file sits in (``package.edition`` of the
    nearest ``Cargo.toml``), else 2021, like ``check_file(edition=None)``.

    A folder skips ``target/``, hidden directories and what ``.gitignore`` files ignore; a file
    named explicitly is read whatever ``.gitignore`` says, if it is a ``.rs`` or ``.jsonl`` file
    (anything else is reported through ``on_skip``). ``split="fn"`` makes one case per
    top-level function. Inputs that cannot be read are reported through
    ``on_skip(where, reason)`` and skipped.
    """
    if split not in (None, "fn"):
        raise InputError(f"unknown split mode {split!r}: use 'fn'")
    if edition is not None and edition not in EDITIONS:
        raise InputError(f"unknown edition {edition!r}: use one of {', '.join(EDITIONS)}")
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files: Iterable[Path] = walk_rust_files(path, on_skip=on_skip)
        elif path.exists():
            if path.suffix not in (".rs", ".jsonl"):
                # `ptriage scan *` would otherwise check README.md or Cargo.toml as Rust.
                if on_skip is not None:
                    on_skip(str(path), "not a .rs or .jsonl file (check it on its own with "
                                       "`ptriage check FILE`)")
                continue
            files = [path]
        else:
            if on_skip is not None:
                reason = "no such file or directory"
                if path.is_symlink():
                    reason = _symlink_problem(path, path.parent.resolve())[0] or reason
                on_skip(str(path), reason)
            continue
        for file in files:
            if file.suffix == ".jsonl":
                yield from _cases_from_jsonl(file, default_edition=edition, split=split,
                                             max_bytes=max_bytes, on_skip=on_skip)
                continue
            try:
                source = read_source_file(file, max_bytes=max_bytes)
            except InputError as exc:
                if on_skip is not None:
                    on_skip(str(file), str(exc).removeprefix(f"{file}: "))
                continue
            # A file of a Cargo package has the package's edition (a compiletest header wins).
            file_edition = edition or detect_edition(
                source, default=package_edition(file) or DEFAULT_EDITION)
            yield from _cases_from_source(source, edition=file_edition,
                                          origin={"path": str(file), "line": 1}, split=split,
                                          case_id_hint=None, where=str(file), on_skip=on_skip)


# ---------------------------------------------------------------------------------------------
# Batching: several snippets, each in its own module of one crate

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
#: Code whose meaning changes when it is not the crate root, or that collides across modules.
_NOT_BATCHABLE = re.compile(
    r"no_mangle|export_name|link_section|global_allocator|panic_handler"
    r"|alloc_error_handler|#\s*\[\s*lang\b|\b(?:line|column|file|module_path)\s*!"
    r"|\b__ptriage_b\d"
)
_MODULE_NAME = re.compile(rf"\b{MODULE_PREFIX}\d+::")
_E_CODE = re.compile(r"^E\d{4}$")
#: Coded errors that stop rustc outright (crate loading) and so can hide other modules' errors.
_FATAL_CODES = frozenset({"E0460", "E0461", "E0462", "E0463", "E0464", "E0514", "E0519", "E0523"})


_EXTERN_ROOTS = frozenset({"std", "core", "alloc", "self"})
_USE_2015 = re.compile(r"\buse\s+(?:::\s*)?(\{|[A-Za-z_]\w*)")
_LEADING_PATH = re.compile(r"(?:^|[^\w>\])\s])\s*::\s*([A-Za-z_]\w*)", re.M)


def _crate_relative_2015(code: str) -> bool:
    """Edition 2015 paths that resolve from the crate root to something other than std/core."""
    roots = [m.group(1) for m in _USE_2015.finditer(code)]
    roots += [m.group(1) for m in _LEADING_PATH.finditer(code)]
    return any(root not in _EXTERN_ROOTS for root in roots)


_PATH_KINDS = frozenset({"scoped_identifier", "scoped_type_identifier", "scoped_use_list",
                        "use_wildcard", "use_as_clause", "use_list", "visibility_modifier",
                        "generic_type", "generic_function"})


def _super_reaches_root(source: str) -> bool:
    """True when some ``super`` path climbs out of the snippet's own nested modules.

    Inside ``mod inner { … super::x … }`` the path means the same in a batch module as at the
    crate root; at the top level (or with more ``super``s than enclosing modules) it does not.
    """
    stack = [parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.type == "super":
            depth = 0
            parent = node.parent
            top = node
            climbing = True
            while parent is not None:
                climbing = climbing and parent.type in _PATH_KINDS
                if climbing:
                    top = parent
                if parent.type == "mod_item":
                    depth += 1
                parent = parent.parent
            climbs = len(re.findall(r"\bsuper\b", (top.text or b"").decode("utf-8", "replace")))
            if climbs > depth:
                return True
        stack.extend(node.children)
    return False


_INNER_ATTRIBUTE = re.compile(r"#!\s*\[")
_EXTERN_CRATE = re.compile(r"\bextern\s+crate\b")
_MACRO_EXPORT = re.compile(r"#\s*\[\s*macro_export\b|\$crate\b")
#: Textual macro scope runs from a root-level definition into every module after it.
_MACRO_SCOPE = re.compile(r"\bmacro_rules\s*!|\bmacro_use\b")
_CRATE_PATH = re.compile(r"\bcrate\s*::")


#: Inner attributes that mean the same at the top of a module as at the crate root.
_LINT_ATTRIBUTES = frozenset({"allow", "warn", "deny", "forbid", "expect"})


def _inner_attribute_problem(source: str) -> str | None:
    """Why the snippet's crate-level inner attributes need a crate of their own, or None.

    Lint-level ones (``#![allow(…)]`` …) leading the file act on exactly the same code at the
    start of a module; any other (``#![feature]``, ``#![no_std]``, …) is crate-wide.
    """
    seen_item = False
    for child in parse(source).root_node.named_children:
        if child.type in ("line_comment", "block_comment"):
            continue
        if child.type != "inner_attribute_item":
            seen_item = True
            continue
        text = (child.text or b"").decode("utf-8", "replace")
        match = re.match(r"#!\s*\[\s*([A-Za-z_]\w*)", text)
        name = match.group(1) if match else "?"
        if seen_item or name not in _LINT_ATTRIBUTES:
            return f"has the crate-level inner attribute `#![{name}…]`"
    return None


def _solo_reason(snippet: Snippet, code: str) -> str | None:
    """Reasons no shared crate can reproduce a single check, not even as its root."""
    if len(snippet.source) > MAX_BATCH_CHARS // 4:
        return "large input"
    if compiletest_revisions(snippet.source):
        return "declares compiletest revisions (each role compiles it with its own --cfg)"
    if _INNER_ATTRIBUTE.search(code):
        problem = _inner_attribute_problem(snippet.source)
        if problem is not None:
            return problem
    if _EXTERN_CRATE.search(code):
        return "uses `extern crate` (it changes every module's extern prelude)"
    if _MACRO_EXPORT.search(code):
        return "exports macros (`#[macro_export]`, `$crate`)"
    if re.search(rf"\b{MODULE_PREFIX}\d", code):
        return f"uses the reserved name prefix {MODULE_PREFIX}"
    if parse(snippet.source).root_node.has_error:
        return "does not parse"
    return None


def _root_reason(snippet: Snippet, code: str) -> str | None:
    """Reasons the snippet must be the crate root (it cannot sit in a module of a batch)."""
    if _CRATE_PATH.search(code):
        return "uses `crate::` paths"
    match = _NOT_BATCHABLE.search(code)
    if match:
        return f"uses `{match.group(0)}`"
    if "super" in code and _super_reaches_root(snippet.source):
        return "uses `super` outside a nested module"
    if snippet.edition == "2015" and _crate_relative_2015(code):
        return "edition 2015 resolves `use` and `::` paths from the crate root"
    return None


#: Sources this large (a whole file with many items) are checked alone: rustc's start-up is
#: small beside their own compile time, and any error of theirs would make the siblings re-run.
SOLO_CHARS = 12 * 1024
#: Path roots that resolve in every crate.
_KNOWN_ROOTS = frozenset({"std", "core", "alloc", "proc_macro", "test", "self", "super", "crate"})
_ITEM_NAMES = frozenset({"mod_item", "struct_item", "enum_item", "union_item", "trait_item",
                         "type_item", "function_item", "const_item", "static_item",
                         "macro_definition", "extern_crate_declaration"})


def _use_roots(text: str) -> list[str]:
    """First path segments of a `use` tree's top-level branches (`{a::b, c}` → a, c)."""
    text = text.strip().removeprefix("::").strip()
    if not text.startswith("{"):
        match = re.match(r"(?:r#)?([A-Za-z_]\w*)", text)
        return [match.group(1)] if match else []
    roots: list[str] = []
    depth = 0
    start = True
    for token in re.finditer(r"[{},]|::|(?:r#)?[A-Za-z_]\w*", text):
        value = token.group(0)
        if value == "{":
            depth += 1
            start = depth == 1
        elif value == "}":
            depth -= 1
        elif value == ",":
            start = depth == 1
        elif value != "::" and start and depth == 1:
            roots.append(value.removeprefix("r#"))
            start = False
        else:
            start = False
    return roots


def predicted_unresolved(source: str) -> str | None:
    """Why a file will certainly fail name resolution alone, or None.

    An out-of-line module (`mod x;`), a `use` of a crate that is not here (`use serde::…`,
    `use crate::x` where this file defines no `x`, `use super::…` at the crate root) or a macro
    defined elsewhere in its crate (`clone_fields!(…)`) is an error whatever else is in the
    crate; in a batch it stops the siblings' later passes (or, for a missing macro, trusts
    nobody), so they would all run again.
    """
    root = parse(source).root_node
    names: set[str] = set()
    uses: list[Any] = []
    macros: set[str] = set()
    invoked: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "mod_item" and node.child_by_field_name("body") is None:
            return f"declares the out-of-line module `mod {_text(node.child_by_field_name('name'))};`"
        if node.type == "macro_definition":
            macros.add(_text(node.child_by_field_name("name")))
            continue
        if node.type == "macro_invocation":
            macro = node.child_by_field_name("macro")
            if macro is not None and macro.type == "identifier":
                invoked.append(_text(macro))
        stack.extend(node.named_children)
    for name in invoked:
        if name not in macros and name not in _STD_MACROS:
            return f"uses the macro `{name}!`, which this file does not define"
    for child in root.named_children:
        if child.type in _ITEM_NAMES:
            name = child.child_by_field_name("name")
            if name is not None:
                names.add(_text(name))
        elif child.type == "use_declaration":
            uses.append(child)
    for use in uses:
        argument = use.child_by_field_name("argument")
        text = _text(argument) if argument is not None else ""
        for first in _use_roots(text):
            if first == "crate":
                rest = re.match(r"\s*crate\s*::\s*(?:r#)?([A-Za-z_]\w*)", text)
                if rest is not None and rest.group(1) not in names:
                    return f"imports `crate::{rest.group(1)}`, which this file does not define"
            elif first == "super":
                return "imports through `super` from the crate root"
            elif first not in _KNOWN_ROOTS and first not in names:
                return f"imports from `{first}`, a crate that is not here"
    return None


#: Macros every crate has (std's prelude and `#[macro_use]` std exports).
_STD_MACROS = frozenset({
    "assert", "assert_eq", "assert_ne", "cfg", "column", "compile_error", "concat", "dbg",
    "debug_assert", "debug_assert_eq", "debug_assert_ne", "env", "eprint", "eprintln", "file",
    "format", "format_args", "include", "include_bytes", "include_str", "line", "matches",
    "module_path", "option_env", "panic", "print", "println", "stringify", "thread_local",
    "todo", "try", "unimplemented", "unreachable", "vec", "write", "writeln", "concat_idents",
    "trace_macros", "log_syntax", "asm", "global_asm", "is_x86_feature_detected",
    "const_format_args", "cfg_match", "macro_rules",
})


def _text(node: Any) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def batch_placement(snippet: Snippet) -> tuple[str, str | None]:
    """Where a snippet can go in a batch crate: ``module``, ``host`` (the crate root, one per
    batch, the other snippets in modules after it) or ``solo`` (its own crate), and why.

    Batching adapts to the input: a large source, or one whose imports cannot resolve alone,
    runs alone (batching such whole files only costs re-runs)."""
    code = _COMMENTS.sub(" ", snippet.source)
    reason = _solo_reason(snippet, code)
    if reason is not None:
        return "solo", reason
    if len(snippet.source) > SOLO_CHARS:
        return "solo", "large input"
    reason = predicted_unresolved(snippet.source)
    if reason is not None:
        return "solo", reason
    reason = _root_reason(snippet, code)
    if reason is None:
        return "module", None
    if _MACRO_SCOPE.search(code):
        return "solo", f"{reason} and defines macros (their scope would reach the other snippets)"
    return "host", reason


def batch_refusal(snippet: Snippet) -> str | None:
    """Why this snippet cannot sit in a module of a batch crate, or None when it can."""
    return batch_placement(snippet)[1]


@dataclass(frozen=True, slots=True)
class _Member:
    snippet: Snippet
    first: int  # first line of the snippet inside the batch file
    last: int

    def mapper(self) -> Callable[[int], int | None]:
        def map_line(line: int) -> int | None:
            if self.first <= line <= self.last:
                return self.snippet.map_line(line - self.first + 1)
            return None

        return map_line


def compose_batch(snippets: Sequence[Snippet], *,
                  hosted: bool = False) -> tuple[str, list[_Member]]:
    """One crate with each snippet in its own unindented ``mod``; columns stay unchanged.

    With ``hosted`` the first snippet is the crate root itself (its lines come first, exactly as
    when it is checked alone) and the others follow in modules.
    """
    parts: list[str] = []
    members: list[_Member] = []
    line = 1
    for index, snippet in enumerate(snippets):
        body = snippet.source if snippet.source.endswith("\n") else snippet.source + "\n"
        count = body.count("\n")
        if hosted and index == 0:
            parts.append(body)
            members.append(_Member(snippet, 1, count))
            line += count
            continue
        parts.append(f"mod {MODULE_PREFIX}{index} {{\n")
        parts.append(body)
        parts.append("}\n")
        members.append(_Member(snippet, line + 1, line + count))
        line += count + 2
    return "".join(parts), members


def _owner(message: dict[str, Any], members: Sequence[_Member]) -> int | None:
    """The one member every in-file span of ``message`` lies in, or None."""
    owner: int | None = None
    for span, _primary in iter_spans(message, SNIPPET_FILE):
        start, end = int(span["line_start"]), int(span["line_end"])
        found = next((i for i, m in enumerate(members) if m.first <= start and end <= m.last),
                     None)
        if found is None or (owner is not None and found != owner):
            return None
        owner = found
    return owner


def _is_error(message: dict[str, Any]) -> bool:
    return message.get("level") == "error"


def _code(message: dict[str, Any]) -> str | None:
    code = message.get("code")
    return code.get("code") if isinstance(code, dict) else None


@dataclass(slots=True)
class _RoleRun:
    """Counters of one role's runs over one unit."""

    counters: dict[str, int] = field(default_factory=lambda: {
        "rustc_runs": 0, "batch_runs": 0, "solo_runs": 0, "bisections": 0, "reruns": 0,
        "timeouts": 0})

    def bump(self, name: str, by: int = 1) -> None:
        self.counters[name] += by


def _solo(info: RoleInfo, snippet: Snippet, toolchains: Toolchains,
          cancel: CancelFlag | None, run: _RoleRun) -> CheckResult:
    run.bump("rustc_runs")
    run.bump("solo_runs")
    result = run_role(info, snippet, toolchains, cancel)
    if result.status == "timeout":
        run.bump("timeouts")
    return result


def _member_result(info: RoleInfo, raw: RawRun, member: _Member, messages: list[dict[str, Any]],
                   elapsed_ms: int) -> CheckResult:
    map_line = member.mapper()
    diagnostics = []
    for message in messages:
        diag = to_diagnostic(message, map_line=map_line)
        labels = tuple({**label, "label": _MODULE_NAME.sub("", str(label["label"]))}
                       for label in diag.labels)
        diagnostics.append(type(diag)(
            code=diag.code, level=diag.level, message=_MODULE_NAME.sub("", diag.message),
            borrowck=diag.borrowck, line=diag.line, column=diag.column, end_line=diag.end_line,
            end_column=diag.end_column, labels=labels, rendered=""))
    accepted = not any(d.level == "error" for d in diagnostics)
    return CheckResult(role=info.role, status="ok", accepted=accepted,
                       diagnostics=tuple(diagnostics), rustc=info.version, flags=info.flags,
                       elapsed_ms=elapsed_ms, error="", bootstrap=info.bootstrap)


def check_batch(info: RoleInfo, snippets: Sequence[Snippet], *, toolchains: Toolchains,
                cancel: CancelFlag | None = None, hosted: bool = False,
                counters: dict[str, int] | None = None) -> list[CheckResult]:
    """One role over several snippets, giving each exactly what a check of it alone gives.

    With ``hosted`` the first snippet is the crate root of the batch (see ``batch_placement``).
    A batch result is trusted only where it provably equals the single run (see ``_trust``);
    everything else is re-run in a smaller batch or alone.
    """
    run = _RoleRun()
    items = list(snippets)
    hosts = {items[0].edition: [0]} if hosted and items else {}
    chunk = list(range(1 if hosted else 0, len(items)))
    out = _schedule(info, items, [chunk] if chunk else [], hosts, toolchains, cancel, run)
    if counters is not None:
        for name, value in run.counters.items():
            counters[name] = counters.get(name, 0) + value
    return [out[i] for i in range(len(items))]


def _enqueue(queue: deque[list[int]], members: list[int], snippets: list[Snippet],
             batch_size: int) -> None:
    """Queue a re-run; a tiny one joins a batch of the same edition that has not run yet (a run of
    its own would cost a whole rustc start-up for a snippet or two)."""
    edition = snippets[members[0]].edition
    for pending in queue if len(members) <= TINY_RERUN else ():
        if (pending and snippets[pending[0]].edition == edition
                and len(pending) + len(members) <= batch_size):
            pending.extend(members)
            return
    queue.append(members)


def _schedule(info: RoleInfo, snippets: list[Snippet], chunks: list[list[int]],
              hosts: dict[str, list[int]], toolchains: Toolchains,
              cancel: CancelFlag | None, run: _RoleRun,
              batch_size: int = DEFAULT_BATCH_SIZE) -> dict[int, CheckResult]:
    """Run batches until every snippet has a trusted result (by index into ``snippets``).

    ``chunks`` are batches of module snippets (one edition each); ``hosts`` are crate-root
    snippets by edition, one of which roots each batch run while any are left (re-runs too).
    Each run settles at least one snippet, or splits a batch that cannot be read: it ends.
    """
    results: dict[int, CheckResult] = {}
    queue = deque(chunks)
    timed_out: set[int] = set()  # members of a batch that already timed out once
    while queue:
        members = queue.popleft()
        if not members:
            continue
        edition = snippets[members[0]].edition
        spare = hosts.get(edition)
        host = spare.pop() if spare else None
        batch = [host, *members] if host is not None else members
        if len(batch) == 1:
            results[batch[0]] = _solo(info, snippets[batch[0]], toolchains, cancel, run)
            continue
        source, layout = compose_batch([snippets[i] for i in batch], hosted=host is not None)
        raw = run_rustc(info, source, edition=edition, limits=toolchains.limits, cancel=cancel)
        run.bump("rustc_runs")
        run.bump("batch_runs")
        per_member = _attribute(raw, layout)
        if raw.status == "timeout":
            run.bump("bisections")
            run.bump("timeouts")
            for index in _after_timeout(batch, host, snippets, timed_out, queue, spare):
                results[index] = _solo(info, snippets[index], toolchains, cancel, run)
            continue
        if per_member is None:
            # A crash, a limit, or a diagnostic that belongs to no single snippet: the host is
            # checked alone and the modules are split in halves until the culprit stands alone.
            run.bump("bisections")
            if host is not None:
                results[host] = _solo(info, snippets[host], toolchains, cancel, run)
                queue.appendleft(members)
            else:
                middle = len(members) // 2
                queue.appendleft(members[middle:])
                queue.appendleft(members[:middle])
            continue
        share = raw.elapsed_ms // len(batch)
        rerun: list[int] = []
        for position, decision in enumerate(_trust(per_member)):
            index = batch[position]
            if decision == "trust":
                results[index] = _member_result(info, raw, layout[position], per_member[position],
                                                share)
            elif decision == "solo":
                results[index] = _solo(info, snippets[index], toolchains, cancel, run)
            elif index == host:
                assert spare is not None
                spare.append(index)
            else:
                rerun.append(index)
        if rerun:
            run.bump("reruns")
            _enqueue(queue, rerun, snippets, batch_size)
    for waiting in hosts.values():
        # More crate-root snippets than batch runs: the rest are checked alone.
        while waiting:
            index = waiting.pop()
            results[index] = _solo(info, snippets[index], toolchains, cancel, run)
    return results


def _after_timeout(batch: list[int], host: int | None, snippets: list[Snippet],
                   timed_out: set[int], queue: deque[list[int]],
                   spare: list[int] | None) -> list[int]:
    """Who runs alone after ``batch`` timed out; queues the rest. Timeouts never multiply.

    Halving would time out once per level (one looping snippet among 127 cost seven timeouts
    per role). Instead: snippets that look able to hang are checked alone and their siblings
    re-run without them in one batch; failing that, the batch splits into about sqrt(n)
    chunks, and a chunk that times out again (or a small batch) has every member checked
    alone. A looping snippet costs at most three timeouts, whatever the batch size.
    """
    members = [i for i in batch if i != host]
    suspects = [i for i in batch
                if i not in timed_out and _HANG_SUSPECT.search(snippets[i].user_source)]
    again = any(i in timed_out for i in batch)
    timed_out.update(batch)
    if suspects:
        rest = [i for i in members if i not in suspects]
        if host is not None and host not in suspects:
            assert spare is not None
            spare.append(host)
        if rest:
            queue.appendleft(rest)
        return suspects
    if again or len(batch) <= TIMEOUT_SOLO_MAX:
        return batch
    if host is not None:
        assert spare is not None
        spare.append(host)
    size = max(1, round(len(members) ** 0.5))
    for start in reversed(range(0, len(members), size)):
        queue.appendleft(members[start:start + size])
    return []


def _attribute(raw: RawRun, layout: Sequence[_Member]) -> list[list[dict[str, Any]]] | None:
    """Each member's messages, or None when the run cannot be read member by member."""
    if raw.status != "ok":
        return None
    per_member: list[list[dict[str, Any]]] = [[] for _ in layout]
    for message in raw.messages:
        if is_noise(message):
            continue
        owner = _owner(message, layout)
        if owner is None:
            return None
        per_member[owner].append(message)
    return per_member


def _trust(per_member: list[list[dict[str, Any]]]) -> list[str]:
    """Which members' batch diagnostics equal their single-run diagnostics: trust, rerun or solo.

    rustc runs its passes over the whole crate and stops after a pass that produced errors
    (lint errors stop fewer passes than hard errors do). Per member:

    * batch without any error: every pass ran for everyone, so everyone is complete;
    * a hard (non-lint) error of its own: it stopped the compilation at the same pass alone as in
      the batch (no pass before that one failed for anyone), so its diagnostics are exact;
    * only lint errors, in a batch without hard errors: no hard error stopped anything early,
      and whatever its own lint errors stop alone they also stop in the batch: exact;
    * no error of its own in a batch with errors, or only lint errors in a batch with hard
      errors: later passes may have been skipped because of the others: re-run without them;
    * a codeless non-borrowck error (parse, macro, fatal) or a crate-loading error can abort
      rustc in the middle of a pass: that member is checked alone, and nobody trusts the batch.
    """
    if not any(_is_error(m) for messages in per_member for m in messages):
        return ["trust"] * len(per_member)
    kinds: list[str] = []
    for messages in per_member:
        kind = "none"
        for message in (m for m in messages if _is_error(m)):
            code = _code(message)
            if code is None:
                if not is_borrowck(None, str(message.get("message", ""))):
                    kind = "unsafe"
                    break
                kind = "hard"
            elif code in _FATAL_CODES:
                kind = "unsafe"
                break
            elif _E_CODE.match(code):
                kind = "hard"
            elif kind == "none":
                kind = "lint"
        kinds.append(kind)
    if "unsafe" in kinds:
        return ["solo" if k == "unsafe" else "rerun" for k in kinds]
    any_hard = "hard" in kinds
    return ["trust" if k == "hard" or (k == "lint" and not any_hard) else "rerun"
            for k in kinds]


# ---------------------------------------------------------------------------------------------
# Work units: a picklable batch of cases → triages (the same function runs locally and on Dask)


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """A picklable batch of cases and how to check them; ``process_unit`` turns it into results."""

    cases: tuple[Case, ...]
    toolchains_file: str | None
    fingerprint: str
    cache: bool = True
    patterns: bool = True
    confirm: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    #: cfg options (``--cfg-test``, ``--features``): a worker that loads its own toolchains
    #: applies them (they are in the role flags, so in the fingerprint).
    cfg_test: bool = False
    features: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnitResult:
    """The triages of one unit, the cases it could not check, and counters."""

    triages: tuple[Triage, ...]
    skipped: tuple[tuple[str, str], ...]
    counters: dict[str, int]


def _where(case: Case) -> str:
    origin = case.origin or {}
    path = origin.get("path")
    if path is None:
        return case.id or case.record_id[:12]
    line = origin.get("line")
    return f"{path}:{line}" if line is not None else str(path)


def _findings(source: str, edition: str) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    from checkers import patterns as pattern_mod

    found = pattern_mod.detect(source, edition=edition)
    return tuple(found.patterns), tuple(found.epochs)


def _confirm(snippet: Snippet, found: tuple[Finding, ...], toolchains: Toolchains,
             cancel: CancelFlag | None, *, batched: Callable[[str], Triage | None] | None = None,
             original: Triage | None = None) -> tuple[Finding, ...]:
    """Prove findings by rewrite exactly as ``check_source(confirm=True)`` does.

    ``batched`` returns the triage of a direct form that already ran in the unit's role batches
    (None when it did not: then it is checked alone, as before)."""
    from checkers import patterns as pattern_mod
    from checkers.engine import check_source

    if not found:
        return found

    def check_rewrite(rewritten: str) -> Triage:
        done = batched(rewritten) if batched is not None else None
        if done is not None:
            return done
        return check_source(rewritten, edition=snippet.edition, toolchains=toolchains,
                            patterns=False, cancel=cancel)

    return tuple(pattern_mod.confirm(snippet.user_source, found, check=check_rewrite,
                                     original=original))


def _direct_forms(snippet: Snippet, found: tuple[Finding, ...]) -> list[str]:
    """The direct form of every workaround finding that has a mechanical rewrite."""
    from checkers import patterns as pattern_mod

    out = []
    for finding in found:
        if finding.kind == "pattern":
            direct = pattern_mod.rewrite(snippet.user_source, finding)
            if direct is not None and direct not in out:
                out.append(direct)
    return out


#: Role statuses that make a whole record safe to reuse (the same inputs give the same record).
#: Records whose every role has one of these statuses are cached whole. Not ``refused``: a
#: refusal is cheap to recompute, and one from the host fallback's dep-info check must never be
#: stored (the run read a host file).
#: A ``timeout`` counts too: the record key holds the time limit it ran under.
_STABLE_STATUSES = frozenset({"ok", "ice", "missing", "timeout"})


def record_key(case: Case, toolchains: Toolchains, *, patterns: bool, confirm: bool) -> str:
    """Key of a whole record: engine code, every role's identity, options, edition, exact source."""
    digest = hashlib.sha256()
    digest.update(json.dumps([CACHE_VERSION, code_fingerprint(), toolchains.fingerprint(),
                              toolchains.limits.allow_include, toolchains.limits.max_input_kb,
                              toolchains.limits.timeout,
                              list(toolchains.notes), case.edition, patterns, confirm]).encode())
    digest.update(b"\0")
    digest.update(case.source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def triage_from_record(record: dict[str, Any], *, origin: dict[str, Any] | None) -> Triage:
    """Rebuild a Triage from its record (``to_record`` round-trips through this)."""
    return Triage.from_record(record, origin=origin)


def process_unit(unit: WorkUnit, *, toolchains: Toolchains | None = None,
                 cancel: CancelFlag | None = None,
                 cache: ResultCache | None = None) -> UnitResult:
    """Check every case of ``unit`` under every role: cache first, then batches, then singles."""
    tc = toolchains if toolchains is not None else with_cfg(
        load_toolchains(unit.toolchains_file), cfg_test=unit.cfg_test, features=unit.features)
    if tc.fingerprint() != unit.fingerprint:
        raise ToolchainError(
            "this worker's toolchains differ from the client's (fingerprint "
            f"{tc.fingerprint()} vs {unit.fingerprint}): install the same rustc versions on "
            "every worker (`ptriage toolchains` shows them)")
    store = cache if cache is not None else (shared_cache() if unit.cache else None)
    counters: dict[str, int] = {"cache_hits": 0, "role_checks": 0, "record_hits": 0}
    skipped: list[tuple[str, str]] = []
    limit = tc.limits.max_input_kb * 1024
    reused: list[Triage] = []
    todo_cases: list[tuple[Case, str | None]] = [(case, None) for case in unit.cases]
    if store is not None:
        keyed = [(case, record_key(case, tc, patterns=unit.patterns, confirm=unit.confirm))
                 for case in unit.cases]
        records = store.get_records(key for _case, key in keyed)
        todo_cases = []
        for case, key in keyed:
            record = records.get(key)
            if record is None:
                todo_cases.append((case, key))
            else:
                reused.append(triage_from_record(record, origin=case.origin))
        counters["record_hits"] = len(reused)
        counters["cache_hits"] = len(reused) * len(tc.roles)
    prepared: list[tuple[Case, Snippet, str | None]] = []
    record_keys: list[str | None] = []
    for case, rkey in todo_cases:
        try:
            size = len(case.source.encode("utf-8", "surrogatepass"))
            if size > limit:
                raise InputError(f"input is {size:,} bytes, over the {limit:,}-byte limit "
                                 "(raise limits.max_input_kb in toolchains.toml)")
            if "\x00" in case.source:
                raise InputError("input contains NUL bytes: not Rust source")
            snippet = prepare(case.source, edition=case.edition)
        except InputError as exc:
            skipped.append((_where(case), str(exc)))
            continue
        refusal = None if tc.limits.allow_include else host_file_access(snippet.user_source)
        prepared.append((case, snippet, refusal))
        record_keys.append(rkey)

    # Proof by rewrite rides in the same per-role batches: each finding's direct form is one
    # more snippet after the cases (index >= n_cases), checked, cached and batched like them.
    n_cases = len(prepared)
    found_by_case: list[tuple[tuple[Finding, ...], tuple[Finding, ...]]] = []
    direct_at: dict[tuple[str, str], int] = {}
    if unit.patterns:
        found_by_case = [_findings(s.user_source, s.edition) for _c, s, _r in prepared]
        if unit.confirm:
            for index in range(n_cases):
                case, snippet, refusal = prepared[index]
                if refusal is not None:
                    continue
                for direct in _direct_forms(snippet, found_by_case[index][0]):
                    if (snippet.edition, direct) in direct_at:
                        continue
                    try:
                        direct_snippet = prepare(direct, edition=snippet.edition)
                    except InputError:
                        continue  # checked alone later, which reports it as the engine does
                    direct_at[(snippet.edition, direct)] = len(prepared)
                    prepared.append((case, direct_snippet, None if tc.limits.allow_include
                                     else host_file_access(direct_snippet.user_source)))
                    record_keys.append(None)

    roles = [r for r in ROLES if r in tc.roles]
    checks: list[dict[str, CheckResult]] = [{} for _ in prepared]
    keys: dict[tuple[int, str], str] = {}
    for index, (_case, snippet, refusal) in enumerate(prepared):
        for role in roles:
            info = tc.roles[role]
            if refusal is not None:
                checks[index][role] = refused_result(info, refusal)
            elif info.available:
                keys[(index, role)] = cache_key(info, snippet)
    cached = (store.get_many(keys.values(), timeout=tc.limits.timeout)
              if store is not None and keys else {})
    for (index, role), key in keys.items():
        hit = cached.get(key)
        if hit is not None:
            checks[index][role] = hit
            counters["cache_hits"] += 1

    placement = [batch_placement(snippet)[0] if unit.batch_size > 1 and refusal is None
                 else "solo" for _case, snippet, refusal in prepared]

    def run_one_role(role: str, hints: list[bool] | None) -> tuple[dict[int, CheckResult],
                                                                   dict[str, int]]:
        info = tc.roles[role]
        mine: dict[str, int] = {"role_checks": 0}
        todo = [i for i, (_c, _s, refusal) in enumerate(prepared)
                if refusal is None and role not in checks[i]]
        if not todo:
            return {}, mine
        mine["role_checks"] = len(todo)
        if not info.available:
            return {i: run_role(info, prepared[i][1], tc, cancel) for i in todo}, mine
        results = _run_role_many(info, [prepared[i][1] for i in todo],
                                 [placement[i] for i in todo],
                                 None if hints is None else [hints[i] for i in todo],
                                 tc, cancel, mine, unit.batch_size)
        return dict(zip(todo, results, strict=True)), mine

    fresh: dict[str, CheckResult] = {}

    def merge(role: str, done: dict[int, CheckResult], mine: dict[str, int]) -> None:
        for name, value in mine.items():
            counters[name] = counters.get(name, 0) + value
        for i, result in done.items():
            checks[i][role] = result
            fresh[keys[(i, role)]] = result

    # The baseline runs first: which snippets it accepts predicts, for the other roles, which
    # ones share an error-free batch (fewer re-runs). The other roles then run side by side.
    first = [r for r in roles if r == BASELINE]
    for role in first:
        merge(role, *run_one_role(role, None))
    hints = [bool(checks[i].get(BASELINE) is not None and checks[i][BASELINE].accepted)
             for i in range(len(prepared))]
    rest = [r for r in roles if r not in first]
    if rest:
        with ThreadPoolExecutor(max_workers=len(rest), thread_name_prefix="ptriage-role") as pool:
            futures = {role: pool.submit(run_one_role, role, hints) for role in rest}
            for role, future in futures.items():
                merge(role, *future.result())
    if store is not None and fresh:
        store.put_many(fresh, timeout=tc.limits.timeout)

    triages: list[Triage] = reused
    new_records: dict[str, dict[str, Any]] = {}
    def batched(edition: str) -> Callable[[str], Triage | None]:
        def lookup(direct: str) -> Triage | None:
            at = direct_at.get((edition, direct))
            if at is None:
                return None
            done = {r: checks[at][r] for r in roles if r in checks[at]}
            return build_triage(prepared[at][1], done, toolchains=tc)
        return lookup

    for index, (case, snippet, _refusal) in enumerate(prepared[:n_cases]):
        found_patterns: tuple[Finding, ...] = ()
        found_epochs: tuple[Finding, ...] = ()
        ordered = {r: checks[index][r] for r in roles if r in checks[index]}
        if unit.patterns:
            found_patterns, found_epochs = found_by_case[index]
            if unit.confirm and found_patterns:
                found_patterns = _confirm(
                    snippet, found_patterns, tc, cancel, batched=batched(snippet.edition),
                    original=build_triage(snippet, ordered, toolchains=tc, origin=case.origin))
        triage = build_triage(snippet, ordered, toolchains=tc, origin=case.origin,
                              patterns=found_patterns, epochs=found_epochs)
        triages.append(triage)
        rkey = record_keys[index]
        if rkey is not None and all(c.status in _STABLE_STATUSES for c in ordered.values()):
            record = triage.to_record()
            record.pop("origin")
            new_records[rkey] = record
    if store is not None and new_records:
        store.put_records(new_records)
    return UnitResult(tuple(triages), tuple(skipped), counters)


def _run_role_many(info: RoleInfo, snippets: list[Snippet], placement: list[str],
                   hints: list[bool] | None, toolchains: Toolchains,
                   cancel: CancelFlag | None, counters: dict[str, int],
                   batch_size: int) -> list[CheckResult]:
    """Batch what can share a crate (per edition and predicted outcome, bounded size), with
    crate-root snippets hosting batch runs; check the rest alone."""
    run = _RoleRun()
    results: dict[int, CheckResult] = {}
    groups: dict[tuple[str, bool], list[int]] = {}
    hosts: dict[str, list[int]] = {}
    for index, snippet in enumerate(snippets):
        if placement[index] == "module":
            hint = hints[index] if hints is not None else False
            groups.setdefault((snippet.edition, hint), []).append(index)
        elif placement[index] == "host":
            hosts.setdefault(snippet.edition, []).append(index)
        else:
            results[index] = _solo(info, snippet, toolchains, cancel, run)
    for (edition, hint), indices in list(groups.items()):
        other = groups.get((edition, not hint))
        if other is not None and min(len(indices), len(other)) < MIN_GROUP and hint:
            # A batch run costs a rustc start-up: a small predicted group joins the other one.
            other.extend(groups.pop((edition, hint)))
    chunks: list[list[int]] = []
    for indices in groups.values():
        chunk: list[int] = []
        size = 0
        for index in indices:
            length = len(snippets[index].source)
            if chunk and (len(chunk) >= batch_size or size + length > MAX_BATCH_CHARS):
                chunks.append(chunk)
                chunk, size = [], 0
            chunk.append(index)
            size += length
        if chunk:
            chunks.append(chunk)
    results.update(_schedule(info, snippets, chunks, hosts, toolchains, cancel, run, batch_size))
    for name, value in run.counters.items():
        counters[name] = counters.get(name, 0) + value
    return [results[i] for i in range(len(snippets))]


# ---------------------------------------------------------------------------------------------
# Executors


class ExecutorError(CheckerError):
    """The requested executor cannot be used; ``exit_code`` is what the CLI returns."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Future(Protocol):
    def result(self, timeout: float | None = ...) -> Any: ...
    def add_done_callback(self, fn: Callable[[Any], object]) -> None: ...
    def cancel(self) -> Any: ...


class _Backend(Protocol):
    slots: int

    def submit(self, unit: WorkUnit) -> _Future: ...
    def close(self) -> None: ...


class _LocalBackend:
    """A thread pool over work units: rustc runs are subprocesses, so threads overlap them well."""

    def __init__(self, jobs: int, toolchains: Toolchains, cancel: CancelFlag) -> None:
        self.slots = jobs
        self._pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ptriage-scan")
        self._toolchains = toolchains
        self._cancel = cancel

    def submit(self, unit: WorkUnit) -> _Future:
        return self._pool.submit(process_unit, unit, toolchains=self._toolchains,
                                 cancel=self._cancel)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _process_unit_remote(unit: WorkUnit) -> UnitResult:
    """Entry point on a Dask worker: it loads its own toolchains (and uses its own cache)."""
    return process_unit(unit)


class _DaskBackend:
    """Units as tasks on a Dask cluster through ``distributed.Client``."""

    def __init__(self, address: str, jobs: int | None) -> None:
        try:
            import distributed
        except ImportError as exc:
            raise ExecutorError(
                "--executor dask:// needs the `distributed` package: install it with "
                "`pip install 'polonius-triage[cluster]'`", exit_code=2) from exc
        target = address.removeprefix("dask://")
        if not target:
            raise ExecutorError("--executor dask://HOST:PORT needs a scheduler address")
        try:
            client_cls: Any = distributed.Client
            self._client: Any = client_cls(f"tcp://{target}", timeout=DASK_CONNECT_TIMEOUT,
                                           set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {target}: {exc} (start one with "
                "`dask scheduler` and workers with `dask worker tcp://HOST:PORT`, or drop "
                "--executor to scan locally)", exit_code=3) from exc
        threads = sum(self._client.nthreads().values()) or 1
        self.slots = max(2, jobs or threads * 2)

    def submit(self, unit: WorkUnit) -> _Future:
        future: _Future = self._client.submit(_process_unit_remote, unit, pure=False)
        return future

    def close(self) -> None:
        self._client.close()


def _units(cases: Iterable[Case], batch_size: int, toolchains_file: str | None, fingerprint: str,
           *, cache: bool, patterns: bool, confirm: bool, cfg_test: bool = False,
           features: tuple[str, ...] = ()) -> Iterator[WorkUnit]:
    """Units of one edition each (an edition is crate-wide, so only those share rustc runs).

    A case that will run alone anyway (a large whole file, or one whose imports cannot resolve
    alone: see ``batch_placement``) is a unit of its own, so such files spread over the workers
    exactly as with ``--batch-size 1`` instead of queueing one after another inside a unit.
    """
    buckets: dict[str, list[Case]] = {}
    for case in cases:
        if batch_size > 1 and _runs_alone(case.source):
            yield WorkUnit((case,), toolchains_file, fingerprint, cache, patterns, confirm,
                           batch_size, cfg_test, features)
            continue
        bucket = buckets.setdefault(case.edition, [])
        bucket.append(case)
        if len(bucket) >= batch_size:
            yield WorkUnit(tuple(bucket), toolchains_file, fingerprint, cache, patterns, confirm,
                           batch_size, cfg_test, features)
            bucket.clear()
    for bucket in buckets.values():
        if bucket:
            yield WorkUnit(tuple(bucket), toolchains_file, fingerprint, cache, patterns, confirm,
                           batch_size, cfg_test, features)


#: Below this size a case is a snippet: not worth a parse to predict its placement here.
_WHOLE_FILE_CHARS = 2048


def _runs_alone(source: str) -> bool:
    if len(source) > SOLO_CHARS:
        return True
    return len(source) > _WHOLE_FILE_CHARS and predicted_unresolved(source) is not None


def _unit_size(batch_size: int, total: int | None, workers: int) -> int:
    """Smaller units when the whole scan is small, so every worker gets a share."""
    if total is None or total <= 0:
        return batch_size
    return min(batch_size, max(16, -(-total // (2 * workers))))


def require_runnable(toolchains: Toolchains) -> None:
    missing = [r for r in REQUIRED_ROLES if not toolchains.roles[r].available]
    if missing:
        info = toolchains.roles[missing[0]]
        raise ToolchainError(
            f"toolchain role {info.role!r} cannot run: {info.problem}"
            + (f"; fix: {info.fix}" if info.fix else "")
            + " (see `ptriage toolchains`)")


def scan_iter(
    cases: Iterable[Case],
    *,
    toolchains: Toolchains | None = None,
    jobs: int | None = None,
    cache: bool = True,
    cancel: CancelFlag | None = None,
    progress: Progress | None = None,
    executor: str | None = None,
    patterns: bool = True,
    confirm: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    total: int | None = None,
    on_skip: SkipCallback | None = None,
    stats: ScanStats | None = None,
    cfg_test: bool = False,
    features: tuple[str, ...] | list[str] = (),
) -> Iterator[Triage]:
    """Check many cases, yielding each Triage as soon as its batch completes (order may differ).

    Each Triage carries its case's ``origin``; its verdict, diagnostics and findings equal those
    of ``check_source(case.source, edition=case.edition, patterns=patterns, confirm=confirm)``.
    Cases are pulled lazily and at most two units per worker are in flight, so memory stays
    bounded however long ``cases`` is.

    ``executor`` is None (a local thread pool of ``jobs`` workers, default: CPU count) or
    ``"dask://HOST:PORT"`` (raises ExecutorError: ``exit_code`` 2 without `distributed`, 3 when
    the scheduler cannot be reached). ``cache`` reads and writes the result cache in
    ``checkers.paths.cache_dir()``. Setting ``cancel`` stops the scan: running rustc processes
    are killed and the iterator simply ends. ``progress(fraction, message)`` is called on the
    consuming thread after each result (``fraction`` is 0 while ``total`` is unknown; a sized
    ``cases`` gives it). ``cfg_test``/``features`` compile `#[cfg(test)]`/`#[test]` and
    `feature="…"` code as ``check_source`` does. ``on_skip(where, reason)`` hears of cases that
    cannot be checked (empty, too large, NUL bytes); ``stats`` is filled with counters as the
    scan runs. Raises ToolchainError when the stable or polonius role cannot run at all.
    """
    tc = toolchains if toolchains is not None else load_toolchains()
    features = parse_features(features)
    tc = with_cfg(tc, cfg_test=cfg_test, features=features)
    require_runnable(tc)
    workers = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    batch_size = max(1, batch_size)
    if total is None and isinstance(cases, Sized):
        total = len(cases)
    stop = threading.Event()
    backend: _Backend
    if executor is None or executor in ("local", ""):
        backend = _LocalBackend(workers, tc, stop)
    elif executor.startswith("dask://"):
        backend = _DaskBackend(executor, jobs)
    else:
        raise ExecutorError(f"unknown executor {executor!r}: use dask://HOST:PORT or omit it")
    units = _units(cases, _unit_size(batch_size, total, workers), str(tc.source_path),
                   tc.fingerprint(), cache=cache, patterns=patterns, confirm=confirm,
                   cfg_test=cfg_test, features=features)
    done: queue.Queue[_Future] = queue.Queue()
    in_flight: list[_Future] = []
    exhausted = False
    finished = 0
    started = time.monotonic()
    try:
        while True:
            while not exhausted and len(in_flight) < backend.slots * 2 and not stop.is_set():
                unit = next(units, None)
                if unit is None:
                    exhausted = True
                    break
                future = backend.submit(unit)
                future.add_done_callback(done.put)
                in_flight.append(future)
            if not in_flight:
                return
            try:
                future = done.get(timeout=0.1)
            except queue.Empty:
                if cancel is not None and cancel.is_set():
                    stop.set()
                    return
                continue
            in_flight.remove(future)
            if cancel is not None and cancel.is_set():
                stop.set()
                return
            try:
                result: UnitResult = future.result()
            except CancelledError:
                if stop.is_set() or (cancel is not None and cancel.is_set()):
                    return
                raise
            except CheckerError:
                raise
            except Exception as exc:
                if isinstance(backend, _DaskBackend):
                    # A lost worker or a worker that cannot import the engine: not a bug here.
                    raise ExecutorError(f"a Dask task failed: {exc!r} (check the workers' logs; "
                                        "they need polonius-triage and the same toolchains)",
                                        exit_code=3) from exc
                raise
            if stats is not None:
                stats.add(result.counters)
                stats.skipped += len(result.skipped)
            for where, reason in result.skipped:
                if on_skip is not None:
                    on_skip(where, reason)
            for triage in result.triages:
                finished += 1
                if stats is not None:
                    stats.cases += 1
                yield triage
                if progress is not None:
                    elapsed = max(time.monotonic() - started, 1e-9)
                    fraction = finished / total if total else 0.0
                    progress(min(fraction, 1.0), f"{finished} checked, {finished / elapsed:.1f}/s")
    finally:
        stop.set()
        for future in in_flight:
            future.cancel()
        backend.close()
