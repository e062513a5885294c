"""Folder walks follow no symlink out of the folder given; loops and broken links are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkers.batch import iter_cases_from_paths, walk_rust_files


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.rs").write_text("// host file\n")
    root = tmp_path / "proj"
    (root / "src" / "inner").mkdir(parents=True)
    (root / "src" / "a.rs").write_text("fn a() {}\n")
    (root / "src" / "inner" / "b.rs").write_text("fn b() {}\n")
    (root / "src" / "passwd.rs").symlink_to("/etc/passwd")
    (root / "src" / "secret.rs").symlink_to(outside / "secret.rs")
    (root / "src" / "hostdir").symlink_to(outside)
    (root / "src" / "loop.rs").symlink_to("loop.rs")
    (root / "src" / "ping.rs").symlink_to("pong.rs")
    (root / "src" / "pong.rs").symlink_to("ping.rs")
    (root / "src" / "gone.rs").symlink_to("nowhere.rs")
    (root / "src" / "alias.rs").symlink_to("a.rs")  # inside: read like any file
    (root / "src" / "inner" / "up").symlink_to("../..")  # a directory inside: not entered
    return root


def test_walk_skips_and_reports_links_leaving_the_folder_and_loops(tree: Path) -> None:
    skipped: dict[str, str] = {}
    found = list(walk_rust_files(tree, on_skip=lambda where, why: skipped.__setitem__(where, why)))
    src = tree / "src"
    assert [p.relative_to(tree).as_posix() for p in found] == [
        "src/a.rs", "src/alias.rs", "src/inner/b.rs"]
    assert skipped[str(src / "passwd.rs")] == f"symlink to /etc/passwd, outside {tree}"
    assert skipped[str(src / "secret.rs")].startswith("symlink to ")
    assert skipped[str(src / "hostdir")].startswith("symlink to ")
    for name in ("loop.rs", "ping.rs", "pong.rs"):
        assert skipped[str(src / name)] == "symlink loop"
    assert skipped[str(src / "gone.rs")].startswith("broken symlink")
    assert str(src / "inner" / "up") not in skipped  # inside the folder: silently not entered


def test_no_host_file_becomes_a_case(tree: Path) -> None:
    reasons: list[str] = []
    cases = list(iter_cases_from_paths([tree], on_skip=lambda _w, why: reasons.append(why)))
    assert sorted(c.source for c in cases) == ["fn a() {}\n", "fn a() {}\n", "fn b() {}\n"]
    assert not any("root:" in c.source or "host file" in c.source for c in cases)
    assert sum(r == "symlink loop" for r in reasons) == 3


def test_a_named_symlink_loop_is_reported_as_a_loop(tree: Path) -> None:
    reasons: list[tuple[str, str]] = []
    cases = list(iter_cases_from_paths([tree / "src" / "loop.rs"],
                                       on_skip=lambda where, why: reasons.append((where, why))))
    assert cases == [] and reasons == [(str(tree / "src" / "loop.rs"), "symlink loop")]


def test_walking_a_folder_given_through_a_symlink_stays_inside_its_target(tree: Path,
                                                                          tmp_path: Path) -> None:
    link = tmp_path / "link-to-proj"
    link.symlink_to(tree)
    found = list(walk_rust_files(link))
    assert sorted(p.name for p in found) == ["a.rs", "alias.rs", "b.rs"]
