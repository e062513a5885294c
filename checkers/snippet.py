"""User input → a compilable crate: reading and validating text, wrapping loose statements, the line map."""

from __future__ import annotations

import functools
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkers.errors import InputError
from checkers.model import EDITIONS

DEFAULT_MAX_INPUT = 1024 * 1024
WRAPPER_FN = "__ptriage_snippet"

_parser_lock = threading.Lock()
_parsers: dict[int, Any] = {}


@functools.cache
def rust_language() -> Any:
    """The tree-sitter Rust language (loaded once)."""
    import tree_sitter
    import tree_sitter_rust

    return tree_sitter.Language(tree_sitter_rust.language())


def parse(source: str) -> Any:
    """Parse with a per-thread tree-sitter parser (parsers are not thread-safe)."""
    import tree_sitter

    ident = threading.get_ident()
    parser = _parsers.get(ident)
    if parser is None:
        with _parser_lock:
            parser = tree_sitter.Parser(rust_language())
            _parsers[ident] = parser
    return parser.parse(source.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------------------------
# Reading input


def validate_edition(edition: str | int) -> str:
    text = str(edition).strip()
    if text not in EDITIONS:
        raise InputError(f"unknown edition {text!r}: use one of {', '.join(EDITIONS)}")
    return text


_EDITION_HEADER = re.compile(r"^\s*//@?\s*(?:\[\w+\]\s*)?edition\s*:\s*(\d{4})\s*$", re.M)


def detect_edition(source: str, default: str = "2021") -> str:
    """The edition a compiletest-style header asks for (`//@ edition:2018`), else ``default``."""
    match = _EDITION_HEADER.search(source[:4096])
    if match and match.group(1) in EDITIONS:
        return match.group(1)
    return default


def package_edition(path: str | Path) -> str | None:
    """The edition of the Cargo package a source file sits in (``package.edition`` of the nearest
    enclosing ``Cargo.toml``, following ``edition.workspace = true``; Cargo's default 2015 when
    the package names none), or None outside any package."""
    try:
        start = Path(path).resolve().parent
    except (OSError, RuntimeError):
        return None
    return _package_edition(str(start))


@functools.lru_cache(maxsize=1024)
def _package_edition(directory: str) -> str | None:
    import tomllib

    for folder in (Path(directory), *Path(directory).parents):
        manifest = folder / "Cargo.toml"
        try:
            data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None
        package = data.get("package")
        if not isinstance(package, dict):
            continue  # a virtual workspace manifest: the file is in no package here
        edition = package.get("edition", "2015")
        if isinstance(edition, dict) and edition.get("workspace") is True:
            return _workspace_edition(folder.parent)
        return str(edition) if str(edition) in EDITIONS else None
    return None


def _workspace_edition(start: Path) -> str | None:
    import tomllib

    for folder in (start, *start.parents):
        manifest = folder / "Cargo.toml"
        try:
            data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None
        workspace = data.get("workspace")
        if isinstance(workspace, dict):
            edition = (workspace.get("package") or {}).get("edition")
            return str(edition) if str(edition) in EDITIONS else None
    return None


def decode_source(data: bytes, *, name: str, max_bytes: int = DEFAULT_MAX_INPUT) -> str:
    """Bytes → text, refusing what rustc cannot take, with one clear sentence each."""
    if len(data) > max_bytes:
        raise InputError(
            f"{name}: input is {len(data):,} bytes, over the {max_bytes:,}-byte limit "
            "(raise limits.max_input_kb in toolchains.toml to check it)"
        )
    if b"\x00" in data[:8192] or b"\x00" in data:
        raise InputError(f"{name}: looks like a binary file (contains NUL bytes), not Rust source")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); "
            "Rust source must be UTF-8"
        ) from exc
    if not text.strip():
        raise InputError(f"{name}: input is empty")
    return text


def read_source_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_INPUT) -> str:
    """Read a Rust source file (``-`` is stdin), validated by :func:`decode_source`."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        return decode_source(data, name="<stdin>", max_bytes=max_bytes)
    file = Path(path)
    if file.is_dir():
        raise InputError(f"{file}: is a directory (use `ptriage scan` for folders)")
    try:
        with open(file, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise InputError(f"{file}: no such file") from exc
    except OSError as exc:
        raise InputError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        size = file.stat().st_size
        raise InputError(
            f"{file}: input is {size:,} bytes, over the {max_bytes:,}-byte limit "
            "(raise limits.max_input_kb in toolchains.toml to check it)"
        )
    return decode_source(data, name=str(file), max_bytes=max_bytes)


# ---------------------------------------------------------------------------------------------
# Host-file access

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_INCLUDE = re.compile(r"\b(?:r#)?(include(?:_str|_bytes)?)\s*!")
_PATH_ATTR = re.compile(r"#\s*!?\s*\[\s*path\s*=")


def host_file_access(source: str) -> str | None:
    """Why this source would read files outside itself, or None.

    ``include!``/``include_str!``/``include_bytes!`` and ``#[path = …]`` make rustc read host
    files and paste them into diagnostics; a snippet has no files of its own, so every such use
    reaches outside it.
    """
    code = _COMMENT.sub(" ", source)
    match = _INCLUDE.search(code)
    if match:
        line = code[: match.start()].count("\n") + 1
        return (f"line {line}: `{match.group(1)}!` reads files outside the snippet and is refused "
                "(set limits.allow_include = true in toolchains.toml to allow it)")
    match = _PATH_ATTR.search(code)
    if match:
        line = code[: match.start()].count("\n") + 1
        return (f"line {line}: `#[path = …]` reads files outside the snippet and is refused "
                "(set limits.allow_include = true in toolchains.toml to allow it)")
    return None


# ---------------------------------------------------------------------------------------------
# Wrapping

_ITEM_KINDS = frozenset({
    "function_item", "struct_item", "enum_item", "union_item", "impl_item", "trait_item",
    "mod_item", "use_declaration", "const_item", "static_item", "type_item", "macro_definition",
    "attribute_item", "inner_attribute_item", "extern_crate_declaration", "foreign_mod_item",
    "function_signature_item", "associated_type", "line_comment", "block_comment",
    "empty_statement",
})
_STATEMENT_KINDS = frozenset({"let_declaration", "expression_statement"})


@dataclass(frozen=True, slots=True)
class Snippet:
    """A compilable crate made from user input, and how to map its lines back."""

    user_source: str
    source: str
    edition: str
    wrapped: bool
    line_offset: int
    user_lines: int
    crate_root_needed: bool
    #: The user line of each compiled line before the wrapper: items hoisted out of it to the
    #: crate root (None for a line of our own).
    hoisted: tuple[int | None, ...] = ()

    def map_line(self, line: int) -> int | None:
        """Compiled-crate line → user line (None for wrapper lines outside the user's code)."""
        if 1 <= line <= len(self.hoisted):
            return self.hoisted[line - 1]
        user = line - self.line_offset
        if 1 <= user <= self.user_lines:
            return user
        if self.wrapped and user == self.user_lines + 1:
            # The closing brace of the wrapper: report at the user's last line.
            return self.user_lines
        return None


_OWN_SCOPE = frozenset({"function_item", "closure_expression", "async_block", "impl_item",
                        "trait_item", "mod_item"})


def _has_top_level(node: Any, kind: str) -> bool:
    """A ``kind`` node outside any nested fn/closure/async block/impl/module.

    A top-level `?` makes the wrapper return a Result; a top-level `.await` makes it async.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            return True
        if current.type not in _OWN_SCOPE:
            stack.extend(current.children)
    return False


_BLOCK_LIKE = frozenset({"block", "if_expression", "match_expression", "loop_expression",
                         "while_expression", "for_expression", "unsafe_block", "async_block",
                         "const_block"})
_CRATE_ROOT = re.compile(r"#!\s*\[|\bcrate::|\bextern\s+crate\b|#\s*\[\s*macro_export\b|\$crate\b")


def needs_crate_root(source: str) -> bool:
    """True when the code must be the crate root (inner attributes, `crate::` paths, …)."""
    return bool(_CRATE_ROOT.search(_COMMENT.sub(" ", source)))


def prepare(source: str, *, edition: str = "2021") -> Snippet:
    """Make a compilable crate from items, a whole file, or loose statements (wrapped in a fn).

    Wrapping never indents or moves user code, so columns stay identical and lines shift by
    exactly one.
    """
    edition = validate_edition(edition)
    reject_lone_surrogates(source)
    text = strip_leading_boms(source.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise InputError("input is empty")
    user_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    tree = parse(text)
    root = tree.root_node
    loose = [c for c in root.named_children if is_loose(c)]
    if not loose:
        return Snippet(user_source=source, source=text if text.endswith("\n") else text + "\n",
                       edition=edition, wrapped=False, line_offset=0, user_lines=user_lines,
                       crate_root_needed=needs_crate_root(text))

    body = text if text.endswith("\n") else text + "\n"
    last = [c for c in root.named_children if c.type not in _COMMENT_KINDS][-1]
    code_end = _code_end(last)
    last_text = (text.encode("utf-8", "surrogatepass")[last.start_byte:code_end]
                 .decode("utf-8", "replace").rstrip())
    if is_loose(last) and not last_text.endswith((";", "}")):
        # A trailing expression: end it with `;` so its value is dropped, not returned (before
        # any comment that trails it, or the `;` would be commented out).
        end = code_end
        encoded = body.encode("utf-8", "surrogatepass")
        body = (encoded[:end] + b";" + encoded[end:]).decode("utf-8", "surrogatepass")
    body, prelude, hoisted = _hoist_items(body, root)
    header_async = "async " if _has_top_level(root, "await_expression") else ""
    if _has_top_level(root, "try_expression"):
        header = (f"#[allow(unreachable_code, unused)] {header_async}fn {WRAPPER_FN}() "
                  "-> std::result::Result<(), std::boxed::Box<dyn std::error::Error>> {\n")
        footer = "#[allow(unreachable_code)] Ok(())\n}\n"
    else:
        header = f"#[allow(unreachable_code, unused)] {header_async}fn {WRAPPER_FN}() {{\n"
        footer = "}\n"
    return Snippet(user_source=source, source=prelude + header + body + footer, edition=edition,
                   wrapped=True, line_offset=len(hoisted) + 1, user_lines=user_lines,
                   crate_root_needed=needs_crate_root(text), hoisted=hoisted)


#: Top-level nodes left where they are when statements are wrapped (a stray `;`, text that does
#: not parse: moving it would only move its error).
_STAY = frozenset({"empty_statement", "ERROR"})


def _hoist_items(body: str, root: Any) -> tuple[str, str, tuple[int | None, ...]]:
    """Move the items among loose statements to the crate root, before the wrapper.

    An item inside a fn body is not the same item (`mod x;` cannot be declared in a block,
    `#[macro_export]` and `extern crate` want the root), and items never capture locals, so only
    statements belong in the wrapper. An item keeps its columns (its first line is indented as
    the user wrote it) and leaves spaces behind, so the statements keep theirs; the line map
    sends each hoisted line back to its user line. Returns (wrapper body, prelude, line map).
    """
    ranges: list[tuple[int, int, int]] = []  # start byte, end byte, first user line (0-based)
    pending: list[Any] = []
    for child in root.children:
        if child.type in _COMMENT_KINDS or child.type == "attribute_item":
            pending.append(child)
            continue
        if child.is_named and child.type not in _STAY and not is_loose(child):
            first = pending[0] if pending else child
            ranges.append((first.start_byte, child.end_byte, first.start_point[0]))
        pending = []
    if not ranges:
        return body, "", ()
    encoded = body.encode("utf-8", "surrogatepass")
    prelude = ["#![allow(unused)]\n"]
    lines: list[int | None] = [None]
    for start, end, line in ranges:
        item = encoded[start:end].decode("utf-8", "surrogatepass")
        before = encoded[encoded.rfind(b"\n", 0, start) + 1:start].decode("utf-8", "surrogatepass")
        prelude.append("".join(c if c == "\t" else " " for c in before) + item + "\n")
        lines.extend(range(line + 1, line + 2 + item.count("\n")))
    for start, end, _ in reversed(ranges):
        gap = re.sub(r"[^\n]", " ", encoded[start:end].decode("utf-8", "surrogatepass"))
        encoded = encoded[:start] + gap.encode("utf-8") + encoded[end:]
    return encoded.decode("utf-8", "surrogatepass"), "".join(prelude), tuple(lines)


_COMMENT_KINDS = ("line_comment", "block_comment")


def _code_end(node: Any) -> int:
    """End byte of ``node`` without the comments that trail it (tree-sitter puts a comment on the
    same line into the statement before it)."""
    kids = list(node.children)
    while kids and (kids[-1].type in _COMMENT_KINDS or kids[-1].is_missing):
        kids.pop()
    if not kids or len(kids) == len(node.children):
        return int(node.end_byte)
    return _code_end(kids[-1])


def is_loose(node: Any) -> bool:
    """A top-level node that only makes sense inside a function body.

    A macro invocation at the top level (``cfg_if! { … }``, ``impl_x!(Foo);``) is an item: only
    the macros of the standard library that expand to expressions (``println!``, ``assert!``, …)
    are statements.
    """
    kind = node.type
    if kind in _ITEM_KINDS:
        return False
    if kind == "macro_invocation":
        return _is_statement_macro(node)
    if kind == "expression_statement":
        inner = [c for c in node.named_children if c.type not in _COMMENT_KINDS]
        if len(inner) == 1 and inner[0].type == "macro_invocation":
            return _is_statement_macro(inner[0])
        return True
    if kind in _STATEMENT_KINDS or kind.endswith("_expression") or kind in _BLOCK_LIKE:
        return True
    if kind == "ERROR":
        return any(c.type in _STATEMENT_KINDS or c.type.endswith("_expression")
                   for c in node.named_children)
    return False


#: Macros of std/core that only expand to expressions or statements: at the top level of a
#: snippet they mean "run this", never "define items" (not `compile_error!`, which crates put
#: at the top level under a `#[cfg]`).
_STATEMENT_MACROS = frozenset({
    "assert", "assert_eq", "assert_ne", "debug_assert", "debug_assert_eq", "debug_assert_ne",
    "dbg", "eprint", "eprintln", "format", "format_args", "matches", "panic", "print", "println",
    "todo", "unimplemented", "unreachable", "vec", "write", "writeln", "concat", "stringify",
    "line", "column", "file", "env", "option_env", "cfg",
})


def _is_statement_macro(node: Any) -> bool:
    """`println!(…)` at top level is a statement; `cfg_if! { … }`, `thread_local! { … }` are
    items (any macro we do not know to be an expression macro can expand to items)."""
    macro = node.child_by_field_name("macro")
    name = macro.text.decode("utf-8", "replace") if macro is not None and macro.text else ""
    return name.rsplit("::", 1)[-1] in _STATEMENT_MACROS


def strip_leading_boms(text: str) -> str:
    """Drop every byte-order mark before the first code (rustc skips one; editors add more)."""
    match = _LEADING_BOMS.match(text)
    if match is None or "\ufeff" not in match.group(0):
        return text
    return match.group(0).replace("\ufeff", "") + text[match.end():]


_LEADING_BOMS = re.compile(r"[\s\ufeff]*")


def reject_lone_surrogates(text: str) -> None:
    """Text with a lone surrogate cannot be written as UTF-8 for rustc: refuse it clearly."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise InputError(f"input has a lone surrogate (U+{ord(text[exc.start]):04X}) at line "
                         f"{line}: not valid Unicode text; decode the source as UTF-8") from exc


# ---------------------------------------------------------------------------------------------
# Functions (for per-function verdicts)


@dataclass(frozen=True, slots=True)
class FunctionSpan:
    name: str
    line: int
    end_line: int
    depth: int
    #: 0-based columns of the `fn` item's start on ``line`` and its end on ``end_line``.
    column: int = 0
    end_column: int | None = None


def function_spans(source: str) -> list[FunctionSpan]:
    """Every `fn` item with a body, in the user's coordinates (nested ones included)."""
    root = parse(source).root_node
    out: list[FunctionSpan] = []
    stack: list[tuple[Any, int, str]] = [(root, 0, "")]
    while stack:
        node, depth, owner = stack.pop()
        if node.type == "function_item":
            name_node = node.child_by_field_name("name")
            name = name_node.text.decode("utf-8", "replace") if name_node is not None else "?"
            qualified = f"{owner}::{name}" if owner else name
            out.append(FunctionSpan(qualified, node.start_point[0] + 1, node.end_point[0] + 1,
                                    depth, node.start_point[1], node.end_point[1]))
            for child in node.children:
                stack.append((child, depth + 1, qualified))
            continue
        if node.type in ("impl_item", "trait_item"):
            type_node = node.child_by_field_name("type") or node.child_by_field_name("name")
            label = type_node.text.decode("utf-8", "replace") if type_node is not None else owner
            for child in node.children:
                stack.append((child, depth, label))
            continue
        for child in node.children:
            stack.append((child, depth, owner))
    out.sort(key=lambda f: (f.line, f.depth))
    return out


def enclosing_function(functions: list[FunctionSpan], line: int | None,
                       column: int | None = None) -> FunctionSpan | None:
    """The innermost function whose lines contain ``line``.

    With ``column`` (rustc's, 1-based), a function whose text does not hold that column never
    takes the point from one that does (functions sharing a line; columns compared as if the
    line were ASCII, close enough for that tie).
    """
    if line is None:
        return None
    best: FunctionSpan | None = None
    for fn in functions:
        if fn.line <= line <= fn.end_line and (best is None or fn.depth >= best.depth):
            if column is not None and best is not None and _holds(best, line, column) \
                    and not _holds(fn, line, column):
                continue
            best = fn
    return best


def _holds(fn: FunctionSpan, line: int, column: int) -> bool:
    end = fn.end_column if fn.end_column is not None else 1 << 62
    return (fn.line, fn.column) <= (line, column - 1) <= (fn.end_line, end)
