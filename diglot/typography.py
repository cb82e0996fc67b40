"""Print typography for Chinese and English: the type area (版心) and clreq markup.

Han–Latin spacing, punctuation squeezing and footnote calls glued to their word are spans
that book.css styles: no character is ever inserted into the text. Line adjustment (compressing
marks, the paragraph-tail rule) happens while WeasyPrint breaks the lines (diglot.pdf).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

# --- character classes (clreq §3.1, §3.2) -----------------------------------------

_CJK_LETTERS = (
    (0x3005, 0x3007), (0x3021, 0x3029), (0x3038, 0x303B), (0x3040, 0x30FF), (0x3100, 0x312F),
    (0x31A0, 0x31BF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF), (0x20000, 0x3FFFF),
)
_CJK_PUNCTUATION = ((0x3000, 0x303F), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))

#: Full-width marks whose glyph sits on the right half (blank on the left).
OPENING = "（「『《〈【〔〖〘｛［“‘"
#: Full-width marks whose glyph sits on the left half (blank on the right).
CLOSING = "）」』》〉】〕〗〙｝］”’"
#: Stops: left-aligned in mainland (SC) faces, centred in Taiwan (TC) faces.
STOPS = "，。、；：！？"
#: Characters that may not start a line (clreq §3.1.7); tests check them.
NO_LINE_START = "，。、；：？！）」』》"


#: Line adjustment (clreq §3.8, w3c/clreq#255): when a line is too long, full-width marks give up
#: their blank half in this order, after the mark at the line's end: brackets and quotes, then
#: pause marks, then stops. (SC stops sit left, TC stops are centred: the font's halt feature
#: knows which half is blank.)
COMPRESSION_ORDER = (OPENING + CLOSING, "，、；：", "。？！")


def compression_rank(char: str) -> int | None:
    """1, 2, 3: how late a mark inside a line is compressed (COMPRESSION_ORDER); None: never."""
    return next((rank for rank, marks in enumerate(COMPRESSION_ORDER, start=1) if char in marks), None)


def _class_of(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges)


#: One character of each class (the line breaker asks of every character of every candidate line).
_CJK_LETTER = re.compile(f"[{_class_of(_CJK_LETTERS)}]")
_CJK_CHARACTER = re.compile(f"[{_class_of(_CJK_LETTERS + _CJK_PUNCTUATION)}]")


def is_cjk_letter(char: str | None) -> bool:
    """Han ideographs, kana, hangul, bopomofo: the side of a Han–Latin gap."""
    # (fullmatch: a ligature or nothing, as PDF text extraction may give, is no letter)
    return char is not None and _CJK_LETTER.fullmatch(char) is not None


def is_cjk(char: str | None) -> bool:
    """A full-width character: a justification opportunity on each side (CSS Text §7.1)."""
    return char is not None and _CJK_CHARACTER.fullmatch(char) is not None


def count_cjk(text: str) -> int:
    """How many characters of ``text`` are full-width (is_cjk)."""
    return len(_CJK_CHARACTER.findall(text))


def count_cjk_letters(text: str) -> int:
    return len(_CJK_LETTER.findall(text))


def is_western(char: str | None) -> bool:
    """A letter or digit of a Western script (Latin, Greek, Cyrillic…)."""
    return char is not None and len(char) == 1 and char.isalnum() and ord(char) < 0x2E80


def centred_stops(lang: str) -> bool:
    """Whether ，。 sit in the middle of the em box: Traditional Chinese faces (the registry says)."""
    return _language(lang).centred_stops


def is_cjk_language(lang: str) -> bool:
    """Set on the character grid with clreq/jlreq rules (Chinese, Japanese; Korean has word spaces)."""
    return _language(lang).cjk


def _language(lang: str):
    from .languages import language

    return language(lang)


_WESTERN = r"0-9A-Za-z\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u0370-\u03FF\u0400-\u04FF"
_INSIDE = _WESTERN + r"\u0300-\u036F .,:;@/\\\-_'’&+#=~?!%*()\[\]"
#: A run of Western text: starts with a letter or digit, ends with one (or %).
WESTERN_RUN = re.compile(rf"[{_WESTERN}](?:[{_INSIDE}]*[{_WESTERN}%])?")


# --- type area (版心) ----------------------------------------------------------------

MM = 72 / 25.4
#: Paper sizes in mm (config.PAPERS).
PAPERS = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "letter": (215.9, 279.4)}


@dataclass(frozen=True)
class BodyStyle:
    font_size: float  # pt
    line_height: float  # unitless
    note_size: float  # pt


@dataclass(frozen=True)
class TypeArea:
    """Page geometry in pt: the type area is a whole number of Chinese characters wide."""

    paper: str
    paper_width: float
    paper_height: float
    grid_size: float  # the Chinese body size the grid is counted in
    chars: int  # characters per line
    lines: int  # lines per page at the Chinese leading
    width: float
    height: float
    top: float
    bottom: float
    inside: float
    outside: float

    @property
    def size_css(self) -> str:
        width_mm, height_mm = PAPERS[self.paper]
        return f"{width_mm:g}mm {height_mm:g}mm"

    @property
    def margin_css(self) -> str:
        """CSS margins of a right-hand (recto) page: the inner margin on the left."""
        # Side margins rounded down: a measure a hair under chars × size would drop a character.
        sides = (math.floor(self.outside * 1000) / 1000, math.floor(self.inside * 1000) / 1000)
        return f"{self.top:.3f}pt {sides[0]:.3f}pt {self.bottom:.3f}pt {sides[1]:.3f}pt"

    @property
    def verso_margin_css(self) -> str:
        """CSS margins of a left-hand (verso) page: the inner margin on the right."""
        sides = (math.floor(self.inside * 1000) / 1000, math.floor(self.outside * 1000) / 1000)
        return f"{self.top:.3f}pt {sides[0]:.3f}pt {self.bottom:.3f}pt {sides[1]:.3f}pt"

    @property
    def gutter(self) -> float:
        """How much wider the inner margin is than the outer one (binding, two-sided printing)."""
        return self.inside - self.outside

    @property
    def right_edge(self) -> float:
        """x of the type area's right edge on a page (no bleed), in PDF points."""
        return self.inside + self.width


#: Chinese body size (五号) and leading; English is set a little larger, leaded less.
CHINESE_BODY = BodyStyle(font_size=10.5, line_height=1.75, note_size=8.5)
ENGLISH_BODY = BodyStyle(font_size=11.0, line_height=1.45, note_size=8.5)
#: Share of the paper the type area takes: about ⅔ of the width, ¾ of the height.
WIDTH_SHARE, HEIGHT_SHARE = 0.68, 0.77
#: Share of the vertical margin above the type area (the rest goes below: 天头 < 地脚).
TOP_SHARE = 0.44


def type_area(paper: str = "A4", gutter: float = 0.0) -> TypeArea:
    """The page geometry for ``paper``; the same for every edition of a book.

    ``gutter`` (pt; none by default) is a binding allowance for two-sided printing: the inner
    margin grows by it at the outer margin's expense, the type area keeping its size, so that
    on every page the text stands that much further from the spine.
    """
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r} (known: {', '.join(PAPERS)})")
    width_mm, height_mm = PAPERS[paper]
    paper_width, paper_height = width_mm * MM, height_mm * MM
    size, pitch = CHINESE_BODY.font_size, CHINESE_BODY.font_size * CHINESE_BODY.line_height
    chars = int(paper_width * WIDTH_SHARE // size)
    lines = int(paper_height * HEIGHT_SHARE // pitch)
    width, height = chars * size, lines * pitch
    side = (paper_width - width) / 2
    if not 0 <= gutter < 2 * side:
        raise ValueError(f"a binding gutter of {gutter:.1f}pt does not fit the margins of {paper}")
    top = (paper_height - height) * TOP_SHARE
    return TypeArea(paper, paper_width, paper_height, size, chars, lines, width, height,
                    top, paper_height - height - top, side + gutter / 2, side - gutter / 2)


#: Below this many characters a line, Latin text is set ragged right with light hyphenation:
#: justified, its word spaces would gape. A Latin character is about LATIN_CHAR em wide.
RAGGED_BELOW, LATIN_CHAR = 45, 0.47


def ragged_measure(width: float, size: float) -> bool:
    """Whether Latin text ``size`` pt large, ``width`` pt wide, is set ragged right."""
    return width / (LATIN_CHAR * size) < RAGGED_BELOW


def body_style(lang: str, area: TypeArea) -> BodyStyle:
    """Body and footnote sizes for ``lang``; Chinese notes also fill whole lines."""
    if not is_cjk_language(lang):
        return ENGLISH_BODY
    note_chars = round(area.width / CHINESE_BODY.note_size)
    return BodyStyle(CHINESE_BODY.font_size, CHINESE_BODY.line_height, area.width / note_chars)


# --- markup: tokens -----------------------------------------------------------------

_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
#: Elements whose text is left exactly as it is.
_VERBATIM = frozenset(("code", "pre", "kbd", "samp", "script", "style", "math", "svg"))


@dataclass
class _Token:
    kind: str  # start | end | void | text | raw
    raw: str = ""
    tag: str = ""
    text: str = ""
    flow: int = 0
    lang: str = ""
    verbatim: bool = False
    classes: frozenset[str] = frozenset()
    end: int = -1  # a start token: the index of its end token


class _Tokenizer(HTMLParser):
    """HTML → tokens; text nodes know their flow (footnotes are their own), language and verbatim-ness."""

    def __init__(self, lang: str):
        super().__init__(convert_charrefs=True)
        self.tokens: list[_Token] = []
        self._stack: list[tuple[str, int, str, bool]] = [("", 0, lang, False)]
        self._starts: list[int] = [-1]  # token index of each open element's start tag
        self._flows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.tokens.append(_Token("void", self.get_starttag_text() or "", tag))
            return
        _, flow, lang, verbatim = self._stack[-1]
        values = dict(attrs)
        if "footnote" in (values.get("class") or "").split():
            self._flows += 1
            flow = self._flows
        lang = values.get("lang") or lang
        self._stack.append((tag, flow, lang, verbatim or tag in _VERBATIM))
        self._starts.append(len(self.tokens))
        self.tokens.append(_Token("start", self.get_starttag_text() or "", tag,
                                  classes=frozenset((values.get("class") or "").split())))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(_Token("void", self.get_starttag_text() or "", tag))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth][0] == tag:
                self.tokens[self._starts[depth]].end = len(self.tokens)
                del self._stack[depth:]
                del self._starts[depth:]
                break
        self.tokens.append(_Token("end", f"</{tag}>", tag))

    def handle_data(self, data: str) -> None:
        _, flow, lang, verbatim = self._stack[-1]
        raw_text = self._stack[-1][0] in ("script", "style")
        self.tokens.append(_Token("raw" if raw_text else "text", data if raw_text else "", text=data,
                                  flow=flow, lang=lang, verbatim=verbatim))

    def handle_comment(self, data: str) -> None:
        self.tokens.append(_Token("raw", f"<!--{data}-->"))

    def handle_decl(self, decl: str) -> None:
        self.tokens.append(_Token("raw", f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self.tokens.append(_Token("raw", f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        self.tokens.append(_Token("raw", f"<![{data}]>"))


def _tokenize(html: str, lang: str) -> list[_Token]:
    parser = _Tokenizer(lang)
    parser.feed(html)
    parser.close()
    return parser.tokens


def text_by_lang(html: str, lang: str) -> dict[str, str]:
    """The text of ``html`` grouped by the language it is set in (for font coverage); the
    head (the document's title, metadata) is not drawn."""
    texts: dict[str, list[str]] = {}
    for token in _tokenize(re.sub(r"<head>.*?</head>", "", html, count=1, flags=re.S), lang):
        if token.kind == "text":
            texts.setdefault(token.lang, []).append(token.text)
    return {key: "".join(parts) for key, parts in texts.items()}


# --- markup: annotations ------------------------------------------------------------

#: Nesting order: unbreakable groups outside, then Western runs, then squeezed marks.
_RANK = {"nobr": 0, "latin": 1, "squeeze": 2}


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str  # nobr | latin | squeeze
    classes: str = ""


@dataclass
class Stats:
    """What the typesetter did, for reports and tests."""

    squeezed: int = 0
    gaps: int = 0  # Han–Western boundaries given a quarter-em gap
    calls: int = 0  # footnote calls glued to the character before them

    def add(self, other: "Stats") -> None:
        self.squeezed += other.squeezed
        self.gaps += other.gaps
        self.calls += other.calls


@dataclass
class _Flow:
    """The text of one flow (the main text or one footnote) and where each token's part lies."""

    tokens: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    text: str = ""

    def lang_at(self, index: int) -> str:
        return self.langs[max(bisect.bisect_right(self.starts, index) - 1, 0)]


#: Stands in the flow for verbatim text (code): nothing is adjacent across it.
_OPAQUE = "\ufffc"


def _flows(tokens: list[_Token]) -> dict[int, _Flow]:
    flows: dict[int, _Flow] = {}
    for number, token in enumerate(tokens):
        if token.kind != "text":
            continue
        flow = flows.setdefault(token.flow, _Flow())
        if token.verbatim:
            flow.text += _OPAQUE
            continue
        flow.tokens.append(number)
        flow.starts.append(len(flow.text))
        flow.langs.append(token.lang)
        flow.text += token.text
        flow.ends.append(len(flow.text))
    return flows


def _squeezes(flow: _Flow) -> list[_Span]:
    """clreq §3.1.6: of two adjacent full-width marks, the blank half between them goes."""
    text, spans, done = flow.text, [], set()
    for i in range(len(text) - 1):
        lang = flow.lang_at(i)
        if not is_cjk_language(lang):
            continue
        centred = centred_stops(lang)
        closing = CLOSING if centred else CLOSING + STOPS
        middle = STOPS if centred else ""
        first, second = text[i], text[i + 1]
        if first in closing and second in closing + OPENING + middle:
            target = i
        elif first in OPENING + middle and second in OPENING:
            target = i + 1
        else:
            continue
        if target not in done:
            done.add(target)
            spans.append(_Span(target, target + 1, "squeeze", "squeeze"))
    return spans


def _western_runs(flow: _Flow) -> tuple[list[_Span], int]:
    """clreq §3.2.1: a quarter em between Han and Western letters or digits, glued to the Han."""
    text, spans, gaps = flow.text, [], 0
    for match in WESTERN_RUN.finditer(text):
        start, end = match.span()
        before = is_cjk_letter(text[start - 1]) if start else False
        after = is_cjk_letter(text[end]) if end < len(text) else False
        if not (before or after):
            continue
        gaps += before + after
        words = [m.span() for m in re.finditer(r"\S+", match.group())]
        first_end, last_start = start + words[0][1], start + words[-1][0]
        if len(words) == 1:
            spans.append(_Span(start, end, "latin", _gap_classes(before, after)))
        else:
            if before:
                spans.append(_Span(start, first_end, "latin", _gap_classes(True, False)))
            if after:
                spans.append(_Span(last_start, end, "latin", _gap_classes(False, True)))
        # The gap must never sit at a line edge: glue it to the Han character it separates.
        if before:
            spans.append(_Span(start - 1, first_end, "nobr", "nobr"))
        if after:
            spans.append(_Span(last_start, end + 1, "nobr", "nobr"))
    return spans, gaps


def _gap_classes(before: bool, after: bool) -> str:
    return " ".join(["latin", *(["gap-before"] if before else []), *(["gap-after"] if after else [])])


def _per_token(flow: _Flow, spans: list[_Span]) -> dict[int, list[_Span]]:
    """Split flow-wide spans at token boundaries; an unbreakable group is cut where markup intervenes."""
    result: dict[int, list[_Span]] = {number: [] for number in flow.tokens}
    for token, low, high in zip(flow.tokens, flow.starts, flow.ends):
        for span in spans:
            start, end = max(span.start, low), min(span.end, high)
            if start >= end or (span.kind == "nobr" and end - start < 2):
                continue  # a group of one character glues nothing
            result[token].append(_Span(start - low, end - low, span.kind, span.classes))
    return result


def _nest(spans: list[_Span]) -> list[_Span]:
    """Merge overlapping groups and widen them over any span they cut, so that spans nest."""
    inner = [s for s in spans if s.kind != "nobr"]
    groups = sorted((s.start, s.end) for s in spans if s.kind == "nobr")
    changed = True
    while changed:
        changed = False
        merged: list[list[int]] = []
        for start, end in groups:
            for span in inner:
                if span.start < end and start < span.end and not (start <= span.start and span.end <= end):
                    start, end, changed = min(start, span.start), max(end, span.end), True
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
                changed = True
            else:
                merged.append([start, end])
        groups = sorted((start, end) for start, end in merged)
    nobr = [_Span(start, end, "nobr", "nobr") for start, end in groups]
    return sorted([*nobr, *inner], key=lambda s: (s.start, -s.end, _RANK[s.kind]))


def _emit(text: str, spans: list[_Span]) -> str:
    out: list[str] = []
    stack: list[_Span] = []
    position = 0
    for span in spans:
        while stack and stack[-1].end <= span.start:
            closed = stack.pop()
            out.append(escape(text[position:closed.end], quote=False) + "</span>")
            position = closed.end
        out.append(escape(text[position:span.start], quote=False) + f'<span class="{span.classes}">')
        position = span.start
        stack.append(span)
    while stack:
        closed = stack.pop()
        out.append(escape(text[position:closed.end], quote=False) + "</span>")
        position = closed.end
    out.append(escape(text[position:], quote=False))
    return "".join(out)


#: Classes of the elements that print a footnote call (render.py, bilingual.py).
CALL_CLASSES = frozenset(("footnote", "note-call"))


@dataclass
class _Glue:
    """Where a footnote call's unbreakable group opens (before the call) and closes (after it)."""

    opens: dict[int, int] = field(default_factory=dict)  # text token → offset of <span class="nobr">
    closes: dict[int, int] = field(default_factory=dict)  # text token → offset of its </span>
    after: set[int] = field(default_factory=set)  # end tokens followed directly by the </span>


def _glue_calls(tokens: list[_Token], per_token: dict[int, list[_Span]]) -> _Glue:
    """A footnote call never starts a line: it is glued to the character (a Western word) before it
    and to the marks after it that may not start a line either (²， stays with its word)."""
    glue = _Glue()
    for number, token in enumerate(tokens):
        if token.kind != "start" or not token.classes & CALL_CLASSES or token.end < 0 or number == 0:
            continue
        before = tokens[number - 1]
        if before.kind != "text" or before.verbatim or not before.text.rstrip() or before.text[-1].isspace():
            continue
        glue.opens[number - 1] = _glue_start(before.text, per_token.get(number - 1, []))
        after = token.end + 1
        if after < len(tokens) and tokens[after].kind == "text" and not tokens[after].verbatim:
            glue.closes[after] = _glue_end(tokens[after].text, per_token.get(after, []))
        else:
            glue.after.add(token.end)
    return glue


def _glue_start(text: str, spans: list[_Span]) -> int:
    start = len(text) - 1
    if is_western(text[start]):
        while start and not text[start - 1].isspace() and not is_cjk(text[start - 1]):
            start -= 1
    return _outside(spans, start, -1)


def _glue_end(text: str, spans: list[_Span]) -> int:
    end = 0
    while end < len(text) and text[end] in NO_LINE_START + CLOSING + STOPS + ".,;:!?)]}":
        end += 1
    return _outside(spans, end, 1)


def _outside(spans: list[_Span], offset: int, direction: int) -> int:
    """``offset`` moved (left or right) out of every span that straddles it, so that tags nest."""
    moved = True
    while moved:
        moved = False
        for span in spans:
            if span.start < offset < span.end:
                offset, moved = (span.start if direction < 0 else span.end), True
    return offset


def _emit_split(text: str, spans: list[_Span], at: int, tag: str) -> str:
    """``text`` with ``tag`` at offset ``at``, which no span straddles."""
    head = [s for s in spans if s.end <= at]
    tail = [_Span(s.start - at, s.end - at, s.kind, s.classes) for s in spans if s.start >= at]
    return _emit(text[:at], head) + tag + _emit(text[at:], tail)


def typeset(html: str, lang: str) -> tuple[str, Stats]:
    """Add clreq markup to the text nodes of an inline HTML fragment set in ``lang``."""
    tokens = _tokenize(html, lang)
    stats = Stats()
    per_token: dict[int, list[_Span]] = {}
    for flow in _flows(tokens).values():
        squeezes = _squeezes(flow)
        runs, gaps = _western_runs(flow)
        stats.add(Stats(len(squeezes), gaps))
        per_token.update(_per_token(flow, [*squeezes, *runs]))
    nested = {number: _nest(spans) for number, spans in per_token.items()}
    glue = _glue_calls(tokens, nested)
    stats.calls = len(glue.opens)
    out = []
    for number, token in enumerate(tokens):
        if token.kind == "text":
            spans = nested.get(number, [])
            if number in glue.closes:
                text_html = _emit_split(token.text, spans, glue.closes[number], "</span>")
                out.append(text_html if number not in glue.opens else _reopen(token.text, spans, glue, number))
            elif number in glue.opens:
                out.append(_emit_split(token.text, spans, glue.opens[number], '<span class="nobr">'))
            else:
                out.append(_emit(token.text, spans))
        else:
            out.append(token.raw + ("</span>" if number in glue.after else ""))
    return "".join(out), stats


def _reopen(text: str, spans: list[_Span], glue: _Glue, number: int) -> str:
    """A text token between two calls: it closes the first group and opens the second."""
    close, open_ = glue.closes[number], max(glue.opens[number], glue.closes[number])
    middle = [_Span(s.start - close, s.end - close, s.kind, s.classes) for s in spans
              if s.start >= close and s.end <= open_]
    return (_emit(text[:close], [s for s in spans if s.end <= close]) + "</span>"
            + _emit(text[close:open_], middle) + '<span class="nobr">'
            + _emit(text[open_:], [_Span(s.start - open_, s.end - open_, s.kind, s.classes)
                                   for s in spans if s.start >= open_]))


# --- code in print -------------------------------------------------------------------------

#: Marks a code line continued from the one above (set in the symbols' face, lang="zxx").
CONTINUATION = "↪"


def code_columns(width_pt: float, size_pt: float, cjk: bool) -> int:
    """How many half-width columns of code fit ``width_pt`` at ``size_pt``: the CJK monospaced
    faces' Latin is half an em wide, Noto Sans Mono's 0.6 em."""
    return max(20, int(width_pt / (size_pt * (0.5 if cjk else 0.6))))


def wrap_code(literal: str, columns: int) -> str:
    """A code block as print HTML: every line that would pass the measure is broken (after a
    space or punctuation when one is near the end) and its continuations start with a mark,
    so no character is lost at the page's edge. Wide (CJK) characters take two columns."""
    out = []
    for line in literal.rstrip("\n").split("\n"):
        pieces = _code_pieces(line, columns)
        out.append(escape(pieces[0], quote=False))
        for piece in pieces[1:]:
            out.append(f'<span class="cont" lang="zxx" aria-hidden="true">{CONTINUATION}</span>'
                       + escape(piece, quote=False))
    return "\n".join(out)


def _code_pieces(line: str, columns: int) -> list[str]:
    from .hygiene import display_width as width

    pieces, rest, room = [], line, columns
    while width(rest) > room:
        cut, used = 0, 0
        for index, char in enumerate(rest):
            used += width(char)
            if used > room:
                break
            cut = index + 1
        soft = max((i + 1 for i in range(cut // 2, cut) if rest[i] in " ,;:.)]}>/-=&|"), default=0)
        cut = soft or cut or 1
        pieces.append(rest[:cut])
        rest, room = rest[cut:], columns - 2  # the mark takes two columns
    pieces.append(rest)
    return pieces
