#!/usr/bin/env python3
"""Print typography figures of Diglot's PDFs, and of a ctex/XeLaTeX reference of the same text.

    .venv/bin/python benchmarks/typography.py                     # A4 and A5, every PDF, a table
    .venv/bin/python benchmarks/typography.py --paper A5 --ctex   # with the LaTeX reference (xelatex)
    .venv/bin/python benchmarks/typography.py --measure DIR --paper A4   # PDFs of an existing output/ DIR
    .venv/bin/python benchmarks/typography.py --json figures.json

Builds a temporary copy of the project per paper (``build --format pdf --paper P --force``; never
touches output/), then reads each PDF's characters with pdfplumber and reports, per PDF:
kinsoku violations, flush lines, Chinese lines letter-spaced over 0.03 em (and the most), where
line-end marks leave their ink, English word spaces (largest, 95th percentile, lines over 0.5 em),
hyphenated lines and the longest run, footnote calls at a line start, running heads that wrap,
empty lines at page feet (foot*: only where no heading follows, which the foot could not
have held with its first lines), contents leaders' clearances, bilingual first-line baselines, bytes
per page. ``--ctex`` also sets the text with ctex (Chinese) and LaTeX (English) on the same
type area and fonts (benchmarks/ctex.py; Debian: texlive-xetex texlive-lang-chinese).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from diglot.typography import CLOSING, OPENING, STOPS, is_cjk, is_cjk_letter  # noqa: E402

SLUG = "igf-2018-cybersecurity"
KINDS = ("zh-Hans", "zh-Hant", "en", "zh-Hans-en", "zh-Hant-en")
#: Marks that may not start a line (clreq §3.1.7), Chinese and Western.
NO_START = set(CLOSING + STOPS + "…‥") | set(",.;:!?)]}")
NO_END = set(OPENING)
#: A line ends flush within this distance of its column's right edge (pt).
FLUSH = 1.0
#: Letter-spacing above which a Chinese line counts as spaced out (em).
SPACED = 0.03
#: Word space above which an English line counts as loose (em).
LOOSE = 0.5
FOOTNOTE_GAP = 5 * 72 / 25.4  # @footnote { margin-top: 5mm } in book.css, \skip\footins in the reference


# --- geometry ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    x0: float
    x1: float


@dataclass(frozen=True)
class Geometry:
    """Where the text of one kind of PDF should stand: columns, type area, line pitch."""

    columns: tuple[Column, ...]
    top: float
    bottom: float
    pitch: float
    body_size: float
    front: int = 2  # title page and contents, not measured for page fill

    @property
    def width(self) -> float:
        return self.columns[-1].x1 - self.columns[0].x0


def geometry(kind: str, paper: str) -> Geometry:
    """The type area Diglot sets ``kind`` (zh-Hans, en, zh-Hans-en…) in on ``paper``."""
    from diglot import bilingual
    from diglot.typography import CHINESE_BODY, ENGLISH_BODY, type_area

    if kind.endswith("-en"):
        cols = bilingual.columns(paper)
        area = cols.area
        zh = Column(area.inside, area.inside + cols.a_width)
        en = Column(zh.x1 + cols.gutter, area.inside + area.width)
        return Geometry((zh, en), area.top, area.top + area.height, cols.pitch, bilingual.CJK_SIZE)
    area = type_area(paper)
    body = ENGLISH_BODY if kind == "en" else CHINESE_BODY
    return Geometry((Column(area.inside, area.inside + area.width),), area.top, area.top + area.height,
                    body.font_size * body.line_height, body.font_size)


# --- lines ---------------------------------------------------------------------------------------

@dataclass
class Line:
    page: int
    column: int  # index into Geometry.columns; -1 for a footnote line (full width)
    baseline: float
    size: float
    chars: list[dict]
    marker: int = 0  # leading characters that are a list marker (•, ●, 1.)
    last: bool = False  # the last line of its paragraph
    heading: bool = False

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def body(self) -> list[dict]:
        return self.chars[self.marker:]

    @property
    def x0(self) -> float:
        return self.body[0]["x0"] if self.body else self.chars[0]["x0"]

    @property
    def chinese(self) -> bool:
        text = [c["text"] for c in self.body if c["text"].strip()]
        return sum(map(is_cjk, text)) * 2 >= len(text) > 0


def _baseline(char: dict, page_height: float) -> float:
    return page_height - char["matrix"][5]


def _rows(chars: list[dict], page_height: float) -> list[list[dict]]:
    """Characters on one baseline and of one size; small raised ones (note calls) join the
    row they are raised in."""
    rows: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (round(_baseline(c, page_height), 1), c["x0"])):
        base = _baseline(char, page_height)
        for row in rows[-4:]:
            ref = row[0]
            if abs(_baseline(ref, page_height) - base) < 0.6 and 0.8 < char["size"] / ref["size"] < 1.25:
                row.append(char)
                break
        else:
            rows.append([char])
    big = [r for r in rows if max(c["size"] for c in r) > 0]
    merged: list[list[dict]] = []
    for row in big:
        size = max(c["size"] for c in row)
        base = _baseline(row[0], page_height)
        # A note call is a small number raised in its line; a half-size bullet sits in its line.
        calls = all(c["text"].isdigit() for c in row)
        bullets = all(c["text"] in "•●" for c in row)
        host = next((r for r in big if r is not row and max(c["size"] for c in r) > 1.3 * size
                     and -1.5 < _baseline(r[0], page_height) - base < max(c["size"] for c in r) * 0.8
                     and min(abs(c["x0"] - h["x1"]) for c in row for h in r) < 40), None)
        if host is not None and (calls or bullets):
            for char in row:
                char["raised"] = calls
            host.extend(row)
        else:
            merged.append(row)
    return [sorted(r, key=lambda c: c["x0"]) for r in merged]


def _marker_length(chars: list[dict]) -> int:
    """Leading characters that are a list marker followed by a gap (• text, 1. text)."""
    text = "".join(c["text"] for c in chars[:4])
    count = 0
    if text[:1] in "•●" and len(chars) > 1:
        return 1
    else:
        digits = len(text) - len(text.lstrip("0123456789"))
        if digits and text[digits:digits + 1] == ".":
            count = digits + 1
    if count and count < len(chars):
        gap = chars[count]["x0"] - chars[count - 1]["x1"]
        return count if gap > 0.2 * chars[count]["size"] else 0
    return 0


def read_lines(path: Path, geo: Geometry) -> tuple[list[list[Line]], list, dict]:
    """Per page, the lines of the type area (column by column; footnotes as column -1); the pages
    themselves (for heads and rules) and the pdfplumber metadata."""
    import pdfplumber

    pages: list[list[Line]] = []
    raw = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            chars = [c for c in page.chars if c["text"].strip() and c.get("upright", True)]
            inside = [c for c in chars if geo.top - 3 <= c["top"] and c["bottom"] <= geo.bottom + 3]
            lines: list[Line] = []
            for row in _rows(inside, page.height):
                lines.extend(_split_columns(row, number, page.height, geo))
            pages.append(sorted(lines, key=lambda line: (line.column, line.baseline)))
            raw.append({"height": page.height, "width": page.width,
                        "heads": [c for c in chars if c["bottom"] < geo.top - 1],
                        "rects": [(r["x0"], r["top"], r["width"], r["height"]) for r in page.rects]})
        meta = dict(pdf.metadata)
    _mark_paragraph_ends(pages, geo)
    return pages, raw, meta


def _split_columns(row: list[dict], page: int, page_height: float, geo: Geometry) -> list[Line]:
    size = max(c["size"] for c in row if not c.get("raised"))
    baseline = _baseline(next(c for c in row if not c.get("raised")), page_height)
    if size < 0.9 * geo.body_size - 0.5:  # a footnote line spans the type area
        return [Line(page, -1, baseline, size, row, _marker_length(row))]
    parts: dict[int, list[dict]] = {}
    for char in row:
        middle = (char["x0"] + char["x1"]) / 2
        index = min(range(len(geo.columns)), key=lambda i: 0 if geo.columns[i].x0 - 3 <= middle <= geo.columns[i].x1
                    + 3 else min(abs(middle - geo.columns[i].x0), abs(middle - geo.columns[i].x1)))
        parts.setdefault(index, []).append(char)
    lines = []
    for index, chars in sorted(parts.items()):  # (columns on one baseline: each keeps its own size)
        own = max((c["size"] for c in chars if not c.get("raised")), default=size)
        heading = own > geo.body_size + 0.6 or any("Bold" in c["fontname"] for c in chars if not c.get("raised"))
        lines.append(Line(page, index, baseline, own, chars, _marker_length(chars), heading=heading))
    return lines


def _mark_paragraph_ends(pages: list[list[Line]], geo: Geometry) -> None:
    """A line is its paragraph's last when the next line of its column does not continue it: a
    wider gap, an indent, a list marker, a heading; across a page only a flush line continues."""
    columns = {line.column for page in pages for line in page}
    for column in columns:
        flow = [line for page in pages for line in page if line.column == column and not line.heading]
        pitch = _modal_pitch(flow)
        edge = geo.columns[column].x1 if column >= 0 else geo.columns[-1].x1
        for line, after in zip(flow, flow[1:] + [None]):
            if after is None:
                line.last = True
            elif after.page == line.page:
                line.last = (after.baseline - line.baseline > 1.2 * pitch.get(round(line.size), geo.pitch)
                             or after.marker > 0 or after.x0 > line.x0 + 0.5 * line.size
                             or _between_heading(pages[line.page - 1], column, line, after))
            else:
                line.last = not is_flush(line, edge) or after.marker > 0 or after.x0 > line.x0 + 0.5 * line.size


def _between_heading(page: list[Line], column: int, line: Line, after: Line) -> bool:
    return any(h.heading and h.column == column and line.baseline < h.baseline < after.baseline for h in page)


def _modal_pitch(flow: list[Line]) -> dict[int, float]:
    steps: dict[int, list[float]] = {}
    for line, after in zip(flow, flow[1:]):
        if after.page == line.page and round(after.size) == round(line.size):
            steps.setdefault(round(line.size), []).append(round(after.baseline - line.baseline, 1))
    return {size: statistics.mode(values) for size, values in steps.items() if values}


# --- per-line measures ------------------------------------------------------------------------

def line_end(line: Line, edge: float) -> float:
    """Where the line's advance ends. A line-end mark set half width (Diglot: halt; ctex: a kern)
    still reports its full-width box, which then overhangs the edge: its advance ends half an em early."""
    last = line.chars[-1]
    if last["text"] in CLOSING + STOPS and last["x1"] > edge + FLUSH and last["x1"] - last["x0"] > 0.75 * last["size"]:
        return last["x0"] + 0.5 * last["size"]
    return last["x1"]


def is_flush(line: Line, edge: float) -> bool:
    """The line's advance ends on the edge; or its last mark is set half width or hangs its blank
    (its full-width box straddles the edge) with its ink at most half an em inside."""
    last = line.chars[-1]
    if abs(edge - last["x1"]) <= FLUSH or abs(edge - line_end(line, edge)) <= FLUSH:
        return True
    gap = end_ink_gap(line, edge)
    return gap is not None and last["x0"] < edge < last["x1"] - FLUSH and -FLUSH <= gap <= 0.5 * last["size"]


def letter_spacing(line: Line) -> float | None:
    """Median space between adjacent Han characters of a Chinese line, in em."""
    gaps = [(b["x0"] - a["x1"]) / a["size"] for a, b in zip(line.body, line.body[1:])
            if is_cjk_letter(a["text"]) and is_cjk_letter(b["text"]) and abs(a["size"] - b["size"]) < 0.1]
    return statistics.median(gaps) if gaps else None


def word_spaces(line: Line) -> list[float]:
    """Spaces between the words of an English line, in em of the line's size."""
    chars = line.body  # a raised note call takes its place in the line: the space follows it
    return [(b["x0"] - a["x1"]) / line.size for a, b in zip(chars, chars[1:])
            if (b["x0"] - a["x1"]) > 0.12 * line.size and not (is_cjk(a["text"]) or is_cjk(b["text"]))]


def hyphenated(line: Line) -> bool:
    chars = [c["text"] for c in line.chars if not c.get("raised")]
    return len(chars) > 1 and chars[-1] in "-\u2010\u00ad" and chars[-2].isalpha()


@lru_cache(maxsize=None)
def _face(fontname: str):
    """The system font file behind a PDF font name (ABCDEF+Noto-Serif-CJK-SC), for ink extents."""
    from fontTools.ttLib import TTFont

    name = fontname.split("+", 1)[-1]
    bold = "Bold" in name
    family = name.replace("-Bold", "").replace("-Regular", "")
    for query in (family.replace("-", " "), family):
        result = subprocess.run(["fc-match", "-f", "%{file}\t%{index}\t%{family}",
                                 f"{query}:{'bold' if bold else 'regular'}"], capture_output=True, text=True)
        file, index, families = (result.stdout.split("\t") + ["", "", ""])[:3]
        squeeze = families.replace(" ", "").lower()
        if file and family.replace("-", "").lower().replace("regular", "") in squeeze.replace(",", ""):
            return TTFont(file, fontNumber=int(index or 0), lazy=True)
        if file and "cjk" in family.lower() and "cjk" in squeeze:
            return TTFont(file, fontNumber=int(index or 0), lazy=True)
    return None


@lru_cache(maxsize=None)
def _ink(fontname: str, char: str) -> tuple[float, float] | None:
    from fontTools.pens.boundsPen import BoundsPen

    font = _face(fontname)
    if font is None:
        return None
    glyph = font.getBestCmap().get(ord(char))
    if glyph is None:
        return None
    glyphs = font.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[glyph].draw(pen)
    if pen.bounds is None:
        return None
    upem = font["head"].unitsPerEm
    return pen.bounds[0] / upem, pen.bounds[2] / upem


def end_ink_gap(line: Line, edge: float) -> float | None:
    """How far inside the column's edge the ink of a line-end mark (，。、 and closing marks) stops, in pt."""
    last = line.chars[-1]
    if last["text"] not in CLOSING + STOPS:
        return None
    ink = _ink(last["fontname"], last["text"])
    return None if ink is None else edge - (last["x0"] + ink[1] * last["size"])


# --- figures --------------------------------------------------------------------------------------

@dataclass
class Figures:
    """What one PDF shows; see the module docstring."""

    name: str
    pages: int = 0
    bytes: int = 0
    kinsoku: int = 0
    calls_at_line_start: int = 0
    flush: str = ""
    zh_lines: int = 0
    zh_spaced: int = 0
    zh_spacing_max: float = 0.0
    zh_end_marks: int = 0
    zh_end_ink_max: float = 0.0  # pt inside the edge, of flush lines ending in a mark
    en_lines: int = 0
    en_space_max: float = 0.0
    en_space_p95: float = 0.0
    en_loose: int = 0
    hyphenated: int = 0
    hyphen_run: int = 0
    heads_wrapped: int = 0
    heads_truncated: int = 0
    foot_empty_max: float = 0.0
    foot_unexcused_max: float = 0.0  # pages whose next block could have come up (no heading next)
    foot_empty_pages: list = field(default_factory=list)
    toc_leader_gap: str = ""
    baseline_offset_max: float | None = None
    examples: dict = field(default_factory=dict)

    @property
    def bytes_per_page(self) -> int:
        return round(self.bytes / self.pages) if self.pages else 0


def measure(path: Path, geo: Geometry, name: str = "") -> Figures:
    pages, raw, _meta = read_lines(path, geo)
    figures = Figures(name or path.name, len(pages), path.stat().st_size)
    body = [line for page in pages[1:] for line in page]
    _kinsoku(figures, body)
    _lines(figures, [line for line in body if line.page > geo.front], geo)
    _heads(figures, raw[1:], geo)
    _feet(figures, pages, raw, geo)
    _leaders(figures, pages, geo)
    if len(geo.columns) == 2:
        _baselines(figures, pages[geo.front:])
    return figures


def _kinsoku(figures: Figures, lines: list[Line]) -> None:
    bad, calls = [], []
    for line in lines:
        body = line.body
        if not body:
            continue
        if body[0].get("raised") and line.column >= 0:  # (a note's own number may be raised)
            calls.append(f"p{line.page}: {line.text[:12]}")
        first = next((c for c in body if not c.get("raised")), None)
        if (first is not None and first["text"] in NO_START) or line.chars[-1]["text"] in NO_END:
            bad.append(f"p{line.page}: {line.text[:12]}…{line.text[-4:]}")
    figures.kinsoku, figures.calls_at_line_start = len(bad), len(calls)
    figures.examples.update(kinsoku=bad[:5], calls=calls[:5])


def _lines(figures: Figures, lines: list[Line], geo: Geometry) -> None:
    flush = candidates = 0
    spacings, ink_gaps, spaces, loose, spaced = [], [], [], [], []
    run = longest = hyphens = 0
    for line in lines:
        if line.heading or line.column < 0:
            continue
        edge = geo.columns[line.column].x1
        if not line.last:
            candidates += 1
            flush += is_flush(line, edge)
        if line.chinese:
            figures.zh_lines += 1
            spacing = letter_spacing(line)
            if spacing is not None:
                spacings.append(spacing)
                if spacing > SPACED:
                    spaced.append(f"p{line.page}: {spacing:.3f} em {line.text[:10]}")
            gap = end_ink_gap(line, edge) if is_flush(line, edge) and not line.last else None
            if gap is not None:
                ink_gaps.append(gap)
        else:
            figures.en_lines += 1
            if not line.last:
                gaps = word_spaces(line)
                spaces.extend(gaps)
                if gaps and max(gaps) > LOOSE:
                    loose.append(f"p{line.page}: {max(gaps):.2f} em {line.text[:24]}")
            if hyphenated(line):
                hyphens += 1
                run += 1
                longest = max(longest, run)
            else:
                run = 0
            if line.last:
                run = 0
    figures.flush = f"{flush}/{candidates}"
    figures.zh_spaced = len(spaced)
    figures.zh_spacing_max = round(max(spacings, default=0.0), 3)
    figures.zh_end_marks = len(ink_gaps)
    figures.zh_end_ink_max = round(max(ink_gaps, default=0.0), 1)
    figures.en_space_max = round(max(spaces, default=0.0), 2)
    figures.en_space_p95 = round(_percentile(spaces, 0.95), 2)
    figures.en_loose = len(loose)
    figures.hyphenated, figures.hyphen_run = hyphens, longest
    figures.examples.update(spaced=spaced[:6], loose=loose[:6])


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _heads(figures: Figures, pages: list[dict], geo: Geometry) -> None:
    """A running head wraps when one side of the head has more than one line, or a hyphen."""
    middle = (geo.columns[0].x0 + geo.columns[-1].x1) / 2 if len(geo.columns) == 1 else geo.columns[1].x0 - 3
    wrapped, truncated = [], 0
    for number, page in enumerate(pages, start=2):
        heads = page["heads"]
        for side in (True, False):
            chars = [c for c in heads if ((c["x0"] + c["x1"]) / 2 < middle) == side]
            rows = _rows(chars, page["height"])
            text = " / ".join("".join(c["text"] for c in row) for row in rows)
            if len(rows) > 1 or (rows and rows[-1][-1]["text"] in "-\u2010"):
                wrapped.append(f"p{number}: {text}")
            truncated += "…" in text
    figures.heads_wrapped, figures.heads_truncated = len(wrapped), truncated
    figures.examples["heads"] = wrapped[:4]


def _feet(figures: Figures, pages: list[list[Line]], raw: list[dict], geo: Geometry) -> None:
    """Empty lines between a body page's last line and the foot (or its footnotes' rule)."""
    result = []
    for number in range(geo.front + 1, len(pages)):  # not the last page
        lines = [line for line in pages[number - 1] if line.column >= 0]
        if not lines:
            continue
        last = max(lines, key=lambda line: line.baseline)
        limit = geo.bottom
        notes = [line for line in pages[number - 1] if line.column < 0]
        if notes:
            rules = [top for x0, top, width, height in raw[number - 1]["rects"]
                     if width > 0.25 * geo.width and height < 25 and last.baseline < top < notes[0].baseline]
            top = min(rules) if rules else notes[0].baseline - notes[0].size
            limit = top - FOOTNOTE_GAP
        below = (geo.pitch - last.size) / 2 + 0.2 * last.size
        empty = round(max((limit - last.baseline - below) / geo.pitch, 0.0), 1)
        result.append((number, empty, _heading_next(pages, number, empty)))
    figures.foot_empty_max = max((empty for _, empty, _ in result), default=0.0)
    figures.foot_unexcused_max = max((empty for _, empty, excused in result if not excused), default=0.0)
    figures.foot_empty_pages = [f"p{n}: {e}{' (a heading follows)' if x else ''}" for n, e, x in result if e > 2]


def _heading_next(pages: list[list[Line]], number: int, empty: float) -> bool:
    """The next page starts with a heading, which with its first two lines needed more room than
    the foot had: the foot may stay empty (a heading is never left at a page's foot)."""
    following = [line for line in pages[number] if line.column >= 0] if number < len(pages) else []
    first = min(following, key=lambda line: line.baseline, default=None)
    return first is not None and first.heading and empty < HEADING_AND_TWO_LINES


#: Lines a heading and the first two lines after it take (its margins included), about.
HEADING_AND_TWO_LINES = 4.5


def _leaders(figures: Figures, pages: list[list[Line]], geo: Geometry) -> None:
    """Clear space between a contents entry and its dotted leader, and between the leader and the number."""
    if len(pages) < 2:
        return
    before, after = [], []
    for line in pages[1]:
        texts = [c["text"] for c in line.chars]
        dots = [i for i, t in enumerate(texts) if t in ".·…"]
        if len(dots) < 4 or not texts[-1].isdigit():
            continue
        first, last = dots[0], dots[-1]
        if first > 0:
            before.append(line.chars[first]["x0"] - line.chars[first - 1]["x1"])
        number = next(i for i in range(last + 1, len(texts)) if texts[i].isdigit())
        after.append(line.chars[number]["x0"] - line.chars[last]["x1"])
    if before and after:
        figures.toc_leader_gap = f"{min(before):.1f}/{min(after):.1f} pt"


def _baselines(figures: Figures, pages: list[list[Line]]) -> None:
    """Largest distance between the first lines of a pair's two columns (paragraph starts side by side)."""
    offsets = []
    for page in pages:
        firsts = []
        for column in (0, 1):
            flow = [line for line in page if line.column == column and not line.heading]
            firsts.append([b for a, b in zip([None, *flow], flow) if a is None or a.last])
        for line in firsts[0]:
            partner = min(firsts[1], key=lambda other: abs(other.baseline - line.baseline), default=None)
            if partner is not None and abs(partner.baseline - line.baseline) < 4:
                offsets.append(abs(partner.baseline - line.baseline))
    figures.baseline_offset_max = round(max(offsets, default=0.0), 2)


# --- builds ----------------------------------------------------------------------------------------

def build(paper: str, work: Path) -> Path:
    """output/ of a copy of the project built for ``paper`` (PDFs only)."""
    project = work / f"project-{paper}"
    project.mkdir(parents=True)
    for part in ("source", "templates", "translations"):
        shutil.copytree(REPO / part, project / part)
    shutil.copy2(REPO / "pyproject.toml", project / "pyproject.toml")
    subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(project), "-q", "build", "--format", "pdf",
                    "--paper", paper, "--force"], check=True)
    return project / "output"


def pdf_path(output: Path, kind: str) -> Path:
    if kind.endswith("-en"):
        return output / "bilingual" / f"{SLUG}.{kind}.pdf"
    return output / kind / f"{SLUG}.pdf"


COLUMNS = [
    ("pages", "pages"), ("KB/page", "kb_page"), ("kinsoku", "kinsoku"), ("calls@start", "calls_at_line_start"),
    ("flush", "flush"), ("zh>0.03", "zh_spaced"), ("zh max", "zh_spacing_max"), ("end ink", "zh_end_ink_max"),
    ("en max", "en_space_max"), ("en p95", "en_space_p95"), ("loose", "en_loose"), ("hyph", "hyph_share"),
    ("run", "hyphen_run"), ("heads", "heads_wrapped"), ("foot", "foot_empty_max"), ("foot*", "foot_unexcused_max"), ("leaders", "toc_leader_gap"),
    ("baselines", "baseline_offset_max"),
]


def table(rows: list[Figures]) -> str:
    header = ["PDF"] + [label for label, _ in COLUMNS]
    body = []
    for fig in rows:
        values = asdict(fig) | {"kb_page": f"{fig.bytes_per_page / 1024:.1f}",
                                "hyph_share": f"{fig.hyphenated}/{fig.en_lines}" if fig.en_lines else "0"}
        body.append([fig.name] + ["" if values[key] is None else str(values[key]) for _, key in COLUMNS])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)) for r in [header, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paper", nargs="+", default=["A4", "A5"])
    parser.add_argument("--measure", type=Path, help="measure the PDFs of this output/ folder (one paper)")
    parser.add_argument("--ctex", action="store_true", help="also set the reference with ctex/XeLaTeX")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS))
    parser.add_argument("--json", type=Path, help="write every figure, with examples, to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print examples of each finding")
    args = parser.parse_args(argv)
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="diglot-typography-") as tmp:
        work = Path(tmp)
        for paper in args.paper:
            output = args.measure or build(paper, work)
            for kind in args.kinds:
                results.append(measure(pdf_path(output, kind), geometry(kind, paper), f"{paper} {kind}"))
            if args.ctex:
                from ctex import reference_pdfs

                for kind, path in reference_pdfs(paper, work / f"tex-{paper}", args.kinds).items():
                    results.append(measure(path, geometry(kind, paper), f"{paper} {kind} ctex"))
    print(table(results))
    if args.verbose:
        for fig in results:
            found = {key: value for key, value in fig.examples.items() if value}
            if found or fig.foot_empty_pages:
                print(f"\n{fig.name}: feet {fig.foot_empty_pages}")
                for key, value in found.items():
                    print(f"  {key}: {value}")
    if args.json:
        args.json.write_text(json.dumps([asdict(f) | {"bytes_per_page": f.bytes_per_page} for f in results],
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
