"""The e-book cover: an SVG from templates/epub/cover.svg.j2 with title, publisher and language.

Text stays text (language-tagged, CJK-capable fonts): small, sharp at any size, readable aloud.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from jinja2 import Environment

from .render import render_template

WIDTH, HEIGHT, MARGIN, TOP = 1600, 2560, 160, 520
MAX_LINES = 6


# Kinsoku (clreq): characters that may not begin a line, and those that may not end one.
NO_LINE_START = set("，。、；：？！）」』》〉】〕”’…—·%,.;:?!)]}")
NO_LINE_END = set("（「『《〈【〔“‘([{")


def font_family(lang: str, also=()) -> str:
    """An SVG font-family value: the language's serif face (then those of ``also``), generic last."""
    from .fonts import css_stack

    return css_stack(lang, "serif", also).replace('"', "'")


def char_width(char: str) -> float:
    """Advance of one character in ems: full for wide (CJK) characters, about half for Latin."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char in "—…":  # in Chinese text these are set full width
        return 1.0
    if char == " ":
        return 0.28
    return 0.62 if char.isupper() or char.isdigit() else 0.5


def text_width(text: str) -> float:
    return sum(char_width(c) for c in text)


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: Latin words (with their trailing space) and single CJK characters,
    with kinsoku characters glued to their neighbour."""
    pieces: list[str] = []
    word = ""
    for char in text:
        if char_width(char) == 1.0 or char == " ":
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


def wrap(text: str, max_em: float) -> list[str]:
    """Break ``text`` into lines no wider than ``max_em``: see ``wrap_scored``."""
    return wrap_scored(text, max_em)[0]


def wrap_scored(text: str, max_em: float) -> tuple[list[str], int]:
    """Lines for ``text`` (dynamic programming over break points) and how many of them break
    inside a run of Han characters, which the layout avoids first; then ragged, then many lines."""
    tokens = _tokens(text)
    n = len(tokens)
    best: list[tuple[float, int, int]] = [(0.0, 0, -1)] + [(float("inf"), 0, -1)] * n  # cost, bad, previous
    for end in range(1, n + 1):
        for start in range(end - 1, -1, -1):
            width = text_width("".join(tokens[start:end]).rstrip())
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


def _inside_words(before: str, after: str) -> bool:
    """A break between two Han characters, with no punctuation or space to mark a phrase end."""
    last, first = before[-1], after[0]
    return char_width(last) == 1.0 and char_width(first) == 1.0 and unicodedata.category(last).startswith("L") \
        and unicodedata.category(first).startswith("L")


def fit_title(title: str, extent: int, vertical: bool) -> tuple[int, list[str]]:
    """The font size (px) and lines of the title: the largest size that fits ``MAX_LINES`` lines of
    ``extent`` px, or a size down to 70 % of it that breaks fewer words."""
    fits = []
    for size in range(140, 47, -6):
        lines, bad = wrap_scored(title, extent / size)
        leading = size * (1.5 if vertical else 1.35)
        if len(lines) <= MAX_LINES and len(lines) * leading <= (WIDTH - 2 * MARGIN if vertical else 1500):
            fits.append((size, lines, bad))
    if not fits:
        return 48, wrap(title, extent / 48)
    largest = fits[0][0]
    size, lines, _bad = min((f for f in fits if f[0] >= 0.7 * largest), key=lambda f: (f[2], -f[0]))
    return size, lines


def cover_svg(env: Environment, templates: Path, *, title: str, lang: str, publisher: str, language: str,
              date: str, alt: str, vertical: bool = False) -> str:
    """The cover of one edition as SVG text."""
    extent = (HEIGHT - TOP - 560) if vertical else (WIDTH - 2 * MARGIN)
    size, lines = fit_title(title, extent, vertical)
    leading = int(size * (1.5 if vertical else 1.35))
    title_extent = int(max(text_width(line) for line in lines) * size) if lines else 0
    return render_template(
        env, "epub/cover.svg.j2", templates, width=WIDTH, height=HEIGHT, margin=MARGIN, top=TOP, lang=lang,
        title_lines=lines, title_size=size, title_leading=leading, title_extent=min(title_extent, extent),
        font_family=font_family(lang), publisher=publisher, language=language, date=date, alt=alt,
        vertical=vertical,
    )
