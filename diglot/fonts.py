"""Fonts through fontconfig: which faces an edition uses, and whether they cover its text.

The registry (diglot.languages) names each language's preferred faces; fontconfig says
whether they are installed and, when they are not, which installed face covers the
language (``:lang=``). A missing font or character is an error naming what is missing
and the Debian package that provides it; never a PDF full of tofu boxes.
"""

from __future__ import annotations

import ctypes.util
from bisect import bisect_right
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .errors import DiglotError
from .languages import EMOJI_FACE, Faces, language


@dataclass(frozen=True)
class Face:
    family: str
    package: str
    role: str = "serif"  # serif (body) | sans (headings) | mono (code) | emoji


ROLES = ("serif", "sans", "mono")


@lru_cache(maxsize=None)
def _installed_families() -> frozenset[str]:
    if shutil.which("fc-list") is None:
        raise DiglotError("fontconfig's fc-list is not installed (Debian package: fontconfig)")
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


@lru_cache(maxsize=None)
def _families_for(subtag: str) -> frozenset[str]:
    """Installed families fontconfig says support a language (``fc-list :lang=xx``)."""
    out = subprocess.run(["fc-list", f":lang={subtag}", "family"], capture_output=True, text=True).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


@lru_cache(maxsize=None)
def _fontconfig_choice(generic: str, subtag: str) -> str:
    out = subprocess.run(["fc-match", "-f", "%{family[0]}", f"{generic}:lang={subtag}"], capture_output=True, text=True)
    return out.stdout.strip()


@lru_cache(maxsize=None)
def faces(lang: str) -> tuple[Face, ...]:
    """The faces ``lang`` is set in: the registry's, or what fontconfig picks for the language
    when those are not installed (``fc-match serif:lang=xx``), if it supports the language."""
    entry = language(lang)
    preferred: Faces = entry.faces
    chosen = []
    for role in ROLES:
        family = getattr(preferred, role)
        if family not in _installed_families():
            generic = {"serif": "serif", "sans": "sans-serif", "mono": "monospace"}[role]
            fallback = _fontconfig_choice(generic, entry.subtag)
            if fallback and fallback in _families_for(entry.subtag):
                family = fallback
        chosen.append(Face(family, preferred.package, role))
    return tuple(chosen)


def face(lang: str, role: str) -> Face:
    return faces(lang)[ROLES.index(role)]


def faces_for(langs) -> list[Face]:
    return [f for lang in dict.fromkeys(langs) for f in faces(lang)]


def check_installed(langs) -> None:
    missing = [f for f in faces_for(langs) if f.family not in _installed_families()]
    if missing:
        names = ", ".join(dict.fromkeys(f"'{f.family}'" for f in missing))
        packages = " ".join(sorted({p for f in missing for p in f.package.split()}))
        raise DiglotError(f"font {names} not found by fontconfig; install it: apt-get install {packages}")


def _font_file(family: str) -> tuple[str, int]:
    """(file, face index) fontconfig matches ``family`` to; ValueError or CalledProcessError if none."""
    if family not in _MATCHED:
        _match_files([family])
    found = _MATCHED[family]
    if isinstance(found, Exception):
        raise found
    return found


#: family → (file, index) fc-match gave, or the error it ended in: per process.
_MATCHED: dict[str, tuple[str, int] | Exception] = {}


def _match_files(families) -> None:
    """fc-match for each of ``families`` not matched yet, the processes all started at once: one
    after the other, the dozen a build's fingerprints need were most of its planning after a touch."""
    running = []
    for family in dict.fromkeys(families):
        if family not in _MATCHED:
            try:
                running.append((family, subprocess.Popen(["fc-match", "-f", "%{file}\t%{index}", family],
                                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
            except FileNotFoundError as exc:  # no fontconfig: said where a font is looked for
                _MATCHED[family] = exc
    for family, process in running:
        out, err = process.communicate()
        try:
            if process.returncode:
                raise subprocess.CalledProcessError(process.returncode, process.args, out, err)
            path, index = out.split("\t")
            _MATCHED[family] = (path, int(index or 0))
        except (subprocess.CalledProcessError, ValueError) as exc:
            _MATCHED[family] = exc


def font_file(lang: str, role: str, bold: bool = False) -> tuple[str, int]:
    """(file, face index) of a language's face: for subsetting into e-books."""
    family = face(lang, role).family
    return _font_file(f"{family}:bold" if bold else family)


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


def _emoji_coverage() -> frozenset[int]:
    if EMOJI_FACE.serif not in _installed_families():
        return frozenset()
    return coverage(EMOJI_FACE.serif)


@lru_cache(maxsize=None)
def _covered(lang: str) -> frozenset[int]:
    return frozenset().union(*(coverage(f.family) for f in faces(lang) if f.family in _installed_families()),
                             _emoji_coverage())


@lru_cache(maxsize=None)
def _stack_covered(lang: str, also: tuple[str, ...]) -> frozenset[int]:
    return _covered(lang).union(*(_covered(other) for other in also if other != lang)) if also else _covered(lang)


def missing_characters(text: str, lang: str, also=()) -> list[str]:
    """Characters of ``text`` that no face can draw: not ``lang``'s stack (its own faces, those of
    ``also``, the other languages its font stack lists, css_stack, and the emoji face), nor any
    other installed face, which fontconfig falls back to for them as Pango and reading systems
    do (a Korean name in an English text is set in a CJK face with Hangul, not refused)."""
    covered = _stack_covered(lang, tuple(also))
    missing = sorted({c for c in text if ord(c) not in covered and not _invisible(c)})
    if not missing:
        return []
    starts, ends = _any_face()
    return [c for c in missing if not _within(ord(c), starts, ends)]


def _within(code: int, starts: list[int], ends: list[int]) -> bool:
    at = bisect_right(starts, code) - 1
    return at >= 0 and code <= ends[at]


@lru_cache(maxsize=None)
def _any_face() -> tuple[list[int], list[int]]:
    """What some installed face has, as merged code point ranges (starts, ends): every face's
    charset in one ``fc-list`` (26 ms for 336 faces), for fontconfig's fallback."""
    out = subprocess.run(["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True).stdout
    ranges = sorted((int(first, 16), int(last or first, 16)) for part in out.split()
                    for first, _, last in [part.partition("-")])
    starts, ends = [], []
    for first, last in ranges:
        if ends and first <= ends[-1] + 1:
            ends[-1] = max(ends[-1], last)
        else:
            starts.append(first)
            ends.append(last)
    return starts, ends


def _invisible(char: str) -> bool:
    return char in "\n\r\t " or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Mn")


def covering_package(char: str) -> str:
    """A Debian package whose fonts would draw ``char``, from the script it belongs to."""
    code = ord(char)
    if 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF:
        return EMOJI_FACE.package
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3040 <= code <= 0x30FF:
        return "fonts-noto-cjk (Hangul and kana)"
    if 0x20000 <= code <= 0x3FFFF:
        return "fonts-hanazono (CJK Unified Ideographs Extension B and later)"
    return "fonts-noto-core, fonts-noto-extra or fonts-noto-cjk-extra"


def check_coverage(text: str, lang: str, where: str, also=()) -> None:
    missing = missing_characters(text, lang, also)
    if missing:
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:20])
        families = ", ".join(f.family for f in faces(lang))
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        packages = ", ".join(dict.fromkeys(covering_package(c) for c in missing))
        raise DiglotError(f"{where}: no installed font ({families}) has {shown}{more}; try: apt-get install {packages}")


@lru_cache(maxsize=None)
def vertical_metrics(family: str) -> tuple[float, float]:
    """Ascent and descent (em) of a family's regular face, as HarfBuzz and Pango place text in a
    line: hhea's, or OS/2's typographic ones when the font asks for them (USE_TYPO_METRICS)."""
    from fontTools.ttLib import TTFont

    path, index = _font_file(family)
    font = TTFont(path, fontNumber=index, lazy=True)
    upem, os2 = font["head"].unitsPerEm, font["OS/2"]
    if os2.fsSelection & (1 << 7):
        return os2.sTypoAscender / upem, -os2.sTypoDescender / upem
    return font["hhea"].ascent / upem, -font["hhea"].descent / upem


def forget_installed() -> None:
    """Ask fontconfig again from now on: what it answered is kept for the life of the process,
    and a process that builds again and again (the preview server) must find a font installed
    after an error told the user to install it, as a new build would."""
    for cached in (_installed_families, _families_for, _fontconfig_choice, faces, coverage, _covered,
                   _stack_covered, _any_face, vertical_metrics):
        cached.cache_clear()
    _MATCHED.clear()


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts ~12× faster with libharfbuzz-subset."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


def font_files(langs) -> list[tuple[str, int, list[int] | None]]:
    """(file, face index, [size, mtime]) of every face the languages use: part of a PDF's inputs."""
    from pathlib import Path

    from .manifest import file_stat

    files = []
    _match_files(f.family for f in faces_for(tuple(langs)))
    for f in faces_for(tuple(langs)):
        try:
            path, index = _font_file(f.family)
        except (subprocess.CalledProcessError, ValueError, FileNotFoundError):
            files.append((f.family, -1, None))
            continue
        files.append((path, index, file_stat(Path(path))))
    return files


def css_stack(lang: str, role: str, also=()) -> str:
    """A CSS font-family value: ``lang``'s face for ``role``, the faces of ``also`` (other
    languages the text may hold, e.g. the source's Han characters in a translation), generic.

    The emoji face is not listed: Pango would then take digits and spaces from it (they are
    emoji components); fontconfig's fallback finds it for pictographs, the only face that has them."""
    generic = {"serif": "serif", "sans": "sans-serif", "mono": "monospace"}[role]
    names = [face(lang, role).family] + [face(other, role).family for other in also if other != lang]
    return ", ".join(f'"{name}"' for name in dict.fromkeys(names)) + f", {generic}"
