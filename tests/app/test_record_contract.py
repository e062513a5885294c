"""The engine's records satisfy the published JSON Schema and the importer's validator."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from app.jsonl import validate_record
from checkers.engine import check_source
from tests.conftest import EXAMPLES

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "app" / "schema"
                     / "record.schema.json").read_text())

CASES = [
    ("entry-owned-key", "direct.rs", "2021"),
    ("unsafe-lifetime-extension", "workaround.rs", "2021"),
    ("peek-then-advance-cursor", "direct.rs", "2021"),
    ("epoch-try-macro", "workaround.rs", "2015"),
]


@pytest.mark.toolchains
@pytest.mark.parametrize(("name", "file", "edition"), CASES)
def test_engine_record_matches_schema(name: str, file: str, edition: str) -> None:
    source = (EXAMPLES / name / file).read_text()
    record = check_source(source, edition=edition, origin={"path": f"{name}/{file}", "line": 1},
                          confirm=True).to_record()
    jsonschema.validate(record, SCHEMA)
    assert validate_record(json.loads(json.dumps(record))) is None


@pytest.mark.toolchains
def test_toolchain_error_record_matches_schema() -> None:
    record = check_source('pub const P: &str = include_str!("/etc/passwd");\n').to_record()
    assert record["verdict"] == "toolchain-error"
    jsonschema.validate(record, SCHEMA)
    assert validate_record(record) is None
