"""The e-book cover: templates/epub/cover.svg.j2 laid out line by line, then drawn as a 1600×2560 PNG.

Every line is shaped with HarfBuzz in the very font files resvg then draws it with, so no line overflows.
"""

from __future__ import annotations

import subprocess
import unicodedata
from io import BytesIO
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment

from .errors import DiglotError
from .render import render_template

WIDTH, HEIGHT, MARGIN, TOP = 1600, 2560, 160, 520
#: The band at the foot that holds the publisher and the language(s).
BAND = 360
#: The date's baseline, above the band; the title stays clear of it.
DATE_Y = HEIGHT - 460
MAX_LINES = 6
#: A cover shows at most this many characters of a line's text (longer titles end with "…").
MAX_CHARS = 240
TITLE_SIZES = tuple(range(140, 47, -6))
GAP = 64  # between the publisher and the language when they share a line

# Kinsoku (clreq): characters that may not begin a line, and those that may not end one.
NO_LINE_START = set("，。、；：？！）」』》〉】〕”’…—·%,.;:?!)]}")
NO_LINE_END = set("（「『《〈【〔“‘([{")


# --- faces ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoverFace:
    """One face the cover draws with: the family name resvg matches, and its file."""

    family: str
    path: str
    index: int


def cover_faces(lang: str, bold: bool = False, also=()) -> tuple[CoverFace, ...]:
    """The serif faces for ``lang``'s cover text: its own first, then those of ``also`` (other
    languages the text holds: a title left in the source language, the other half of a bilingual
    edition) and of the default languages, for characters it lacks."""
    from .fonts import face
    from .languages import DEFAULT_LANGUAGES

    chain = dict.fromkeys(face(code, "serif") for code in (lang, *also, *DEFAULT_LANGUAGES))
    return tuple(dict.fromkeys(_face(f.family, f.package, bold) for f in chain))


@lru_cache(maxsize=None)
def _face(family: str, package: str, bold: bool) -> CoverFace:
    pattern = f"{family}:bold" if bold else family
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\t%{index}\t%{family[0]}", pattern], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        raise DiglotError("fontconfig's fc-match is not installed (Debian package: fontconfig)") from None
    path, index, found = out.split("\t")
    if found != family:
        raise DiglotError(f"font '{pattern}' not found by fontconfig (it offers '{found}' instead); the cover "
                          f"needs it: apt-get install {package}")
    return CoverFace(family, path, int(index or 0))


# --- measuring with HarfBuzz ----------------------------------------------------------------

@lru_cache(maxsize=None)
def _hb_font(path: str, index: int):
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(path), index)
    return hb.Font(face), face.upem


def _has(face: CoverFace, char: str) -> bool:
    return _hb_font(face.path, face.index)[0].get_nominal_glyph(ord(char)) is not None


def runs(text: str, faces: tuple[CoverFace, ...]) -> list[tuple[str, CoverFace]]:
    """``text`` cut where the face changes: each character in the first face that has it
    (spaces and marks stay with the run they are in)."""
    pieces: list[tuple[str, CoverFace]] = []
    for char in text:
        face = pieces[-1][1] if pieces and (char.isspace() or unicodedata.combining(char)) else next(
            (f for f in faces if _has(f, char)), faces[0])
        if pieces and pieces[-1][1] == face:
            pieces[-1] = (pieces[-1][0] + char, face)
        else:
            pieces.append((char, face))
    return pieces


def measure(text: str, faces: tuple[CoverFace, ...], vertical: bool = False) -> float:
    """The advance of ``text`` in ems, run by run as resvg sets it: in a vertical line, wide
    (CJK) characters upright with their vertical advance, the rest turned on their side."""
    return sum(_advance(piece, face, vertical) for piece, face in runs(text, faces))


@lru_cache(maxsize=4096)
def _advance(text: str, face: CoverFace, vertical: bool) -> float:
    if not vertical:
        return _shaped(text, face, "ltr")
    total, start = 0.0, 0
    for end in range(1, len(text) + 1):
        if end == len(text) or _wide(text[end]) != _wide(text[start]):
            total += _shaped(text[start:end], face, "ttb" if _wide(text[start]) else "ltr")
            start = end
    return total


def _shaped(text: str, face: CoverFace, direction: str) -> float:
    import uharfbuzz as hb

    font, upem = _hb_font(face.path, face.index)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    if direction == "ttb":
        buf.direction = "ttb"
        hb.shape(font, buf, {})
        return -sum(p.y_advance for p in buf.glyph_positions) / upem
    hb.shape(font, buf, {})
    return sum(p.x_advance for p in buf.glyph_positions) / upem


# --- breaking lines -------------------------------------------------------------------------

def _wide(char: str) -> bool:
    # CJK characters, and the dashes and ellipses Chinese text sets full width.
    return unicodedata.east_asian_width(char) in ("W", "F") or char in "—…"


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: Latin words (with their trailing space) and single CJK characters,
    with kinsoku characters glued to their neighbour."""
    pieces: list[str] = []
    word = ""
    for char in text:
        if _wide(char) or char == " ":
            if word:
                pieces.append(word)
                word = ""
            if char == " " and pieces:
                pieces[-1] += char
            elif char != " ":
                pieces.append(char)
        else:
            word += char
    if word:
        pieces.append(word)
    return _glue(pieces)


def _glue(pieces: list[str]) -> list[str]:
    glued: list[str] = []
    carry = ""
    for piece in pieces:
        if piece[0] in NO_LINE_START and glued:
            glued[-1] += carry + piece
            carry = ""
        elif piece.rstrip()[-1:] in NO_LINE_END:
            carry += piece
        else:
            glued.append(carry + piece)
            carry = ""
    if carry:
        glued.append(carry)
    return glued


def _inside_words(before: str, after: str) -> bool:
    """A break between two Han characters, with no punctuation or space to mark a phrase end."""
    last, first = before[-1], after[0]
    return _wide(last) and _wide(first) and unicodedata.category(last).startswith("L") \
        and unicodedata.category(first).startswith("L")


def wrap(text: str, max_em: float, faces: tuple[CoverFace, ...] | None = None,
         vertical: bool = False) -> list[str]:
    """Break ``text`` into lines of at most ``max_em`` (measured in ``faces``): see ``wrap_scored``."""
    from .languages import UI_SOURCE

    return wrap_scored(text, max_em, faces or cover_faces(UI_SOURCE), vertical)[0]


def wrap_scored(text: str, max_em: float, faces: tuple[CoverFace, ...], vertical: bool = False
                ) -> tuple[list[str], int]:
    """Lines for ``text`` (dynamic programming over break points) and how many of them break
    inside a run of Han characters, which the layout avoids first; then ragged, then many lines.
    A token wider than ``max_em`` gets a line of its own (the caller then tries a smaller size)."""
    tokens = _tokens(text)
    n = len(tokens)
    ink = [measure(t.rstrip(), faces, vertical) for t in tokens]
    space = [measure(t, faces, vertical) - w if t != t.rstrip() else 0.0 for t, w in zip(tokens, ink)]
    best: list[tuple[float, int, int]] = [(0.0, 0, -1)] + [(float("inf"), 0, -1)] * n  # cost, bad, previous
    for end in range(1, n + 1):
        width = -space[end - 1]
        for start in range(end - 1, -1, -1):
            width += ink[start] + space[start]
            if width > max_em and end - start > 1:
                break
            bad = int(end < n and _inside_words(tokens[end - 1], tokens[end]))
            slack = 0.0 if end == n else ((max_em - width) / max_em) ** 2
            cost = best[start][0] + bad * 1000 + slack + 0.3 + (1000 if width > max_em else 0)
            if cost < best[end][0]:
                best[end] = (cost, best[start][1] + bad, start)
    lines, end = [], n
    while end > 0:
        start = best[end][2]
        lines.append("".join(tokens[start:end]).strip())
        end = start
    return lines[::-1], best[n][1]


# --- fitting blocks of text -----------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """Text set in lines at one size: ``widths`` in px along the line, ``bad`` breaks inside words."""

    size: int
    lines: tuple[str, ...]
    widths: tuple[float, ...]
    bad: int
    leading: float  # line pitch in px

    @property
    def width(self) -> float:
        return max(self.widths, default=0.0)

    @property
    def depth(self) -> float:
        """How far the lines reach across (down the page, or leftwards for columns)."""
        return len(self.lines) * self.leading


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"


def _set(text: str, faces, measure_px: float, size: int, leading: float, vertical: bool) -> Block:
    lines, bad = wrap_scored(text, measure_px / size, faces, vertical)
    # The widths of the lines as set, shaped whole: what the check against the measure uses.
    widths = tuple(measure(line, faces, vertical) * size for line in lines)
    return Block(size, tuple(lines), widths, bad, size * leading)


def fit(text: str, faces: tuple[CoverFace, ...], measure_px: float, depth_px: float, sizes: tuple[int, ...],
        leading: float, max_lines: int, vertical: bool = False) -> Block:
    """The largest size of ``sizes`` whose lines are no longer than ``measure_px`` and reach no
    further than ``depth_px`` in at most ``max_lines`` lines, or one down to 70 % of it that breaks
    fewer words; when none fits, smaller sizes still, until the text fits however long it is."""
    text = _clip(text)
    fits = []
    for size in sizes:
        block = _set(text, faces, measure_px, size, leading, vertical)
        if block.width <= measure_px and block.depth <= depth_px and len(block.lines) <= max_lines:
            fits.append(block)
    if fits:
        largest = fits[0].size
        return min((b for b in fits if b.size >= 0.7 * largest), key=lambda b: (b.bad, -b.size))
    size = sizes[-1]
    while size > 4:
        size = int(size * 0.9)
        block = _set(text, faces, measure_px, size, leading, vertical)
        if block.width <= measure_px and block.depth <= depth_px:
            return block
    raise DiglotError(f"cover text too long to set: {text[:40]}…")


# --- the cover ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One <text> element of the cover: where it starts, its size and its runs of one face each."""

    role: str  # title | date | publisher | language: its colour and weight in the template
    x: float
    y: float
    size: int
    runs: tuple[tuple[str, str], ...]  # (text, font family)
    anchor: str = "start"
    vertical: bool = False


def _lines(block: Block, faces, role: str, x: float, y: float, *, anchor: str = "start",
           step: tuple[float, float] = (0.0, 1.0), vertical: bool = False) -> list[Line]:
    """The block's lines from (x, y), each ``step`` × leading from the last."""
    return [Line(role, round(x + i * step[0] * block.leading, 1), round(y + i * step[1] * block.leading, 1),
                 block.size, tuple((text, face.family) for text, face in runs(line, faces)), anchor, vertical)
            for i, line in enumerate(block.lines)]


def _band(publisher: str, language: str, faces) -> list[Line]:
    """Publisher left and language right on one line when both fit, else one under the other."""
    width = WIDTH - 2 * MARGIN
    lang = fit(language, faces, width, BAND / 3, tuple(range(56, 23, -4)), 1.3, 1)
    room = BAND - 60 - lang.depth  # for the publisher's lines above the language's, when stacked
    pub = fit(publisher, faces, width, room, tuple(range(64, 27, -4)), 1.3, 3) if publisher else None
    baseline = HEIGHT - 200
    if pub is None:
        return _lines(lang, faces, "language", WIDTH - MARGIN, baseline, anchor="end")
    if len(pub.lines) == 1 and pub.width + GAP + lang.width <= width:
        return (_lines(pub, faces, "publisher", MARGIN, baseline)
                + _lines(lang, faces, "language", WIDTH - MARGIN, baseline, anchor="end"))
    top = HEIGHT - BAND + (BAND - pub.depth - lang.depth) / 2  # rows centred in the band
    first = top + pub.leading * 0.8
    return (_lines(pub, faces, "publisher", MARGIN, first)
            + _lines(lang, faces, "language", MARGIN, first + pub.depth - pub.leading + lang.leading))


def cover_lines(title: str, lang: str, publisher: str, language: str, date: str,
                vertical: bool = False, also=()) -> tuple[list[Line], tuple[float, float, float, float]]:
    """Every line of the cover, and the accent rule (x, y, width, height) that marks the title;
    ``also``: the other languages the text may hold (see ``cover_faces``)."""
    bold, regular = cover_faces(lang, True, also), cover_faces(lang, False, also)
    lines: list[Line] = []
    if vertical:
        extent = DATE_Y - 100 - TOP  # columns run from TOP down to above the date
        block = fit(title, bold, extent, WIDTH - 2 * MARGIN - 60, TITLE_SIZES, 1.5, MAX_LINES, vertical=True)
        right = WIDTH - MARGIN - 60 - block.size / 2
        lines += _lines(block, bold, "title", right, TOP, step=(-1.0, 0.0), vertical=True)
        rule = (WIDTH - MARGIN - 10, TOP, 10, round(block.width))
    else:
        block = fit(title, bold, WIDTH - 2 * MARGIN, DATE_Y - 64 - 80 - TOP, TITLE_SIZES, 1.35, MAX_LINES)
        lines += _lines(block, bold, "title", MARGIN, TOP + block.size)
        rule = (MARGIN, TOP - 120, round(block.width), 10)
    if date:
        when = fit(date, regular, WIDTH - 2 * MARGIN, 100, tuple(range(64, 27, -4)), 1.3, 1)
        lines += _lines(when, regular, "date", MARGIN, DATE_Y)
    return lines + _band(publisher, language, regular), rule


def cover_svg(env: Environment, templates: Path, *, title: str, lang: str, publisher: str, language: str,
              date: str, alt: str, vertical: bool = False, also=()) -> str:
    """The cover of one edition as SVG text, every line in a face named by family."""
    lines, rule = cover_lines(title, lang, publisher, language, date, vertical, also)
    return render_template(env, "epub/cover.svg.j2", templates, width=WIDTH, height=HEIGHT, band=BAND, lang=lang,
                           lines=lines, rule=rule, alt=alt)


def cover_png(svg: str, lang: str, also=()) -> bytes:
    """The SVG drawn by resvg with only the cover's own font files loaded: no system font can
    stand in for one that was measured, and the same inputs give the same bytes."""
    import resvg_py
    from PIL import Image

    files = sorted({face.path for bold in (False, True) for face in cover_faces(lang, bold, also)})
    try:
        drawn = bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True, font_files=files))
    except ValueError as exc:
        raise DiglotError(f"the cover could not be drawn: {exc}") from None
    # resvg writes RGBA; stores ask for an opaque RGB image. Pillow's PNG carries no date or other
    # varying chunk, so the bytes depend only on the pixels.
    out = BytesIO()
    Image.open(BytesIO(drawn)).convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


def cover_image(env: Environment, templates: Path, **fields) -> bytes:
    """The PNG cover of one edition (the fields of ``cover_svg``)."""
    return cover_png(cover_svg(env, templates, **fields), fields["lang"], fields.get("also", ()))
