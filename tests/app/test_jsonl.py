"""The JSONL layer: the hand validator agrees with the shipped JSON Schema; line parsing errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app import jsonl
from tests.app.data.records import make_labelled, make_record


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(jsonl.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _set(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(record)
    *parents, last = path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


_DELETE = object()

BAD = [
    ("schema", "1", "schema: expected integer, got string"),
    ("schema", 2, "unknown schema version 2"),
    ("schema", _DELETE, "missing field 'schema'"),
    ("id", "ABC", "is not a case id"),
    ("source", 3, "source: expected string, got integer"),
    ("edition", "2019", "unknown edition '2019'"),
    ("verdict", "maybe", "unknown verdict 'maybe'"),
    ("verdict", _DELETE, "missing field 'verdict'"),
    ("corroborated", "yes", "corroborated: expected boolean, got string"),
    ("origin", "src/lib.rs", "origin: expected null or object, got string"),
    ("origin.line", 0, "origin.line: must be at least 1"),
    ("checks.stable.accepted", "no", "checks.stable.accepted: expected null or boolean"),
    ("checks.stable.elapsed_ms", -1, "checks.stable.elapsed_ms: must be at least 0"),
    ("checks.stable.elapsed_ms", 1.5, "checks.stable.elapsed_ms: expected integer, got number"),
    ("checks.stable.diagnostics.0.line", "6", "checks.stable.diagnostics[0].line: expected null"),
    ("checks.stable.diagnostics.0.borrowck", _DELETE, "missing field 'borrowck'"),
    ("checks.stable.flags", "-Z", "checks.stable.flags: expected array"),
    ("functions.0.verdict", "odd", "functions[0].verdict: unknown verdict"),
    ("patterns", {}, "patterns: expected array, got object"),
    ("labels", ["real-error", "real-error"], "labels: items must be unique"),
    ("labels", ["has space"], "labels[0]: 'has space' is not a label name"),
    ("labels", "real-error", "labels: expected array, got string"),
    ("updated", "2026-11-24 10:00", "updated: '2026-11-24 10:00' is not a UTC timestamp"),
    ("history.0.action", "toggled", "history[0].action: unknown history action"),
    ("history.0.extra", 1, "history[0]: unknown field 'extra'"),
    ("note", None, "note: expected string, got null"),
]


def test_engine_and_labelled_records_are_valid(schema_validator: Any) -> None:
    for record in (make_record(1), make_record(5), make_labelled(2), make_labelled(7)):
        assert jsonl.validate_record(record) is None
        schema_validator.validate(record)


@pytest.mark.parametrize(("path", "value", "expected"), BAD,
                         ids=[f"{p}={v!r}"[:40] for p, v, _ in BAD])
def test_validator_and_schema_reject_the_same_records(
        schema_validator: Any, path: str, value: Any, expected: str) -> None:
    record = make_labelled(4)
    record["checks"]["stable"]["diagnostics"] = make_labelled(1)["checks"]["stable"]["diagnostics"]
    assert record["checks"]["stable"]["diagnostics"], "fixture needs a diagnostic"
    bad = _set(record, path, value)
    problem = jsonl.validate_record(bad)
    assert problem is not None and expected in problem, problem
    assert not schema_validator.is_valid(bad), f"schema accepts what the validator rejects: {path}"


def test_unknown_top_level_fields_are_kept_by_both(schema_validator: Any) -> None:
    record = make_record(3)
    record["toolchain_matrix"] = {"future": True}
    assert jsonl.validate_record(record) is None
    assert schema_validator.is_valid(record)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"schema": 1, "id"', "truncated line"),
        (b'{"schema": 1,,}\n', "invalid JSON"),
        (b"[1, 2]\n", "expected a JSON object, got array"),
        (b'{"schema": 1, "x": NaN}\n', "NaN is not valid JSON"),
        (b'{"schema": 1, "source": "caf\xe9"}\n', "not valid UTF-8: byte 0xe9 at column 29"),
    ],
)
def test_parse_line_problems(raw: bytes, expected: str) -> None:
    record, problem = jsonl.parse_line(raw)
    assert record is None
    assert problem is not None and expected in problem, problem


def test_parse_line_blank_and_lone_surrogate() -> None:
    assert jsonl.parse_line(b"   \r\n") == (None, None)
    good = make_record(2)
    good["note"] = "\\ud800"
    line = jsonl.dumps_record(good).replace("\\\\ud800", "\\ud800").encode()
    record, problem = jsonl.parse_line(line)
    assert record is None and problem is not None and "surrogate" in problem


def test_dumps_is_compact_sorted_and_utf8() -> None:
    line = jsonl.dumps_record({"b": "ä", "a": [1, {"d": None, "c": True}]})
    assert line == '{"a":[1,{"c":true,"d":null}],"b":"ä"}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24T10:00:00Z", "2026-11-24T10:00:00.000Z"),
        ("2026-11-24T10:00:00.5Z", "2026-11-24T10:00:00.500Z"),
        ("2026-11-24T10:00:00.123456Z", "2026-11-24T10:00:00.123Z"),
    ],
)
def test_normalise_timestamp(value: str, expected: str) -> None:
    assert jsonl.normalise_timestamp(value) == expected


def test_check_file_reports_line_numbers_and_caps(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    good = jsonl.dumps_record(make_record(1))
    lines = [good, ""] + ["{"] * (jsonl.MAX_PROBLEMS + 5)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems, digest, count = jsonl.check_file(path, display="many.jsonl")
    assert count == 1
    assert problems[0].startswith("many.jsonl:3: truncated line")
    assert len(problems) == jsonl.MAX_PROBLEMS + 1
    assert problems[-1] == "many.jsonl: 5 more bad lines not shown"
    assert len(digest) == 64
