"""CLI output: files checked before work starts and replaced atomically only when safe; counted nouns."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from checkers.errors import CheckerError

#: What the user writes for standard output.
STDOUT = "-"


class OutputError(CheckerError):
    """An output path cannot be written; the message names it once and says what to do."""


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """How one output target will be written.

    ``mode`` is ``"stdout"``, ``"direct"`` (FIFOs, devices, appends: opened and written in
    place) or ``"replace"`` (regular files and new paths: a temporary file in the same
    directory, renamed over ``path`` once complete). ``path`` is the file actually written:
    a symlink's final target, so the link itself is never replaced.
    """

    target: str
    mode: str
    path: Path | None


def describe_os_error(exc: OSError) -> str:
    """An OS error in words a user can act on (no errno numbers)."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _fail(target: str, what: str, option: str) -> OutputError:
    return OutputError(f"cannot write {target}: {what}; choose another {option}")


def plan_output(target: str, *, option: str = "--out", append: bool = False) -> OutputPlan:
    """Decide how ``target`` will be written, refusing (with :class:`OutputError`) what cannot be.

    Checked up front so that a long scan does not run only to fail at its end: a missing
    parent directory, a directory, a read-only file or file system, a symlink loop.
    """
    if target == STDOUT:
        return OutputPlan(target, "stdout", None)
    given = Path(target)
    try:
        # A symlink is written through: we work on its final target, never on the link.
        path = given.resolve(strict=False) if given.is_symlink() else given
    except (OSError, RuntimeError) as exc:
        what = describe_os_error(exc) if isinstance(exc, OSError) else "a symlink loop"
        raise _fail(target, what, option) from exc
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        what = "a symlink loop" if exc.errno == errno.ELOOP else describe_os_error(exc)
        raise _fail(target, what, option) from exc
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise _fail(target, "it is a directory", option)
    if info is not None and stat.S_ISREG(info.st_mode) and _is_sqlite(path):
        # `export --out corpus.sqlite3` would replace the corpus with its own export.
        raise _fail(target, "it is a SQLite database (a corpus?) that this would overwrite",
                    option)
    if info is not None and not stat.S_ISREG(info.st_mode):
        # FIFO, character device, socket: open it as it is (opening checks access).
        return OutputPlan(target, "direct", path)
    parent = path.parent
    if not parent.is_dir():
        raise _fail(target, f"no directory {parent}", option)
    if _read_only_fs(parent):
        raise _fail(target, "the file system is read-only", option)
    if info is not None and not os.access(path, os.W_OK):
        raise _fail(target, "permission denied (or a read-only file system)", option)
    if not append and not os.access(parent, os.W_OK | os.X_OK):
        raise _fail(target, f"cannot create files in {parent} (permission denied or a "
                            "read-only file system)", option)
    if append and info is None and not os.access(parent, os.W_OK | os.X_OK):
        raise _fail(target, f"cannot create files in {parent}", option)
    return OutputPlan(target, "direct" if append else "replace", path)


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False  # unreadable: the checks below say what is wrong with it


@contextlib.contextmanager
def open_output(plan: OutputPlan, *, option: str = "--out", append: bool = False
                ) -> Iterator[TextIO]:
    """A text stream for ``plan``; on success the output is complete at ``plan.target``.

    ``replace``: written to a temporary file beside the target and renamed over it only when
    the block ends without an exception, so a failed or full-disk write leaves the old file
    as it was. Every OS error becomes one :class:`OutputError` line naming the target once.
    """
    if plan.mode == "stdout":
        yield sys.stdout
        sys.stdout.flush()
        return
    assert plan.path is not None
    target = plan.target
    if plan.mode == "direct":
        try:
            handle = open(plan.path, "a" if append else "w", encoding="utf-8",  # noqa: SIM115
                          newline="\n")
        except OSError as exc:
            raise _fail(target, describe_os_error(exc), option) from exc
        try:
            with handle:
                yield handle
        except OSError as exc:
            raise _fail(target, describe_os_error(exc), option) from exc
        return
    path = plan.path
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _fail(target, describe_os_error(exc), option) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, temp)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _fail(target, describe_os_error(exc), option) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 case``, ``2 cases`` (``nouns`` for irregular plurals)."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def write_text(target: str, text: str, *, option: str) -> None:
    """Write a whole small output (e.g. a JSON summary) with the rules of :func:`open_output`."""
    plan = plan_output(target, option=option)
    with open_output(plan, option=option) as handle:
        handle.write(text)
