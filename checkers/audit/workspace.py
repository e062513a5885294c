"""Finding the Cargo workspace of a path, and the scratch overlay copy that every cargo run works on.

The audit never writes inside the user's workspace: cargo runs on an overlay copy in the cache
dir (it may write its lock file there), synced file by file with the source's modification times
kept, so cargo's own fingerprints stay fresh from one audit to the next.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

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


def read_tree(root: Path) -> SourceTree:
    """Every file under ``root`` except build output and VCS folders, with a content digest."""
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_symlink() or not full.is_file():
                continue
            rel = full.relative_to(root).as_posix()
            files[rel] = full.read_bytes()
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(files[rel]).digest())
    return SourceTree(root=root, files=files, digest=digest.hexdigest())


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


def sync_overlay(tree: SourceTree, overlay: Path, *, drop_dev_deps: bool) -> None:
    """Make ``overlay`` hold exactly ``tree`` (manifests transformed), touching only what changed.

    Unchanged files are not touched, so cargo sees them as fresh; a changed file is written anew
    (its mtime is now, never the source's, which may be older than cargo's last check of it).
    Files cargo itself made in the overlay (``Cargo.lock``) are kept unless the source has its own.
    """
    overlay.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, bytes] = {}
    for rel, data in tree.files.items():
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
            if rel not in wanted and rel != "Cargo.lock":
                full.unlink()
        for name in dirnames:
            full = Path(dirpath) / name
            try:
                full.rmdir()  # only empty folders go
            except OSError:
                continue


def copy_overlay(source: Path, dest: Path) -> None:
    """A copy of an overlay (for proof rewrites) in a folder no other content ever used."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, symlinks=False)
