"""Safe file operations: atomic writes, the build lock, stale temporary files.

Imports nothing heavy: a build with nothing to do goes through here.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from .errors import DiglotError

TEMP_SUFFIX = ".diglot-tmp"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes | Iterable[bytes], keep_same: bool = False) -> bool:
    """Write ``data`` (bytes, or pieces of it: a page written as it is made) to a temporary file
    beside ``path``, fsync, and rename it into place; with ``keep_same``, a file already holding
    exactly these bytes is left as it is (its date too). Returns whether ``path`` was replaced.

    A reader (or a build killed with SIGKILL) sees the old file or the new one,
    never a truncated one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, (bytes, bytearray, memoryview)):
                handle.write(data)
            else:
                handle.writelines(data)
            handle.flush()
            if keep_same and _same_bytes(tmp, path):
                Path(tmp).unlink()
                return False
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are for sharing
        os.replace(tmp, path)
        return True
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _same_bytes(one: str, other: Path) -> bool:
    """Whether two files hold the same bytes (a regular file ``other``, not a link)."""
    import filecmp

    try:
        return other.is_file() and not other.is_symlink() and filecmp.cmp(one, other, shallow=False)
    except OSError:
        return False


def json_pieces(data, batch: int = 512, default=None) -> Iterator[bytes]:
    """``json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default)``
    as UTF-8, in pieces: a dict of more than ``batch`` entries (a manifest's thousands of outputs)
    is encoded ``batch`` entries at a time, each with json's C encoder, so that the whole text is
    never held (nor its encoded copy) while it is written."""
    if not isinstance(data, dict) or len(data) <= batch and not any(isinstance(v, dict) and len(v) > batch
                                                                     for v in data.values()):
        yield json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default
                         ).encode("utf-8")
        return
    yield b"{"
    items = sorted(data.items())
    for number, (key, value) in enumerate(items):
        yield (b"," if number else b"") + json.dumps(key, ensure_ascii=False).encode("utf-8") + b":"
        if isinstance(value, dict) and len(value) > batch:
            entries = sorted(value.items())
            yield b"{"
            for start in range(0, len(entries), batch):
                text = json.dumps(dict(entries[start:start + batch]), sort_keys=True, ensure_ascii=False,
                                  separators=(",", ":"), default=default)
                yield (b"," if start else b"") + text[1:-1].encode("utf-8")
            yield b"}"
        else:
            yield from json_pieces(value, batch, default)
    yield b"}"


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files a killed build left behind; return how many."""
    if not folder.is_dir():
        return 0
    stale = list(folder.rglob(f".*{TEMP_SUFFIX}"))
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


#: Lock descriptors this process holds. A forked child (a build worker) inherits them, and a
#: flock belongs to the open file, not the process: a worker orphaned by a SIGKILL of the build
#: (the OOM killer kills one process, not the group) would keep the tree locked for good.
_HELD_LOCKS: set[int] = set()


def _close_inherited_locks() -> None:
    # In the child only: closing our copy leaves the parent's lock in place; unlocking would not.
    for fd in list(_HELD_LOCKS):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_close_inherited_locks)


class BuildLock:
    """An exclusive lock on ``output/.diglot/lock``: one build per tree at a time."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> "BuildLock":
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise DiglotError(f"another Diglot build (pid {holder}) is running in this tree; "
                                  "wait for it to finish", self.path) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd, self._pid = fd, os.getpid()
        _HELD_LOCKS.add(fd)
        return self

    def _open(self) -> int:
        # O_NOFOLLOW: a lock planted as a symlink must not make us truncate a file elsewhere.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise DiglotError("the build lock is a symbolic link; Diglot will not write through it "
                                  "(delete it)", self.path) from None
            raise DiglotError(f"cannot create the build lock ({exc.strerror}): {self.path.parent.name}/ must "
                              f"be a folder and {self.path.name} a file", self.path) from None

    def __exit__(self, *exc_info) -> None:
        if self._fd is not None and self._pid == os.getpid():
            _HELD_LOCKS.discard(self._fd)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
        self._fd = None
