"""Batch composition: several snippets in one crate, each in its own module, per role.

Which snippets may share a crate (``batch_placement``: module, crate-root host, or alone), how a
batch crate is laid out (``compose_batch``), which batch diagnostics belong to which member and
can be trusted to equal a check of that member alone (``_attribute``, ``_trust``), and the
per-role scheduling that re-runs, bisects and isolates timeouts until every snippet has a
trusted result (``_schedule``, ``check_batch``, ``_run_role_many``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from checkers.diagnostics import is_borrowck
from checkers.engine import compiletest_revisions, run_role
from checkers.model import CancelFlag, CheckResult
from checkers.rustc import SNIPPET_FILE, RawRun, is_noise, iter_spans, run_rustc, to_diagnostic
from checkers.snippet import Snippet, parse
from checkers.toolchains import RoleInfo, Toolchains

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


#: Below this size a case is a snippet: not worth a parse to predict its placement here.
_WHOLE_FILE_CHARS = 2048


def _runs_alone(source: str) -> bool:
    """A case that will certainly be checked alone (see ``batch_placement``), told cheaply."""
    if len(source) > SOLO_CHARS:
        return True
    return len(source) > _WHOLE_FILE_CHARS and predicted_unresolved(source) is not None
