"""Folder walks honour .gitignore files as git does: negation, directory-only and anchored patterns,
nested .gitignore files that apply to their own folder, and common real-world templates.

The expected walks of a whole repository are what `git ls-files --others --exclude-standard`
lists for the same tree (checked with git 2.x). These also guard a future switch of matcher:
pathspec 1.1.1's GitIgnoreSpec gets the allowlist, trailing-``/**``, node and ``*/`` cases wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checkers.inputs import GitIgnore, iter_cases_from_paths, parse_gitignore, walk_rust_files


def _write(path: Path, text: str = "fn f() {}\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _walk(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in walk_rust_files(root))


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    _write(root / ".gitignore", "*.tmp.rs\n!keep.tmp.rs\n/build.rs\nout/\n")
    _write(root / "sub" / ".gitignore", "local.rs\n/anchored.rs\n!override.tmp.rs\n")
    for rel in ("main.rs", "a.tmp.rs", "keep.tmp.rs", "build.rs", "anchored.rs", "out/x.rs",
                "sub/b.tmp.rs", "sub/keep.tmp.rs", "sub/build.rs", "sub/out/y.rs",
                "sub/local.rs", "sub/anchored.rs", "sub/deeper/anchored.rs",
                "sub/deeper/local.rs", "sub/override.tmp.rs", "other/local.rs"):
        _write(root / rel)
    return root


def test_negation_directory_anchored_and_nested_patterns(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _walk(root) == [
        "anchored.rs",  # `/anchored.rs` of sub/.gitignore is anchored to sub/
        "keep.tmp.rs",  # `!keep.tmp.rs` re-includes what `*.tmp.rs` ignores
        "main.rs",
        "other/local.rs",  # sub/.gitignore applies to sub/ only
        "sub/build.rs",  # `/build.rs` is anchored to the repository root
        "sub/deeper/anchored.rs",
        "sub/keep.tmp.rs",  # a negation applies in subfolders too
        "sub/override.tmp.rs",  # a deeper .gitignore overrides a shallower one
    ]


def test_directory_patterns_match_directories_only(tmp_path: Path) -> None:
    rules = GitIgnore(parse_gitignore("target/\nout/\n", tmp_path))
    assert rules.ignored(tmp_path / "target", is_dir=True)
    assert rules.ignored(tmp_path / "x" / "target", is_dir=True)
    assert not rules.ignored(tmp_path / "target", is_dir=False)
    assert not rules.ignored(tmp_path / "out.rs", is_dir=False)
    # A .gitignore says nothing about paths outside its own folder.
    assert not rules.ignored(tmp_path.parent / "target", is_dir=True)


def test_a_folder_named_explicitly_is_walked_even_when_ignored(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    # out/ is ignored from the root, but naming it walks it (as a named file is read);
    # the other patterns still apply inside it.
    _write(root / "out" / "z.tmp.rs")
    assert _walk(root / "out") == ["x.rs"]
    # Scanning a subfolder honours the .gitignore files above it, anchored where they are.
    assert _walk(root / "sub") == ["build.rs", "deeper/anchored.rs", "keep.tmp.rs",
                                   "override.tmp.rs"]
    cases = list(iter_cases_from_paths([root / "out"]))
    assert [Path(c.origin["path"]).name for c in cases if c.origin] == ["x.rs"]


_TREE = ("main.rs", "vendor/a.rs", "vendor/keep.rs", "node_modules/m.rs", "src/lib.rs",
         "src/deep/d.rs", "out/o.rs", "out/keep.rs")


@pytest.mark.parametrize(("gitignore", "expected"), [
    # Allowlist style (GitHub's Go template): ignore all, re-include folders and one extension.
    ("*\n!*/\n!*.rs\n", list(_TREE)),
    # A trailing /** ignores what is inside, not the folder: a later negation re-includes.
    ("vendor/**\n!vendor/keep.rs\n", [t for t in _TREE if t != "vendor/a.rs"]),
    # nodejs/node's root .gitignore: the later anchored pattern wins.
    ("!**/node_modules/**\n/node_modules\n", [t for t in _TREE if t != "node_modules/m.rs"]),
    # Ignore every folder but one; its subfolders are folders too.
    ("*/\n!src/\n", ["main.rs", "src/lib.rs"]),
    # A file inside an ignored folder cannot be re-included.
    ("out/\n!out/keep.rs\n", [t for t in _TREE if not t.startswith("out/")]),
], ids=["allowlist", "trailing-doublestar", "node", "all-dirs-but-one", "ignored-dir"])
def test_real_world_templates_match_git(tmp_path: Path, gitignore: str,
                                        expected: list[str]) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    _write(root / ".gitignore", gitignore)
    for rel in _TREE:
        _write(root / rel)
    assert _walk(root) == sorted(expected)
