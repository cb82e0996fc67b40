"""The planner's cache in ``output/.diglot/summaries.json``: what planning learnt of each publication
(its fingerprint inputs, warnings, fallbacks), under the content hash of every file it was learnt from.

A build after ``touch`` on every source, or in a fresh checkout (every time new, no byte changed),
finds every key unchanged and plans without parsing a source or converting an edition. Keys are
made of bytes, never times. A damaged or foreign cache counts as empty: it is only a cache.
"""

from __future__ import annotations

import json
import logging
import os
from functools import lru_cache
from pathlib import Path

from .files import atomic_write, json_pieces
from .manifest import content_hash, digest

log = logging.getLogger("diglot.build")

FORMAT = "diglot-summaries/1"
#: What a publication's text is: its own files; every other file of source/ (images …) may be
#: read by any publication.
TEXT_SUFFIXES = (".md",)
BOOK_FILE = "book.yaml"


def tree_hashes(folder: Path, root: Path | None = None) -> dict[str, str]:
    """Every file under ``folder`` (relative, POSIX, in path order) → hash of its bytes. A symbolic
    link counts by where it leads, and by the bytes there if that is a file inside ``root`` (the
    project): one leading out is refused when it is read, and is not read here either. A linked
    folder is not walked into (as Path.rglob does not)."""
    found = {}
    inside = (root or folder).resolve()
    pending = [("", str(folder))] if folder.is_dir() else []
    while pending:  # os.scandir: each entry's type and stat come with the listing
        prefix, directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            rel = prefix + entry.name
            if entry.is_symlink():
                path = Path(entry.path)
                target = path.resolve()
                found[rel] = "link:" + os.readlink(path) + (
                    ":" + _hash(path) if target.is_relative_to(inside) and target.is_file() else "")
            elif entry.is_dir():
                pending.append((rel + "/", entry.path))
            elif entry.is_file():
                found[rel] = _hash(Path(entry.path))
    return dict(sorted(found.items(), key=lambda item: item[0].split("/")))


def _hash(path: Path) -> str:
    try:
        return content_hash(path)
    except OSError as exc:  # reading it for the build says so, at its path
        return f"unreadable:{exc.errno}"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Diglot's own code and data: a changed parser or converter learns things anew."""
    code = tree_hashes(Path(__file__).parent)
    return digest(sorted((rel, h) for rel, h in code.items() if "__pycache__" not in rel))  # not Python's own


def publication_keys(config, paths: list[Path], context, trees=tree_hashes) -> dict[str, str]:
    """Publication name → the hash of everything its summary is made from: its own text files, every
    other file of source/ and translations/ (conservatively), the configuration and the code.
    ``trees``: tree_hashes, or a build's SummaryCache.tree (each folder walked once per build)."""
    sources = trees(config.source_dir, config.root)
    names = {p.name for p in paths}
    own: dict[str, list] = {name: [] for name in names}
    shared = []
    for rel, hashed in sources.items():
        owner = _owner(rel, names)
        (own[owner] if owner else shared).append((rel, hashed))
    common = digest(FORMAT, code_digest(), context, sorted(names), shared,
                    sorted(trees(config.translations_dir, config.root).items()))
    return {name: digest(common, own[name]) for name in names}


def folder_key(config, folder: Path, context, trees=tree_hashes) -> str:
    """The hash of everything under ``folder``, the configuration and the code: the key of what is
    learnt from that folder alone (the UI catalogues from translations/, the templates' check)."""
    return digest(FORMAT, code_digest(), context, folder.name, sorted(trees(folder, config.root).items()))


def _owner(rel: str, names: set[str]) -> str | None:
    """The publication whose text ``rel`` (under source/) is: source/<x>.md, or a book folder's
    book.yaml and chapters; None for a file any publication may read (a figure's image)."""
    head, _, rest = rel.partition("/")
    if not rest:
        return head if head in names and head.endswith(TEXT_SUFFIXES) else None
    if head in names and (rel.endswith(TEXT_SUFFIXES) or rest == BOOK_FILE):
        return head
    return None


class SummaryCache:
    """Summaries by publication name, each with the key it was made under; only those used by the
    last build are kept, so the file follows the project, not its history."""

    def __init__(self, path: Path, entries: dict | None = None):
        self.path = path
        self.entries = entries or {}
        self.used: dict[str, dict] = {}
        self._trees: dict[tuple[Path, Path | None], dict[str, str]] = {}

    def tree(self, folder: Path, root: Path | None = None) -> dict[str, str]:
        """tree_hashes(folder, root), walked once for the build this cache serves (translations/
        keys both the publications and the UI catalogues)."""
        if (folder, root) not in self._trees:
            self._trees[folder, root] = tree_hashes(folder, root)
        return self._trees[folder, root]

    @classmethod
    def load(cls, path: Path) -> "SummaryCache":
        if path.is_symlink() or not path.is_file():  # never read through a planted link
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("entries"), dict):
                raise ValueError("not a summary cache of this version")
        except (OSError, ValueError) as exc:
            log.debug("%s ignored (%s); planning from the sources", path, exc)
            return cls(path)
        return cls(path, data["entries"])

    def get(self, name: str, key: str) -> dict | None:
        entry = self.entries.get(name)
        if isinstance(entry, dict) and entry.get("key") == key and isinstance(entry.get("summary"), dict):
            self.used[name] = entry
            return entry["summary"]
        return None

    def put(self, name: str, key: str, summary) -> None:
        """``summary``: a dict, or an object with to_json() (stored as it is, made JSON when saved:
        the build holds one copy of each summary, not two)."""
        self.used[name] = {"key": key, "summary": summary}

    def memo(self, name: str, key: str, make, valid=lambda value: True) -> dict:
        """The value stored under ``name`` for ``key`` if it is ``valid``, else ``make()`` stored."""
        value = self.get(name, key)
        if value is None or not valid(value):
            value = make()
            self.put(name, key, value)
        return value

    def save(self) -> None:
        if self.used == self.entries and self.path.is_file():
            return
        if self.path.is_symlink() or self.path.is_dir():
            log.warning("%s is not a regular file; the planner's cache is not saved", self.path)
            return
        data = {"format": FORMAT, "entries": self.used}
        atomic_write(self.path, json_pieces(data, default=_to_json))


def _to_json(value):
    if hasattr(value, "to_json"):
        return value.to_json()
    raise TypeError(f"{type(value).__name__} is not JSON-able")
