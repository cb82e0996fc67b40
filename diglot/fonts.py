"""Fonts through fontconfig: which faces an edition uses, and whether they cover its text.

A missing font or character is an error naming what is missing and the
Debian package that provides it; never a PDF full of tofu boxes.
"""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .errors import DiglotError


@dataclass(frozen=True)
class Face:
    family: str
    package: str


#: Faces per edition language: body (serif), headings (sans), code (mono).
FACES = {
    "zh-Hans": (Face("Noto Serif CJK SC", "fonts-noto-cjk"), Face("Noto Sans CJK SC", "fonts-noto-cjk"),
                Face("Noto Sans Mono CJK SC", "fonts-noto-cjk")),
    "zh-Hant": (Face("Noto Serif CJK TC", "fonts-noto-cjk"), Face("Noto Sans CJK TC", "fonts-noto-cjk"),
                Face("Noto Sans Mono CJK TC", "fonts-noto-cjk")),
    "en": (Face("Noto Serif", "fonts-noto-core"), Face("Noto Sans", "fonts-noto-core")),
}


def faces_for(langs: set[str] | tuple[str, ...]) -> list[Face]:
    return [face for lang in langs for face in FACES.get(lang, ())]


@lru_cache(maxsize=None)
def _installed_families() -> frozenset[str]:
    if shutil.which("fc-list") is None:
        raise DiglotError("fontconfig's fc-list is not installed (Debian package: fontconfig)")
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


def check_installed(langs) -> None:
    missing = [face for face in faces_for(langs) if face.family not in _installed_families()]
    if missing:
        names = ", ".join(f"'{f.family}'" for f in missing)
        packages = " ".join(sorted({f.package for f in missing}))
        raise DiglotError(f"font {names} not found by fontconfig; install it: apt-get install {packages}")


@lru_cache(maxsize=None)
def _font_file(family: str) -> tuple[str, int]:
    out = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", family], capture_output=True, text=True, check=True)
    path, index = out.stdout.split("\t")
    return path, int(index or 0)


@lru_cache(maxsize=None)
def coverage(family: str) -> frozenset[int]:
    """The code points a family's regular face maps: fontconfig's charset for it, read from
    fontconfig's cache (what Pango picks fonts by; the font's cmap, without parsing a CJK font
    of 20 MB in every worker)."""
    out = subprocess.run(["fc-match", "-f", "%{charset}", family], capture_output=True, text=True, check=True)
    points: set[int] = set()
    for part in out.stdout.split():  # "20-7e a0-103 192 …": hexadecimal ranges and single code points
        first, _, last = part.partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(points)


@lru_cache(maxsize=None)
def _covered(lang: str) -> frozenset[int]:
    return frozenset().union(*(coverage(face.family) for face in FACES[lang]))


def missing_characters(text: str, lang: str) -> list[str]:
    """Characters of ``text`` that no face of ``lang``'s stack can draw."""
    covered = _covered(lang)
    return sorted({c for c in text if ord(c) not in covered and not _invisible(c)})


def _invisible(char: str) -> bool:
    return char in "\n\r\t " or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def check_coverage(text: str, lang: str, where: str) -> None:
    missing = missing_characters(text, lang)
    if missing:
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:20])
        families = ", ".join(face.family for face in FACES[lang])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise DiglotError(f"{where}: no installed font ({families}) has {shown}{more}")


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts ~12× faster with libharfbuzz-subset."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


def font_files(langs) -> list[tuple[str, int, list[int] | None]]:
    """(file, face index, [size, mtime]) of every face the languages use: part of a PDF's inputs."""
    from .manifest import file_stat
    from pathlib import Path

    files = []
    for face in faces_for(tuple(langs)):
        try:
            path, index = _font_file(face.family)
        except (subprocess.CalledProcessError, ValueError, FileNotFoundError):
            files.append((face.family, -1, None))
            continue
        files.append((path, index, file_stat(Path(path))))
    return files
