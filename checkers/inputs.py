"""Input discovery: cases from files, folders (``.gitignore``, symlink rules) and JSONL corpora.

A folder walk yields ``.rs`` files in a stable order; ``iter_cases_from_paths`` turns files,
folders and ``.jsonl`` corpora into ``Case`` objects lazily, reporting what it cannot read through
a skip callback.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkers.errors import InputError
from checkers.model import DEFAULT_EDITION, EDITIONS, case_id
from checkers.snippet import (
    DEFAULT_MAX_INPUT,
    decode_source,
    detect_edition,
    is_loose,
    package_edition,
    parse,
    read_source_file,
)

#: ``on_skip(where, reason)``: an input that was not checked (unreadable file, bad JSONL line, …).
SkipCallback = Callable[[str, str], None]

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


#: Starts what a split case appends after its function (its lines are not the file's lines).
SPLIT_CONTEXT_HEADER = "// ptriage: the file's other top-level items, so the function compiles in context\n"


def split_context(source: str) -> str:
    """The file's top-level items other than ``fn`` items (with their attributes and comments),
    for a ``--split fn`` case to compile in context; empty when there are none.

    Inner attributes (`#![…]`) are left out: they must lead the crate, and the function leads
    the case so that its lines keep the file's offsets. Loose statements are left out too."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    encoded = text.encode("utf-8", "surrogatepass")
    out: list[str] = []
    pending: list[Any] = []
    for child in parse(text).root_node.children:
        if child.type in ("line_comment", "block_comment", "attribute_item"):
            pending.append(child)
            continue
        if child.is_named and child.type not in _NOT_CONTEXT and not is_loose(child):
            first = pending[0] if pending else child
            out.append(encoded[first.start_byte:child.end_byte].decode("utf-8", "surrogatepass"))
        pending = []
    return SPLIT_CONTEXT_HEADER + "\n".join(out) + "\n" if out else ""


_NOT_CONTEXT = frozenset({"function_item", "inner_attribute_item", "empty_statement", "ERROR"})


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
    # The function first, the rest of the file after it: its lines keep their offsets from
    # origin.line, and the `use`s, types, consts and impls it names still resolve.
    context = split_context(source) if functions else ""
    for text, start, end, name in functions:
        text = f"{text}\n{context}" if context else text
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
