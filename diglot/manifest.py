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

from .files import atomic_write

log = logging.getLogger("diglot.build")

FORMAT = "diglot-manifest/1"


def digest(*parts) -> str:
    """A stable hash of JSON-able parts."""
    data = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def file_stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def input_files(root: Path) -> list[Path]:
    """Every file a build reads from the project tree."""
    files = [root / "pyproject.toml"]
    for folder in ("source", "templates", "translations"):
        base = root / folder
        if base.is_dir():
            files += sorted(p for p in base.rglob("*") if p.is_file() and not p.name.startswith("."))
    return files


class Manifest:
    def __init__(self, path: Path, data: dict | None = None):
        self.path = path
        self.data = data or {"format": FORMAT, "inputs": {}, "outputs": {}, "plan": ""}

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or not isinstance(data.get("outputs"), dict):
                raise ValueError("not a Diglot manifest of this version")
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("%s is damaged or foreign (%s); rebuilding everything", path, exc)
            return cls(path)
        return cls(path, data)

    def save(self) -> None:
        atomic_write(self.path, json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))

    # -- level 1: nothing changed at all ------------------------------------------

    def snapshot_inputs(self, root: Path) -> dict[str, list[int] | None]:
        return {os.path.relpath(p, root): file_stat(p) for p in input_files(root)}

    def unchanged(self, root: Path, plan: str) -> bool:
        """True when the plan, every input file and every output are as recorded."""
        if self.data.get("plan") != plan or not self.data["outputs"]:
            return False
        if self.snapshot_inputs(root) != self.data.get("inputs"):
            return False
        out = root / "output"
        return all(file_stat(out / rel) == entry.get("stat") for rel, entry in self.data["outputs"].items())

    # -- level 2: per-output fingerprints --------------------------------------------

    def is_current(self, output_dir: Path, rel: str, fingerprint: str) -> bool:
        entry = self.data["outputs"].get(rel)
        return (entry is not None and entry.get("fingerprint") == fingerprint
                and file_stat(output_dir / rel) == entry.get("stat"))

    def record(self, output_dir: Path, rel: str, fingerprint: str, extra: dict | None = None) -> None:
        self.data["outputs"][rel] = {"fingerprint": fingerprint, "stat": file_stat(output_dir / rel), **(extra or {})}

    def forget_missing(self, keep: set[str]) -> None:
        for rel in list(self.data["outputs"]):
            if rel not in keep:
                del self.data["outputs"][rel]
