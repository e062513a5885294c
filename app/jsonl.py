"""JSONL label sets: compact deterministic encoding, a fast record validator and line reading."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from checkers.model import EDITIONS, SCHEMA_VERSION, VERDICTS, case_id

#: The JSON Schema (draft 2020-12) that :func:`validate_record` implements by hand, for speed.
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "record.schema.json"

#: Fields the corpus adds to the engine's record. Everything else comes from the engine.
CORPUS_FIELDS: tuple[str, ...] = ("labels", "reviewer", "note", "created", "updated", "history")

#: At most this many bad lines are reported one by one; the rest are counted.
MAX_PROBLEMS = 20

LABEL_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}")
# [0-9], not \d: Python's \d also matches other scripts' digits ("٢٠٢٦"), which no date parser
# downstream reads. The ranges match the schema's pattern; _timestamp checks the calendar.
TIMESTAMP_RE = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
                          r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?Z")
_ID_RE = re.compile(r"[0-9a-f]{64}")

Check = Callable[[Any, str], "str | None"]


def dumps_record(record: dict[str, Any]) -> str:
    """One record as compact, deterministic JSON (sorted keys, no spaces, UTF-8 text).

    Raises ``ValueError`` for a non-finite number: ``NaN``/``Infinity`` are not JSON.
    """
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def is_blank(text: str) -> bool:
    """A line with nothing but whitespace (any Unicode whitespace): skipped, never an error.

    Every reader of JSONL lines (import's two passes, scan's input and --resume) uses this one
    rule, so a line of U+3000 cannot be blank to one pass and bad JSON to the next.
    """
    return not text.strip()


def normalise_timestamp(value: str) -> str:
    """``…:SS[.f{1,6}]Z`` → ``…:SS.mmmZ``, so that timestamps compare correctly as strings."""
    body = value[:-1]
    if "." in body:
        whole, frac = body.split(".", 1)
        return f"{whole}.{(frac + '000')[:3]}Z"
    return f"{body}.000Z"


# -- the validator ---------------------------------------------------------------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _at(path: str) -> str:
    return f"{path}: " if path else ""


def _string(value: Any, path: str) -> str | None:
    return None if isinstance(value, str) else f"{_at(path)}expected string, got {_kind(value)}"


def _boolean(value: Any, path: str) -> str | None:
    return None if isinstance(value, bool) else f"{_at(path)}expected boolean, got {_kind(value)}"


def _integer(minimum: int | None = None) -> Check:
    def check(value: Any, path: str) -> str | None:
        if type(value) is not int:
            return f"{_at(path)}expected integer, got {_kind(value)}"
        if minimum is not None and value < minimum:
            return f"{_at(path)}must be at least {minimum}, got {value}"
        return None

    return check


def _nullable(inner: Check) -> Check:
    def check(value: Any, path: str) -> str | None:
        if value is None:
            return None
        problem = inner(value, path)
        return problem.replace("expected ", "expected null or ", 1) if problem else None

    return check


def _enum(values: tuple[str, ...], what: str) -> Check:
    allowed = frozenset(values)

    def check(value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            return f"{_at(path)}expected string, got {_kind(value)}"
        if value not in allowed:
            return f"{_at(path)}unknown {what} {value!r} (expected one of: {', '.join(values)})"
        return None

    return check


def _pattern(regex: re.Pattern[str], what: str) -> Check:
    def check(value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            return f"{_at(path)}expected string, got {_kind(value)}"
        if regex.fullmatch(value) is None:
            return f"{_at(path)}{value!r} is not {what}"
        return None

    return check


def _array(item: Check, *, unique: bool = False) -> Check:
    def check(value: Any, path: str) -> str | None:
        if not isinstance(value, list):
            return f"{_at(path)}expected array, got {_kind(value)}"
        for index, element in enumerate(value):
            problem = item(element, f"{path}[{index}]")
            if problem:
                return problem
        if unique and len(set(value)) != len(value):
            return f"{_at(path)}items must be unique"
        return None

    return check


def _object(required: dict[str, Check], optional: dict[str, Check] | None = None,
            *, closed: bool = False) -> Check:
    optional = optional or {}
    known = {**required, **optional}

    def check(value: Any, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{_at(path)}expected object, got {_kind(value)}"
        prefix = f"{path}." if path else ""
        for name in required:
            if name not in value:
                return f"{_at(path)}missing field {name!r}"
        for name, element in value.items():
            field_check = known.get(name)
            if field_check is None:
                if closed:
                    return f"{_at(path)}unknown field {name!r}"
                continue
            problem = field_check(element, prefix + name)
            if problem:
                return problem
        return None

    return check


def _map(item: Check) -> Check:
    def check(value: Any, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{_at(path)}expected object, got {_kind(value)}"
        prefix = f"{path}." if path else ""
        for name, element in value.items():
            if not name:
                return f"{_at(path)}empty role name"
            problem = item(element, prefix + name)
            if problem:
                return problem
        return None

    return check


_POSITION = _nullable(_integer(1))
_DIAGNOSTIC_FIELDS: dict[str, Check] = {
    "code": _nullable(_string),
    "level": _string,
    "message": _string,
    "borrowck": _boolean,
    "line": _POSITION,
    "column": _POSITION,
    "end_line": _POSITION,
    "end_column": _POSITION,
}
_DIAGNOSTIC_OPTIONAL: dict[str, Check] = {
    "labels": _array(_object({})),
    "rendered": _string,
}
_DIAGNOSTIC = _object(_DIAGNOSTIC_FIELDS, _DIAGNOSTIC_OPTIONAL)
_DIFF = _object({"change": _enum(("removed", "kept", "added"), "change"), **_DIAGNOSTIC_FIELDS},
                _DIAGNOSTIC_OPTIONAL)
_CHECK = _object(
    {
        "status": _string,
        "accepted": _nullable(_boolean),
        "rustc": _string,
        "flags": _array(_string),
        "elapsed_ms": _integer(0),
        "diagnostics": _array(_DIAGNOSTIC),
    },
    {"error": _string, "bootstrap": _boolean},
)
_FINDING = _object(
    {"id": _string, "line": _integer(1), "end_line": _integer(1)},
    {
        "class": _string,
        "column": _integer(1),
        "end_column": _integer(1),
        "confidence": _string,
        "confirmed": _nullable(_boolean),
        "reason": _string,
        "rewrite": _nullable(_string),
        "tier": _enum(("workaround", "candidate", "epoch"), "tier"),
        "unconfirmable": _string,
    },
)
_FUNCTION = _object({"name": _string, "line": _integer(1), "end_line": _integer(1),
                     "verdict": _enum(VERDICTS, "verdict")}, {"reason": _string})
def _timestamp(value: Any, path: str) -> str | None:
    what = "a UTC timestamp like 2026-11-24T10:00:00.000Z"
    problem = _pattern(TIMESTAMP_RE, what)(value, path)
    if problem is None:
        try:
            datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return f"{_at(path)}{value!r} is not a real date and time"
    return problem


_TIMESTAMP: Check = _timestamp
_LABEL = _pattern(LABEL_NAME_RE, "a label name (letters, digits, . _ : + -; at most 64)")
_HISTORY = _object(
    {
        "label": _LABEL,
        "action": _enum(("added", "removed"), "history action"),
        "reviewer": _string,
        "at": _TIMESTAMP,
    },
    closed=True,
)
_RECORD = _object(
    {
        "schema": _integer(),
        "id": _pattern(_ID_RE, "a case id (64 lowercase hex digits)"),
        "source": _string,
        "origin": _nullable(_object({}, {"path": _string, "line": _integer(1),
                                          "package": _string, "target": _string})),
        "edition": _enum(EDITIONS, "edition"),
        "checks": _map(_CHECK),
        "verdict": _enum(VERDICTS, "verdict"),
        "corroborated": _boolean,
        "drift": _boolean,
        "reason": _string,
        "diff": _array(_DIFF),
        "functions": _array(_FUNCTION),
        "patterns": _array(_FINDING),
        "epochs": _array(_FINDING),
    },
    {
        "notes": _array(_string),
        "labels": _array(_LABEL, unique=True),
        "reviewer": _string,
        "note": _string,
        "created": _TIMESTAMP,
        "updated": _TIMESTAMP,
        "history": _array(_HISTORY),
    },
)


def validate_record(record: Any) -> str | None:
    """The first problem of one record (schema 1) as ``field.path: problem``, or None."""
    if not isinstance(record, dict):
        return f"expected a JSON object, got {_kind(record)}"
    if "schema" not in record:
        return "missing field 'schema'"
    schema = record["schema"]
    if type(schema) is not int:
        return f"schema: expected integer, got {_kind(schema)}"
    if schema != SCHEMA_VERSION:
        newer = " (from a newer ptriage; upgrade to read it)" if schema > SCHEMA_VERSION else ""
        return (f"schema: unknown schema version {schema}, "
                f"this ptriage reads {SCHEMA_VERSION}{newer}")
    return _RECORD(record, "")


# -- reading lines ---------------------------------------------------------------------------


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large for a JSON number (it reads as "
                         "infinity)")
    return value


def loads_line(text: str | bytes) -> Any:
    """Strict JSON for one line: ``NaN``, ``Infinity`` and numbers that overflow to infinity
    raise ``ValueError``, and so does nesting too deep to read (``RecursionError``)."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ValueError("nested too deeply to read") from exc


def contract_problem(record: dict[str, Any]) -> str | None:
    """What a valid record breaks of the corpus's rules beyond the schema, or None.

    The id is the case's identity: it must be ``case_id(source, edition)`` or merges would
    join different code under one id.
    """
    expected = case_id(record["source"], record["edition"])
    if record["id"] != expected:
        return (f"id: {record['id'][:12]}… does not match its source and edition (expected "
                f"{expected}); was the record edited by hand?")
    return None


def parse_line(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Decode and validate one raw line: ``(record, None)``, ``(None, problem)``, or
    ``(None, None)`` for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"
    text = text.rstrip("\r\n")
    if is_blank(text):
        return None, None
    try:
        record = loads_line(text)
    except json.JSONDecodeError as exc:
        body = text.rstrip()
        if exc.pos >= len(body) or exc.msg.startswith("Unterminated") or not body.endswith("}"):
            return None, f"truncated line: the JSON ends early ({exc.msg} at column {exc.colno})"
        return None, f"invalid JSON: {exc.msg} at column {exc.colno}"
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"
    try:
        problem = validate_record(record)
    except RecursionError:
        problem = "nested too deeply to read"
    if problem is None and "\\ud" in text.lower():
        # JSON escapes can smuggle in lone surrogates, which no UTF-8 file or SQLite text holds.
        try:
            dumps_record(record).encode("utf-8")
        except UnicodeEncodeError:
            problem = "contains a lone UTF-16 surrogate escape (\\udXXX), which is not text"
        except RecursionError:
            problem = "nested too deeply to read"
    if problem is None:
        problem = contract_problem(record)
    if problem:
        return None, problem
    return record, None


def iter_raw_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Each line of a file as raw bytes, with its 1-based number."""
    with path.open("rb") as handle:
        yield from enumerate(handle, 1)


def check_file(path: Path, *, display: str | None = None
               ) -> tuple[list[str], str, int]:
    """Validate every line of a JSONL file without keeping the records.

    Returns ``(problems, sha256 of the bytes, number of records)``; each problem reads
    ``FILE:LINE: what is wrong`` (at most :data:`MAX_PROBLEMS`, then a count of the rest).
    """
    name = display if display is not None else str(path)
    problems: list[str] = []
    bad = 0
    records = 0
    digest = hashlib.sha256()
    for lineno, raw in iter_raw_lines(path):
        digest.update(raw)
        record, problem = parse_line(raw)
        if problem is not None:
            bad += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append(f"{name}:{lineno}: {problem}")
        elif record is not None:
            records += 1
    if bad > len(problems):
        problems.append(f"{name}: {bad - len(problems)} more bad lines not shown")
    return problems, digest.hexdigest(), records
