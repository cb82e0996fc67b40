"""The build manifest in ``output/.diglot/manifest.json``: what each output was made from.

Two levels, so a build with nothing to do stays cheap: a stat cache of every
input file (size, mtime) lets an unchanged tree skip all parsing; otherwise
each output's content fingerprint (hash of everything it is made from)
decides whether it is rebuilt. A damaged or foreign manifest counts as empty.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from .files import atomic_write, json_pieces

log = logging.getLogger("diglot.build")

FORMAT = "diglot-manifest/1"


def digest(*parts) -> str:
    """A stable hash of JSON-able parts. Texts and flat sequences of texts (most of a plan's
    thousands of fingerprints) are hashed length-prefixed, without json (a third of the planning
    after a touch was json.dumps); anything else as its JSON text, which never starts like them."""
    pieces: list[bytes] = []
    if _texts(parts, pieces):
        hashed = hashlib.sha256(b"texts")
        for piece in pieces:
            hashed.update(piece)
        return hashed.hexdigest()
    data = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _texts(parts, pieces: list[bytes], depth: int = 0) -> bool:
    """Append each text of ``parts`` (texts, or tuples and lists of them) length-prefixed; False
    for anything else."""
    for part in parts:
        if type(part) is str:
            data = part.encode("utf-8", "surrogatepass")
            pieces.append(b"s%d:" % len(data))
            pieces.append(data)
        elif type(part) in (tuple, list) and depth == 0:
            pieces.append(b"l%d:" % len(part))
            if not _texts(part, pieces, 1):
                return False
        else:
            return False
    return True


def content_hash(path: Path) -> str:
    """The hash of a file's bytes: what fingerprints are made of (never its time, which a touch or a
    fresh checkout changes). BLAKE2b: as strong as SHA-256 and, without SHA instructions, twice as
    fast, which is most of a build's planning after a touch (every input is read again)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, _blake2b).hexdigest()


def _blake2b():
    return hashlib.blake2b(digest_size=32)


def file_stat(path: Path | str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def input_files(root: Path) -> list[Path]:
    """Every file a build reads from the project tree, and Diglot's own code (a new version may plan new jobs)."""
    files = [root / "pyproject.toml", *sorted(Path(__file__).parent.glob("*.py"))]
    for folder in ("source", "templates", "translations"):
        base = root / folder
        if base.is_dir():
            files += sorted(p for p in base.rglob("*") if p.is_file() and not p.name.startswith("."))
    return files


def _check_shape(data) -> None:
    """Raise ValueError unless ``data`` is a manifest this version wrote (valid JSON is not enough)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a Diglot manifest of this version")
    outputs, inputs = data.get("outputs"), data.get("inputs", {})
    if not isinstance(outputs, dict) or not isinstance(inputs, dict) or not isinstance(data.get("plan", ""), str):
        raise ValueError("outputs, inputs or plan of the wrong type")
    for entry in outputs.values():
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str) \
                or not _is_stat(entry.get("stat")):
            raise ValueError("an output entry of the wrong shape")
    if not all(_is_stat(stat) for stat in inputs.values()):
        raise ValueError("an input entry of the wrong shape")
    fonts = data.get("fonts", {})
    if not isinstance(fonts, dict) or not all(_is_stat(stat) for stat in fonts.values()):
        raise ValueError("fonts of the wrong shape")
    for key in ("fallbacks", "skipped"):
        if not isinstance(data.get(key, {}), dict):
            raise ValueError(f"{key} of the wrong type")


def _is_stat(value) -> bool:
    return value is None or (isinstance(value, list) and len(value) == 2
                             and all(isinstance(v, int) and not isinstance(v, bool) for v in value))


class Manifest:
    def __init__(self, path: Path, data: dict | None = None):
        self.path = path
        self.data = data or {"format": FORMAT, "inputs": {}, "outputs": {}, "plan": ""}

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        if not path.exists() and not path.is_symlink():
            return cls(path)
        try:
            if path.is_symlink() or not path.is_file():  # never read through a planted link
                raise ValueError("not a regular file")
            data = json.loads(path.read_text(encoding="utf-8"))
            _check_shape(data)
        except (OSError, ValueError) as exc:
            log.warning("%s is damaged or foreign (%s); rebuilding everything", path, exc)
            return cls(path)
        return cls(path, data)

    def save(self) -> None:
        if self.path.is_dir() and not self.path.is_symlink():
            # A folder where the manifest goes: keep it (it is not ours to delete) but out of the way.
            aside = self.path.with_name(f"{self.path.name}.foreign-{os.getpid()}")
            self.path.rename(aside)
            log.warning("%s was a folder; moved it to %s", self.path, aside.name)
        # One line: json's C encoder (an indented dump is Python's, several times slower on a
        # manifest of thousands of outputs, which a build after a touch writes anew), in pieces.
        atomic_write(self.path, json_pieces(self.data))

    # -- level 1: nothing changed at all ------------------------------------------

    def snapshot_inputs(self, root: Path) -> dict[str, list[int] | None]:
        return {os.path.relpath(p, root): file_stat(p) for p in input_files(root)}

    def unchanged(self, root: Path, plan: str, inputs: dict | None = None) -> bool:
        """True when the plan, every input file (``inputs``: their snapshot_inputs, if taken), the
        font files the PDFs used and every output are as recorded (a font upgraded or removed is
        looked at again)."""
        if self.data.get("plan") != plan or not self.data["outputs"]:
            return False
        if (inputs if inputs is not None else self.snapshot_inputs(root)) != self.data.get("inputs"):
            return False
        if any(file_stat(Path(font)) != stat for font, stat in self.data.get("fonts", {}).items()):
            return False
        out = root / "output"
        return all(file_stat(out / rel) == entry.get("stat") for rel, entry in self.data["outputs"].items())

    # -- level 2: per-output fingerprints --------------------------------------------

    def is_current(self, output_dir: Path, rel: str, fingerprint: str) -> bool:
        entry = self.data["outputs"].get(rel)
        return (entry is not None and entry.get("fingerprint") == fingerprint
                and file_stat(os.path.join(output_dir, rel)) == entry.get("stat"))

    def record(self, output_dir: Path, rel: str, fingerprint: str, extra: dict | None = None) -> None:
        self.data["outputs"][rel] = {"fingerprint": fingerprint, "stat": file_stat(output_dir / rel), **(extra or {})}

    def forget_missing(self, keep: set[str]) -> None:
        for rel in list(self.data["outputs"]):
            if rel not in keep:
                del self.data["outputs"][rel]
