"""Finding the Cargo workspace of a path, and the scratch overlay copy that every cargo run works on.

The audit never writes inside the user's workspace: cargo runs on an overlay copy in the cache
dir (it may write its lock file there), synced file by file with the source's modification times
kept, so cargo's own fingerprints stay fresh from one audit to the next.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkers.errors import InputError

#: Directories never copied into the overlay (build output, VCS metadata).
_SKIP_DIRS = frozenset({"target", ".git", ".hg", ".svn", ".jj"})
_DEV_DEPS = re.compile(r"(^|\.)dev-dependencies(\.|$)")
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


@dataclass(frozen=True, slots=True)
class SourceTree:
    """The files of a workspace as the audit sees them: relative path → bytes, plus a digest."""

    root: Path
    files: dict[str, bytes]
    digest: str
    #: Path dependencies outside ``root`` (sources cargo needs, never reviewed): path relative
    #: to ``base`` → bytes. ``base`` is the nearest folder holding ``root`` and all of them.
    external: dict[str, bytes] = dataclasses.field(default_factory=dict)
    #: ``root`` relative to ``base`` ("." when no path dependency lies outside the root)
    root_rel: str = "."

    def overlay_base(self, overlay: Path) -> Path:
        """The folder of an overlay that mirrors ``base`` (``overlay`` mirrors ``root``)."""
        base = overlay
        for _ in Path(self.root_rel).parts:
            base = base.parent
        return base


def find_manifest(path: Path) -> Path:
    """The Cargo.toml for PATH: itself, the one in the folder, or the nearest one above a file."""
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file() and path.name == "Cargo.toml":
        return path
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        candidate = folder / "Cargo.toml"
        if candidate.is_file():
            return candidate
    raise InputError(f"{path}: not inside a Cargo package (no Cargo.toml in it or above it)")


def workspace_root_of(manifest: Path) -> Path:
    """The workspace root that owns ``manifest`` (the nearest ancestor with a ``[workspace]``).

    Read from the TOML text only: no cargo process (and so no project code) runs to find it.
    """
    import tomllib

    folder = manifest.parent
    for candidate in (folder, *folder.parents):
        toml = candidate / "Cargo.toml"
        if not toml.is_file():
            continue
        try:
            data = tomllib.loads(toml.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            if candidate == folder:
                raise InputError(f"{toml}: cannot read the manifest: {exc}") from exc
            continue
        if "workspace" in data:
            return candidate
    return folder


def _read_files(root: Path, *, skip: Path | None = None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS
                             and (skip is None or Path(dirpath, d) != skip))
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_symlink() or not full.is_file():
                continue
            rel = full.relative_to(root).as_posix()
            files[rel] = full.read_bytes()
    return files


_DEP_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")


def _dep_paths(data: Mapping[str, Any]) -> list[str]:
    """Every ``path = …`` of a manifest's dependency tables (targets, workspace, patches too)."""
    tables: list[Any] = [data.get(t) for t in _DEP_TABLES]
    tables += [data.get("dev_dependencies"), data.get("build_dependencies")]
    for spec in (data.get("target") or {}).values():
        if isinstance(spec, dict):
            tables += [spec.get(t) for t in _DEP_TABLES]
    workspace = data.get("workspace")
    if isinstance(workspace, dict):
        tables.append(workspace.get("dependencies"))
    tables += list((data.get("patch") or {}).values())
    tables.append(data.get("replace"))
    out = []
    for table in tables:
        if not isinstance(table, dict):
            continue
        for dep in table.values():
            if isinstance(dep, dict) and isinstance(dep.get("path"), str):
                out.append(dep["path"])
    return out


def external_path_deps(root: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Folders of the path dependencies outside ``root``, followed transitively (TOML text only)."""
    import tomllib

    def parse(data: bytes) -> Mapping[str, Any]:
        try:
            return tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            return {}

    root = root.resolve()
    todo: list[tuple[Path, Mapping[str, Any]]] = [
        ((root / rel).parent, parse(data)) for rel, data in files.items()
        if rel == "Cargo.toml" or rel.endswith("/Cargo.toml")]
    found: list[Path] = []
    while todo:
        folder, data = todo.pop()
        for raw in _dep_paths(data):
            dep = (folder / raw).resolve()
            if dep == root or root in dep.parents or dep in found:
                continue
            if any(f in dep.parents for f in found):
                continue
            manifest = dep / "Cargo.toml"
            if not manifest.is_file():
                continue  # cargo will say what is missing
            found = [f for f in found if dep not in f.parents] + [dep]
            try:
                todo.append((dep, parse(manifest.read_bytes())))
            except OSError:
                continue
            # a dependency found earlier inside this one: its manifest was read already
    return sorted(found)


def read_tree(root: Path) -> SourceTree:
    """Every file under ``root`` except build output and VCS folders, with a content digest.

    Path dependencies outside ``root`` come along in ``external`` (cargo needs them to build;
    they are not reviewed), laid out relative to the nearest folder holding them all.
    """
    files = _read_files(root)
    external: dict[str, bytes] = {}
    root_rel = "."
    outside = external_path_deps(root, files)
    if outside:
        real_root = root.resolve()
        base = Path(os.path.commonpath([real_root, *outside]))
        root_rel = real_root.relative_to(base).as_posix()
        for folder in outside:
            prefix = folder.relative_to(base).as_posix()
            skip = real_root if real_root.is_relative_to(folder) else None
            for rel, data in _read_files(folder, skip=skip).items():
                external[f"{prefix}/{rel}" if prefix != "." else rel] = data
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(files[rel]).digest())
    if external:
        digest.update(b"\0external\0" + root_rel.encode("utf-8", "surrogateescape") + b"\0")
        for rel in sorted(external):
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(hashlib.sha256(external[rel]).digest())
    return SourceTree(root=root, files=files, digest=digest.hexdigest(), external=external,
                      root_rel=root_rel)


def strip_dev_dependencies(manifest: str) -> str:
    """The manifest without its ``[dev-dependencies]`` tables (only tests, benches, examples use them).

    A registry mirror (Debian's packaged crates, a vendored folder) often lacks the
    dev-dependencies, and cargo resolves them even for `cargo check` of the library.
    """
    out: list[str] = []
    skipping = False
    for line in manifest.splitlines(keepends=True):
        match = _TABLE.match(line)
        if match:
            skipping = bool(_DEV_DEPS.search(match.group(1).replace(" ", "").replace("'", "")
                                              .replace('"', "")))
        if not skipping:
            out.append(line)
    return "".join(out)


def sync_overlay(tree: SourceTree, overlay: Path, *, drop_dev_deps: bool) -> Path:
    """Make ``overlay`` hold exactly ``tree`` (manifests transformed), touching only what changed.

    ``overlay`` mirrors the tree's ``base``; the returned folder mirrors its root (the same
    folder unless path dependencies lie outside the root).

    Unchanged files are not touched, so cargo sees them as fresh; a changed file is written anew
    (its mtime is now, never the source's, which may be older than cargo's last check of it).
    Files cargo itself made in the overlay (``Cargo.lock``) are kept unless the source has its own.
    """
    overlay.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, bytes] = {}
    lock = "Cargo.lock" if tree.root_rel == "." else f"{tree.root_rel}/Cargo.lock"
    prefix = "" if tree.root_rel == "." else tree.root_rel + "/"
    items = [(prefix + rel, data) for rel, data in tree.files.items()]
    items += list(tree.external.items())
    for rel, data in items:
        if drop_dev_deps and (rel == "Cargo.toml" or rel.endswith("/Cargo.toml")):
            data = strip_dev_dependencies(data.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape")
        wanted[rel] = data
    for rel, data in wanted.items():
        target = overlay / rel
        try:
            same = target.read_bytes() == data
        except OSError:
            same = False
        if not same:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".ptriage-tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
    for dirpath, dirnames, filenames in os.walk(overlay, topdown=False):
        for name in filenames:
            full = Path(dirpath) / name
            rel = full.relative_to(overlay).as_posix()
            if rel not in wanted and rel != lock:
                full.unlink()
        for name in dirnames:
            full = Path(dirpath) / name
            try:
                full.rmdir()  # only empty folders go
            except OSError:
                continue
    return overlay if tree.root_rel == "." else overlay / tree.root_rel


def copy_overlay(source: Path, dest: Path) -> None:
    """A copy of an overlay (for proof rewrites) in a folder no other content ever used."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, symlinks=False)
