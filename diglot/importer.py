"""Import text extracted from a PDF (pdftotext, a viewer's copy) or a DOCX as a Diglot source.

Every decision an editor should check comes back as a Guess with its input line.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import limits
from .errors import DiglotError
from .hygiene import HAN, clean_text

__all__ = [
    "Guess", "ImportResult", "import_text", "import_docx", "read_input", "import_file",
    "format_report", "slugify",
]


@dataclass(frozen=True)
class Guess:
    """One decision an editor should check."""

    line: int  # 1-based line in the input file (DOCX: line of the produced Markdown)
    kind: str  # heading | footnote | title | title-note | join-across-gap | list | ...
    message: str


@dataclass(frozen=True)
class ImportResult:
    markdown: str  # the whole source/<slug>.md text, front matter included
    guesses: tuple[Guess, ...]


# ---------------------------------------------------------------- characters

_HAN = HAN
_HAN_RE = re.compile(f"[{_HAN}]")
# Text written without spaces between words: Han, kana, Hangul, CJK and fullwidth punctuation.
_CJK_RE = re.compile(
    f"[{_HAN}\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\uac00-\ud7af\ufe30-\ufe4f\uff00-\uffef]"
)
# Used by both scripts; such a character takes the script of its neighbour.
_SHARED_PUNCT = "“”‘’—–…·"
_FINAL = "。！？；：”…!?;:."
_CLOSERS = "”’」』）)】》\"'"
_MID_SENTENCE = "，、,（(“‘《【-"
_HEADING_PUNCT = re.compile(r"[。！？；，]")
_URL_RE = re.compile(r"(?:https?|ftp)://[^\s<>]+")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

# Frequent characters in both scripts: correct decodings are full of them,
# a GBK file read as Big5 (or the reverse) almost never hits them.
_COMMON_HANS = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年"
    "过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心"
    "本前开但因只从想实日者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问"
    "很最重并物手应战向头文体政美相见被利网络"
)
_TRAD_ONLY = "這個們來爲為國說時會對於過發後裏裡種經麼學現當沒動還進樣開從實無與長機關點業將兩間問並應戰頭體見網絡"
_SIMP_ONLY = "这个们来为国说时会对于过发后里种经么学现当没动还进样开从实无与长机关点业将两间问并应战头体见网络"
_COMMON = frozenset(_COMMON_HANS + _TRAD_ONLY)


def _is_cjk_edge(text: str, at_end: bool) -> bool:
    """Whether text starts (or ends) in a script written without spaces."""
    chars = reversed(text) if at_end else iter(text)
    for char in chars:
        if char not in _SHARED_PUNCT:
            return bool(_CJK_RE.match(char))
    return True


def _han_count(text: str) -> int:
    return len(_HAN_RE.findall(text))


def _latin_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z\u00c0-\u024f]", text))


def _ends_sentence(text: str) -> bool:
    # A closing ” counts as an end itself; other closers after 。 (。）) do not hide it.
    stripped = text.rstrip(_CLOSERS.replace("”", ""))
    return bool(stripped) and stripped[-1] in _FINAL


def _ends_mid_sentence(text: str) -> bool:
    # A comma or an open bracket at a page's foot: the sentence surely goes on.
    return bool(text) and text[-1] in _MID_SENTENCE


def _is_short(text: str) -> bool:
    return _han_count(text) <= 20 and len(text) <= 60


def _width(text: str) -> int:
    """Display width: a Han character or fullwidth mark takes two columns."""
    return len(text) + len(_CJK_RE.findall(text))


def _first_word_width(text: str) -> int:
    """Width of what a line break could not have split from the start of text (with its space)."""
    if _is_cjk_edge(text, at_end=False):
        match = re.match(r"[“‘（(《「『【]*.[，。、；：！？”’）)》」』】]*", text)
        return _width(match.group(0)) if match else 0
    return _width(text.split()[0]) + 1 if text.split() else 0


def _text_width(lines: list[str]) -> int:
    """The width of a full line of this document (0 when too few lines to tell)."""
    widths = sorted(_width(text) for text in lines if text)
    return widths[len(widths) * 9 // 10] if len(widths) >= 8 else 0


def _snippet(text: str, width: int = 14, tail: bool = False) -> str:
    if len(text) <= width:
        return text
    return "…" + text[-width:] if tail else text[:width] + "…"


# ---------------------------------------------------------------- joining lines


def _join_step(prev: str, nxt: str) -> tuple[int, str]:
    """How a line wrapped by the PDF joins the text before it: characters to drop from that
    text's end, then what to append. Only prev's end matters, so prev may be just its tail."""
    if not prev or not nxt:
        return 0, nxt
    if prev.endswith("\u00ad"):
        return 1, nxt  # a soft hyphen is only a break opportunity
    if prev.endswith("-") and re.match(r"[A-Za-z]", prev[-2:-1]):
        # inter-/national: the PDF's hyphen goes; Franco-/German, COVID-/19 keep it.
        return (1 if re.match(r"[a-z]", nxt) else 0), nxt
    if _is_cjk_edge(prev, at_end=True) or _is_cjk_edge(nxt, at_end=False):
        return 0, nxt  # a line break in Chinese text is not a word space
    return 0, " " + nxt


def _join(prev: str, nxt: str) -> str:
    """Join a line wrapped by the PDF to the text before it."""
    drop, piece = _join_step(prev, nxt)
    return prev[: len(prev) - drop] + piece


#: How much of a text's end decides how the next line joins it (and whether it ends a sentence):
#: only a run of this many closing or shared punctuation marks could look further back.
_TAIL = 256


class _Joined:
    """Wrapped lines joined into one text, in time linear in its length.

    Appending to one growing string copies it each time: quadratic in a long paragraph.
    The pieces are kept in a list and joined once, when the whole text is read."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._text: str | None = ""
        self.length = 0

    def add(self, line: str) -> None:
        drop, piece = _join_step(self.tail(), line)
        if drop:
            self._parts[-1] = self._parts[-1][:-drop]  # the drop is within the last line added
        if piece:
            self._parts.append(piece)
        self.length += len(piece) - drop
        self._text = None

    def tail(self, size: int = _TAIL) -> str:
        """The text's last ``size`` characters (fewer when it is shorter)."""
        pieces, count = [], 0
        for part in reversed(self._parts):
            if count >= size:
                break
            pieces.append(part)
            count += len(part)
        return "".join(reversed(pieces))[-size:]

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self._parts)
            self._parts = [self._text] if self._text else []
        return self._text


# ---------------------------------------------------------------- line kinds

_BULLET_RE = re.compile(r"^(?:([•·●▪◦‣■□○◆◇※])\s*|([-–*+])\s+(?=\S))")
_ARABIC_RE = re.compile(r"^(\d{1,3})(?:[.．](?!\d)|[)）])\s*(?=\S)")
_CN_NUMERAL = "一二三四五六七八九十"
_CN_ITEM_RE = re.compile(rf"^(?:[{_CN_NUMERAL}]{{1,3}}、|[(（](?:[{_CN_NUMERAL}]{{1,3}}|\d{{1,2}})[)）])\s*(?=\S)")
_PAGE_NO_RE = re.compile(
    r"^(?:\d{1,4}|[-–—]\s*\d{1,4}\s*[-–—]|第\s*\d{1,4}\s*[页頁](?:\s*[,，/]?\s*共\s*\d{1,4}\s*[页頁])?"
    r"|[Pp]age\s+\d{1,4}(?:\s+of\s+\d{1,4})?|\d{1,4}\s*/\s*\d{1,4})$"
)
_URL_LINE_RE = re.compile(
    rf"^(?:\[?(\d{{1,3}}|[{_SUPERSCRIPTS}]+)\]?[.)]?\s*)?<?((?:https?|ftp)://[^\s<>]+?)>?[。，,.;；]?$"
)


@dataclass(frozen=True)
class _Bullet:
    marker: str  # the Markdown list marker: "- " or "3. "
    text: str  # the item's text on this line


def _bullet(text: str) -> _Bullet | None:
    """The list item a line starts, if it starts one."""
    if match := _BULLET_RE.match(text):
        return _Bullet("- ", text[match.end():])
    if match := _ARABIC_RE.match(text):
        return _Bullet(f"{int(match.group(1))}. ", text[match.end():])
    if match := _CN_ITEM_RE.match(text):
        # 一、 and （一） carry the document's hierarchy, which Markdown
        # numbering cannot show: keep them as the item's text.
        return _Bullet("- ", text)
    return None


def _looks_like_heading(text: str) -> bool:
    """Short, no sentence punctuation, not a list item or a URL."""
    if not text or not _is_short(text) or _bullet(text) or _URL_RE.search(text):
        return False
    if _HEADING_PUNCT.search(text) or text[-1] in _FINAL + _MID_SENTENCE + "\u00ad":
        return False
    return bool(re.search(rf"[A-Za-z{_HAN}]", text))


# ---------------------------------------------------------------- the text importer


@dataclass
class _Line:
    no: int  # 1-based input line
    text: str  # stripped; "" for blank and removed lines
    brk: bool = False  # a page break: form feed, or removed page furniture


@dataclass
class _Block:
    kind: str  # heading | para | item
    marker: str = ""  # list marker for items
    ends: list[tuple[int, int]] = field(default_factory=list)  # (input line, end offset in text)
    last: str = ""  # the last input line added
    joined: _Joined = field(default_factory=_Joined)

    @property
    def text(self) -> str:
        return self.joined.text

    @property
    def first_line(self) -> int:
        return self.ends[0][0]

    @property
    def last_line(self) -> int:
        return self.ends[-1][0]

    def add(self, no: int, text: str) -> None:
        self.joined.add(text)
        self.ends.append((no, self.joined.length))
        self.last = text

    def line_of(self, offset: int) -> int:
        """The input line holding the text that ends at ``offset``."""
        return self.ends[bisect.bisect_left(self.ends, offset, key=lambda e: e[1])][0]

    def end_before(self, no: int) -> tuple[int, int] | None:
        """The last (input line, end offset) of a line before input line ``no``."""
        at = bisect.bisect_left(self.ends, no, key=lambda e: e[0])
        return self.ends[at - 1] if at else None


@dataclass
class _Note:
    line: int  # input line of the note's text
    body: str  # Markdown of the definition
    block: int  # index of the block it is attached to; -1 is the title
    start: int  # the reference goes over text[start:end] (a marker it replaces)
    end: int
    how: str = ""  # for the report
    kind: str = "footnote"  # the Guess kind
    number: int = 0


class _TextImporter:
    """One pass over pdftotext-like text; builds blocks, notes and guesses."""

    def __init__(self, text: str, title: str | None):
        self.lines = _split_lines(text)
        self.given_title = title
        self.guesses: list[Guess] = []
        self.blocks: list[_Block] = []
        self.notes: list[_Note] = []
        self.urls: list[tuple[int, str, str]] = []  # (line, marker label, url)
        self.title = ""
        self.width = _text_width([line.text for line in self.lines])

    def run(self) -> ImportResult:
        if not any(line.text for line in self.lines):
            raise DiglotError("nothing to import: the text is empty")
        self._remove_page_numbers()
        self._remove_running_lines()
        self._take_urls()
        self._take_title()
        closing = self._take_closing_note()
        self._build_blocks()
        self._report_lists()
        if closing is not None:
            self.notes.append(closing)
        self._attach_urls()
        self._number_notes()
        lang = _guess_lang(self._all_text())
        self.guesses += _lang_guesses(lang)
        return ImportResult(self._render(lang), tuple(sorted(self.guesses, key=lambda g: g.line)))

    def guess(self, line: int, kind: str, message: str) -> None:
        self.guesses.append(Guess(line, kind, message))

    # -- page furniture

    def _remove(self, line: _Line) -> None:
        line.text, line.brk = "", True

    def _remove_page_numbers(self) -> None:
        for line in self.lines:
            if line.text and _PAGE_NO_RE.match(line.text):
                self.guess(line.no, "page-number", f'removed page number "{line.text}"')
                self._remove(line)

    def _pages(self) -> list[list[_Line]]:
        """The text lines of each page; a page ends at a gap or a form feed."""
        pages: list[list[_Line]] = [[]]
        for index, line in enumerate(self.lines):
            if line.text and (line.brk or self._gap_before(index)) and pages[-1]:
                pages.append([])
            if line.text:
                pages[-1].append(line)
        return pages

    def _gap_before(self, index: int) -> bool:
        blanks = 0
        while index > 0 and not self.lines[index - 1].text:
            index -= 1
            blanks += 1
            if blanks >= 2 or self.lines[index].brk:
                return True
        return False

    def _remove_running_lines(self) -> None:
        counts: dict[str, list[_Line]] = {}
        for page in self._pages():
            # Two lines at each edge: a header may sit above the title, a footer above the page number.
            edges = {line.no: line for line in page[:2] + page[-2:] if _is_short(line.text)}
            for key, line in {re.sub(r"\d+", "#", ln.text): ln for ln in edges.values()}.items():
                counts.setdefault(key, []).append(line)
        for lines in counts.values():
            if len(lines) >= 3:  # the same short line at the edges of three pages: a running header/footer
                numbers = ", ".join(str(line.no) for line in lines)
                self.guess(lines[0].no, "header-removed",
                           f'removed running header/footer "{lines[0].text}" (at page edges, lines {numbers})')
                for line in lines:
                    self._remove(line)

    # -- URL lines, title, closing note

    def _take_urls(self) -> None:
        for line in self.lines:
            if line.text and (match := _URL_LINE_RE.match(line.text)):
                self.urls.append((line.no, match.group(1) or "", match.group(2)))
                self._remove(line)

    def _take_title(self) -> None:
        first = next((line for line in self.lines if line.text), None)
        if first is None:
            raise DiglotError("no text to import (the file holds only page numbers, headers or URLs)")
        # A trailing asterisk on the title is the call of the closing note.
        found = first.text.rstrip("*＊ ") or first.text
        first.text = ""
        if self.given_title:
            self.title = self.given_title.strip()
            self.guess(first.no, "title", f'title set by --title; it replaces the first line "{found}"')
        else:
            self.title = found
            self.guess(first.no, "title", f'title "{found}" (the first line with text)')

    def _take_closing_note(self) -> _Note | None:
        block, previous = self._last_block_lines()
        starts = [line.text[:1] in ("*", "＊") for line in block]
        # "* a" items before it, or in it, make it a list rather than a note.
        if not starts or not starts[0] or any(starts[1:]) or previous[:1] in ("*", "＊"):
            return None
        joined = _Joined()
        for line in block:
            joined.add(line.text)
            line.text = ""
        text = joined.text.lstrip("*＊ \t")
        return _Note(block[0].no, _escape_inline(text), -1, 0, 0, f'closing note "{_snippet(text)}"', "title-note")

    def _last_block_lines(self) -> tuple[list[_Line], str]:
        """The last run of text lines, and the text line before it."""
        block: list[_Line] = []  # last line first, reversed at the end
        for line in reversed(self.lines):
            if line.text and (not block or block[-1].no == line.no + 1):
                block.append(line)
            elif line.text:
                return block[::-1], line.text
        return block[::-1], ""

    # -- blocks

    def _content(self) -> list[tuple[list[_Line], _Line]]:
        """Each text line with the blank or removed lines just before it."""
        out, pending = [], []
        for line in self.lines:
            if line.text:
                out.append((pending, line))
                pending = []
            else:
                pending.append(line)
        return out

    def _build_blocks(self) -> None:
        content = self._content()
        current: _Block | None = None
        for index, (before, line) in enumerate(content):
            joined = False
            if (before or line.brk) and current is not None:
                # Two blank lines, a form feed or removed page furniture: a page gap.
                gap = len(before) >= 2 or any(b.brk for b in before) or line.brk
                joined = gap and self._joins_gap(current, content, index)
                current = current if joined else None
            current = self._place(line, current, content, index, joined)

    def _joins_gap(self, current: _Block, content, index: int) -> bool:
        line = content[index][1]
        tail = current.joined.tail()
        if current.kind == "heading" or _ends_sentence(tail) or _bullet(line.text):
            return False
        if not _ends_mid_sentence(tail) and self._heading_reason(content, index):
            return False
        self.guess(current.last_line, "join-across-gap",
                   f'joined "{_snippet(tail, tail=True)}" to line {line.no} '
                   f'"{_snippet(line.text)}" across a page gap (no sentence end before it)')
        return True

    def _place(self, line: _Line, current: _Block | None, content, index: int, joined: bool) -> _Block | None:
        """Add one text line: to the open block, or as the start of a new one."""
        if bullet := _bullet(line.text):
            return self._open(_Block("item", bullet.marker), line.no, bullet.text)
        if not joined and (reason := self._heading_reason(content, index)):
            self.guess(line.no, "heading", f'heading "{line.text}" ({reason})')
            self._open(_Block("heading"), line.no, line.text)
            return None
        if current is None or current.kind == "heading" or self._ends_paragraph(current, line):
            return self._open(_Block("para"), line.no, line.text)
        current.add(line.no, line.text)
        return current

    def _ends_paragraph(self, block: _Block, nxt: _Line) -> bool:
        """A sentence end where the next word would have fitted: a paragraph end, not a wrap.

        pdftotext drops the blank line between paragraphs; this finds them again.
        """
        if not self.width or not _ends_sentence(block.last):
            return False
        # Two columns of slack: justification and 避头尾 line breaking move a character.
        if _width(block.last) + _first_word_width(nxt.text) > self.width - 2:
            return False
        self.guess(nxt.no, "paragraph",
                   f"new paragraph: line {block.last_line} ends a sentence short of the text width")
        return True

    def _open(self, block: _Block, no: int, text: str) -> _Block:
        block.add(no, text)
        self.blocks.append(block)
        return block

    def _heading_reason(self, content, index: int) -> str:
        """Why this line is a heading, or "" when it is not one."""
        before, line = content[index]
        if not _looks_like_heading(line.text) or index + 1 >= len(content):
            return ""  # the last line is followed by nothing: not a heading
        after, nxt = content[index + 1]
        prev = content[index - 1][1].text if index > 0 else ""
        if before or line.brk:
            lead = "stands alone"
        elif _ends_sentence(prev):
            lead = "follows a sentence end"
        else:
            return ""
        if after or _bullet(nxt.text):
            return f"short line, no sentence punctuation, {lead}"
        if self._wrapped(content, index + 1) and len(nxt.text) >= 1.5 * len(line.text):
            # A paragraph's lines are full width but for its last: a short line
            # before a wrapped one is not part of that paragraph.
            return f"short line, no sentence punctuation, {lead}, followed by a longer line"
        return ""

    @staticmethod
    def _wrapped(content, index: int) -> bool:
        """Whether this text line runs on into the next one (no blank line between)."""
        if index + 1 >= len(content):
            return False
        before, line = content[index + 1]
        return not before and not line.brk and not _bullet(line.text)

    def _report_lists(self) -> None:
        run: list[_Block] = []
        for block in [*self.blocks, _Block("end")]:
            if block.kind == "item" and (not run or run[0].marker[0].isdigit() == block.marker[0].isdigit()):
                run.append(block)
                continue
            if run:
                kind = "numbered" if run[0].marker[0].isdigit() else "bulleted"
                self.guess(run[0].first_line, "list", f"{kind} list of {len(run)} items")
            run = [block] if block.kind == "item" else []

    # -- footnotes from URL lines

    def _attach_urls(self) -> None:
        markers = _Markers(self.blocks)
        for no, label, url in self.urls:
            note = self._note_at_marker(markers, no, label, url) if label else None
            self.notes.append(note or self._note_at_sentence_end(markers, no, url))

    def _note_at_marker(self, markers: _Markers, no: int, label: str, url: str) -> _Note | None:
        """Find the call ("承诺1，" or "承诺¹") of a numbered URL line in the text before it."""
        found = markers.take(label, no)
        if found is None:
            return None
        index, start, end = found
        how = f'on the marker "{label}" in line {self.blocks[index].line_of(end)}'
        return _Note(no, f"<{url}>", index, start, end, how)

    def _note_at_sentence_end(self, markers: _Markers, no: int, url: str) -> _Note:
        index = markers.block_before(no)
        if index < 0:
            return _Note(no, f"<{url}>", -1, 0, 0, "on the title: no text comes before it")
        block = self.blocks[index]
        line, end = block.end_before(no)
        offset = markers.sentence_end(index, end) or end
        how = (f'at the end of the sentence "{_snippet(block.text[:offset], tail=True)}" '
               f"(line {line}): no marker in the text, so move it if it belongs elsewhere")
        return _Note(no, f"<{url}>", index, offset, offset, how)

    def _number_notes(self) -> None:
        # Labels follow the order of the calls; definitions stay in input order.
        for number, note in enumerate(sorted(self.notes, key=lambda n: (n.block, n.start)), 1):
            note.number = number
            if note.kind == "title-note":
                self.guess(note.line, note.kind, f"{note.how} became footnote [^{number}] on the title")
            else:
                self.guess(note.line, note.kind, f"URL line became footnote [^{number}], {note.how}")

    # -- output

    def _render(self, lang: str) -> str:
        title = _escape_inline(self.title) + "".join(f"[^{n.number}]" for n in self.notes if n.block == -1)
        parts = [_front_matter(title, lang)]
        calls: dict[int, list[_Note]] = {}  # each block's notes, gathered once (not once per block)
        for note in self.notes:
            calls.setdefault(note.block, []).append(note)
        parts += [self._render_block(block, calls.get(index, [])) for index, block in enumerate(self.blocks)]
        parts += [f"[^{note.number}]: {note.body}" for note in sorted(self.notes, key=lambda n: n.line)]
        return "\n\n".join(parts) + "\n"

    def _render_block(self, block: _Block, notes: list[_Note]) -> str:
        notes = sorted(notes, key=lambda n: n.start)
        out, last = [], 0
        for note in notes:
            out += [_escape_inline(block.text[last:note.start]), f"[^{note.number}]"]
            last = note.end
        out.append(_escape_inline(block.text[last:]))
        text = "".join(out)
        if block.kind == "heading":
            return "# " + re.sub(r"#+$", lambda m: "\\" + m.group(0), _escape_block_start(text))
        return block.marker + _escape_block_start(text)

    def _all_text(self) -> str:
        return self.title + "\n" + "\n".join(block.text for block in self.blocks)


def _split_lines(text: str) -> list[_Line]:
    text = clean_text(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    return [_Line(no, raw.replace("\f", "").strip(), "\f" in raw) for no, raw in enumerate(text.split("\n"), 1)]


#: A sentence end: 。！？；：”… or an ASCII . ! ? ; : before a space, a closer or the end (not in 3.5
#: or igf@un.org), with the closers after it.
_SENTENCE_END = re.compile(rf"(?:[。！？；：”…]|[.!?;:](?=[\s{re.escape(_CLOSERS)}]|$))[{re.escape(_CLOSERS)}]*")


#: Note markers a numbered URL line's label may stand for: digits after Han text or punctuation
#: ("承诺1，"), or a run of superscripts ("承诺¹").
_DIGIT_MARKER = re.compile(rf"(?<=[{_HAN}{_CLOSERS}。，、；：！？])\d{{1,3}}(?![\w])")
_SUPERSCRIPT_MARKER = re.compile(rf"(?<![{_SUPERSCRIPTS}])[{_SUPERSCRIPTS}]+(?![{_SUPERSCRIPTS}])")


class _Markers:
    """The blocks' note markers and sentence ends, found in one pass over the text each.

    A URL line takes its call, or the sentence end before it, by bisection: searching the text
    before every URL line again made the import of a long document quadratic (cubic when
    markers were claimed, a 260 KB text took two minutes)."""

    def __init__(self, blocks: list[_Block]):
        self.blocks = blocks
        self.firsts = [block.first_line for block in blocks]
        #: label -> (block, start, end) of each marker, in text order
        self.found: dict[str, list[tuple[int, int, int]]] = {}
        for index, block in enumerate(blocks):
            for regex in (_DIGIT_MARKER, _SUPERSCRIPT_MARKER):
                for match in regex.finditer(block.text):
                    self.found.setdefault(match.group(0), []).append((index, match.start(), match.end()))
        for entries in self.found.values():
            entries.sort()
        self.claimed: set[tuple[int, int]] = set()  # (block, start) of the markers notes stand on
        self.left: dict[tuple[str, int], int] = {}  # a claimed marker's entry -> the entry to try instead
        self.ends: dict[int, tuple[list[int], list[int]]] = {}  # block -> its sentence ends' starts and ends

    def block_before(self, no: int) -> int:
        """The last block that starts before input line ``no`` (-1: none)."""
        return bisect.bisect_left(self.firsts, no) - 1

    def take(self, label: str, no: int) -> tuple[int, int, int] | None:
        """The last marker ``label`` not yet taken in the text before input line ``no``, taken."""
        index = self.block_before(no)
        if index < 0:
            return None
        block = self.blocks[index]
        limit = block.end_before(no)[1]
        entries = self.found.get(label, [])
        at = bisect.bisect_right(entries, (index, limit), key=lambda e: (e[0], e[2])) - 1
        # The text before the line ends at ``limit``: a marker there is one even when the next
        # line goes on with a letter or digit ("承诺1" then "2023年").
        if label[0] in _SUPERSCRIPTS:
            edge = re.compile(rf"(?<![{_SUPERSCRIPTS}]){label}")
        else:
            edge = re.compile(rf"(?<=[{_HAN}{_CLOSERS}。，、；：！？]){label}")
        match = edge.match(block.text, max(0, limit - len(label)), limit)
        if match and match.end() == limit and (index, match.start()) not in self.claimed:
            if at >= 0 and entries[at] == (index, match.start(), limit):
                self._claim(label, at)
            self.claimed.add((index, match.start()))
            return index, match.start(), limit
        at = self._unclaimed(label, at)
        if at < 0:
            return None
        self._claim(label, at)
        return entries[at]

    def _unclaimed(self, label: str, at: int) -> int:
        path = []
        while at >= 0 and ((label, at) in self.left or self.found[label][at][:2] in self.claimed):
            path.append(at)
            at = self.left.get((label, at), at - 1)
        for step in path:  # a later look-up jumps over them at once
            self.left[(label, step)] = at
        return at

    def _claim(self, label: str, at: int) -> None:
        self.left[(label, at)] = at - 1
        self.claimed.add(self.found[label][at][:2])

    def sentence_end(self, index: int, end: int) -> int:
        """Offset just after the last sentence end (with its closers) in block ``index``'s
        ``text[:end]``, or 0; the block's text is searched once, whatever the number of look-ups."""
        text = self.blocks[index].text
        if index not in self.ends:
            matches = list(_SENTENCE_END.finditer(text))
            self.ends[index] = ([m.start() for m in matches], [m.end() for m in matches])
        if end and text[end - 1] in ".!?;:":
            return end  # at the end of text[:end], nothing after it: a sentence end there
        starts, ends = self.ends[index]
        at = bisect.bisect_left(starts, end) - 1
        return min(ends[at], end) if at >= 0 else 0


# ---------------------------------------------------------------- Markdown output


def _escape_inline(text: str) -> str:
    """Backslash-escape what CommonMark would read as markup in plain text."""
    text = re.sub(r"([\\`*\[\]<])", r"\\\1", text)
    text = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)
    return re.sub(r"&(?=#?\w+;)", r"\\&", text)


def _escape_block_start(text: str) -> str:
    # Only at a block's start do these open headings, quotes, lists, rules or fences.
    text = re.sub(r"^(?=#{1,6}(?:\s|$)|>|[-+](?:\s|$)|-(?:\s*-){2,}\s*$|~{3})", r"\\", text)
    return re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", text)


def _guess_lang(text: str) -> str:
    """Simplified or Traditional Chinese when mostly Han (a character ≈ a word), else Latin (English)."""
    from .languages import tag_for_script

    han, latin = _han_count(text), _latin_count(text)
    if han == 0 or han * 3 < latin:
        return tag_for_script("Latn")
    trad = sum(text.count(c) for c in _TRAD_ONLY)
    simp = sum(text.count(c) for c in _SIMP_ONLY)
    return tag_for_script("Hant" if trad > simp else "Hans")


def _front_matter(title: str, lang: str) -> str:
    dumped = yaml.safe_dump({"title": title, "lang": lang}, allow_unicode=True, sort_keys=False, width=1_000_000)
    return f"---\n{dumped}---"


def _lang_guesses(lang: str) -> list[Guess]:
    """A Han text's script settles its tag; a Latin one could be any of many languages: say so."""
    from .languages import language

    if language(lang).script != "Latn":
        return []
    message = f"lang {lang}: the text is mostly Latin script, taken to be {language(lang).name}; set the right tag"
    return [Guess(1, "lang", message)]


def import_text(text: str, *, title: str | None = None) -> ImportResult:
    """Turn the text a PDF viewer or pdftotext gives into Diglot's source format."""
    return _TextImporter(text, title).run()


# ---------------------------------------------------------------- DOCX

_PANDOC_MARKDOWN = "markdown" + "".join(
    f"-{ext}" for ext in (
        "raw_html", "raw_attribute", "native_divs", "native_spans", "bracketed_spans", "fenced_divs",
        "link_attributes", "header_attributes", "smart", "superscript", "subscript", "strikeout",
        "grid_tables", "multiline_tables", "simple_tables",
    )
)


def _pandoc_docx(path: Path) -> str:
    """pandoc's Markdown of a Word file, under the render's bounds (limits.JOB_MEMORY, JOB_SECONDS)."""
    import subprocess

    import pypandoc  # only here: importing text needs no pandoc

    args = [pypandoc.get_pandoc_path(), "--from=docx", f"--to={_PANDOC_MARKDOWN}", "--wrap=none", "--sandbox",
            "--markdown-headings=atx", "--standalone", "--", str(path)]
    memory, seconds = limits.JOB_MEMORY, limits.JOB_SECONDS
    try:
        # The memory bound is the render workers' own (limits.limit_memory): set in the child
        # between fork and exec, so it bounds pandoc and never this process.
        done = subprocess.run(args, capture_output=True, timeout=seconds, stdin=subprocess.DEVNULL,
                              preexec_fn=lambda: limits.limit_memory(memory))
    except subprocess.TimeoutExpired:  # run() killed it
        raise DiglotError(f"pandoc took more than {seconds:g} s to read this Word file", path) from None
    except OSError as exc:
        raise DiglotError(f"cannot run pandoc: {exc.strerror}", path) from None
    errors = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode == 251 and ("out of memory" in errors or "Heap exhausted" in errors):
        raise DiglotError(f"pandoc needed more than {memory >> 20:,} MB of memory to read this Word file", path)
    if done.returncode < 0:  # a signal: under a low memory bound GHC's runtime may crash at its start
        import signal

        try:
            name = signal.Signals(-done.returncode).name
        except ValueError:
            name = f"signal {-done.returncode}"
        raise DiglotError(f"pandoc crashed reading this Word file ({name}, with its memory bounded to "
                          f"{memory >> 20:,} MB)", path)
    if done.returncode != 0:
        reason = "; ".join(line.strip() for line in errors.splitlines() if line.strip())
        raise DiglotError(f"pandoc could not read this Word file: {reason or f'exit code {done.returncode}'}", path)
    return done.stdout.decode("utf-8", "replace").replace("\r\n", "\n")


#: Word's XML, which pandoc parses (the pictures beside it it only carries).
_DOCX_XML = (".xml", ".rels")


def check_docx(path: Path) -> None:
    """Refuse, before pandoc unpacks it, a Word file that is too large, no zip, or a zip bomb.

    The sizes a zip declares are the sender's to choose, so each part is also inflated here,
    its output counted and dropped, and refused once it goes past what it declared."""
    import zipfile

    size = path.stat().st_size
    if size > limits.MAX_IMPORT_DOCX_BYTES:
        raise DiglotError(f"the Word file is {size:,} bytes; Diglot imports Word files up to "
                          f"{limits.MAX_IMPORT_DOCX_BYTES:,} bytes (split it, or remove its pictures)", path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise DiglotError(f"not a Word file: a .docx is a zip archive, and this is none ({exc})", path) from None
    with archive, path.open("rb") as raw:
        members = archive.infolist()
        if len(members) > limits.MAX_DOCX_MEMBERS:
            raise DiglotError(f"the Word file holds {len(members):,} parts; Diglot imports Word files of at most "
                              f"{limits.MAX_DOCX_MEMBERS:,}", path)
        if "word/document.xml" not in {info.filename for info in members}:
            raise DiglotError("not a Word file: its zip archive holds no word/document.xml", path)
        total = sum(info.file_size for info in members)
        xml = sum(info.file_size for info in members if info.filename.lower().endswith(_DOCX_XML))
        if total > limits.MAX_DOCX_UNPACKED:
            raise DiglotError(f"the Word file unpacks to {total:,} bytes; Diglot imports Word files that unpack "
                              f"to at most {limits.MAX_DOCX_UNPACKED:,}", path)
        if xml > limits.MAX_DOCX_XML:
            raise DiglotError(f"the Word file's XML unpacks to {xml:,} bytes; Diglot imports Word files of at most "
                              f"{limits.MAX_DOCX_XML:,} bytes of XML (split it)", path)
        for info in members:
            ratio = info.file_size // max(info.compress_size, 1)
            if info.file_size > 1_000_000 and ratio > limits.MAX_DOCX_RATIO:
                raise DiglotError(f"{info.filename} in the Word file unpacks to {ratio:,} times its packed size "
                                  f"(at most {limits.MAX_DOCX_RATIO}): a zip bomb, not a document", path)
        for info in members:
            _check_unpacked_size(raw, info, path)


def _check_unpacked_size(raw, info, path: Path) -> None:
    """Inflate ``info``'s data: it must make what the zip says (and is refused as soon as it makes more)."""
    import struct
    import zipfile
    import zlib

    def damaged(why: str) -> DiglotError:
        return DiglotError(f"not a Word file: its zip archive is damaged ({info.filename}: {why})", path)

    if info.flag_bits & 0x1:
        raise DiglotError(f"the Word file is encrypted ({info.filename}): save it without a password", path)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise damaged(f"compression method {info.compress_type}, which Word never uses")
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise damaged("no local header where the directory says")
    method, packed, name_length, extra_length = (struct.unpack("<4sHHHHHLLLHH", header)[i] for i in (3, 7, 9, 10))
    # pandoc reads the local headers: they must say what the directory measured here says.
    if method != info.compress_type or not (info.flag_bits & 0x8 or packed in (info.compress_size, 0xFFFFFFFF)):
        raise damaged("its local header disagrees with the zip's directory")
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, made = info.compress_size, 0
    while left > 0:
        data = raw.read(min(left, 1 << 20))
        if not data:
            raise damaged("cut short")
        left -= len(data)
        if inflate is None:
            made += len(data)
        while inflate is not None and not inflate.eof:
            try:
                piece = inflate.decompress(data, 1 << 20)
            except zlib.error as exc:
                raise damaged(f"its data does not inflate: {exc}") from None
            made += len(piece)
            if made > info.file_size:
                raise DiglotError(f"{info.filename} in the Word file says it unpacks to {info.file_size:,} bytes "
                                  "but makes more: a zip bomb, not a document", path)
            data = inflate.unconsumed_tail
            if not data and not piece:
                break  # the next bytes are needed
    if inflate is not None and not inflate.eof:
        raise damaged("its compressed data is cut short")
    if made != info.file_size:
        raise damaged(f"it says {info.file_size:,} bytes but unpacks to {made:,}")


def _split_pandoc_meta(markdown: str) -> tuple[dict, str]:
    match = re.match(r"---\n(.*?)\n---\n", markdown, re.DOTALL)
    if not match:
        return {}, markdown
    meta = yaml.safe_load(match.group(1)) or {}
    return (meta if isinstance(meta, dict) else {}), markdown[match.end():]


def _normalise_pandoc(body: str) -> str:
    """Pandoc's Markdown in Diglot's layout: "- " markers, blank lines between items."""
    out: list[str] = []
    fenced = False
    for line in clean_text(body).split("\n"):
        fenced ^= bool(re.match(r"\s*(```|~~~)", line))
        if not fenced:
            if line.strip() == "&nbsp;":
                continue  # pandoc's separator between two adjacent lists
            line = re.sub(r"^(\s*)([-*+]|\d+[.)])[ \t]{2,}(?=\S)", r"\1\2 ", line.rstrip())
            if re.match(r"([-*+]|\d+[.)]) ", line) and out and out[-1].strip():
                out.append("")  # a loose list, as Diglot's sources are written
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def _docx_title(meta: dict, body: str, title: str | None, path: Path) -> tuple[str, str, Guess]:
    """The title and the body without the first heading when that heading is the title."""
    meta_title = str(meta.get("title") or "").strip()
    first = re.match(r"#+ (.+)\n*", body)
    if meta_title:
        found, how = meta_title, "the Word file's title"
    elif first:
        found, how, body = first.group(1).strip(), "the first heading, removed from the body", body[first.end():]
    else:
        found, how = "", ""
    if title:
        return title.strip(), body, Guess(1, "title", f'title set by --title (the document gave "{found}")')
    if not found:
        found, how = path.stem, "the file name: the Word file has no title and starts with no heading"
    return found, body, Guess(1, "title", f'title "{found}" ({how})')


def _docx_guesses(markdown: str) -> list[Guess]:
    guesses, previous = [], ""
    for no, line in enumerate(markdown.split("\n"), 1):
        if "![" in line:
            guesses.append(Guess(no, "image", "image not imported (its file stays in the Word document)"))
        if line.startswith("|") and not previous.startswith("|"):
            guesses.append(Guess(no, "table", "table: Diglot sources have no tables; rewrite it as text or a list"))
        previous = line
    return guesses


def import_docx(path: Path, *, title: str | None = None) -> ImportResult:
    """A Word file through pandoc; headings, lists, footnotes, emphasis and links are kept.

    A Word file has no lines: Guess.line is a line of the produced Markdown.
    """
    path = Path(path)
    check_docx(path)
    meta, body = _split_pandoc_meta(_pandoc_docx(path))
    body = _normalise_pandoc(body)
    found, body, title_guess = _docx_title(meta, body, title, path)
    found, lang = clean_text(found), _guess_lang(found + "\n" + body)
    front = _front_matter(found, lang)
    markdown = f"{front}\n\n{body.strip()}\n" if body.strip() else f"{front}\n"
    guesses = [title_guess, *_lang_guesses(lang), *_docx_guesses(markdown)]
    return ImportResult(markdown, tuple(guesses))


# ---------------------------------------------------------------- reading input files

_BINARY_HINTS = {
    b"%PDF-": "this is a PDF: extract its text first (pdftotext -enc UTF-8 FILE.pdf) and import the .txt",
    b"PK\x03\x04": "this is a ZIP container (a .docx?): give it the .docx extension to import it as Word",
    b"\xd0\xcf\x11\xe0": "this is an old Word/Office file: save it as .docx and import that",
}


def _check_not_binary(data: bytes, path: Path) -> None:
    for magic, hint in _BINARY_HINTS.items():
        if data.startswith(magic):
            raise DiglotError(f"not a text file: {hint}", path)
    controls = sum(1 for b in data[:65536] if b < 32 and b not in b"\t\n\r\f\v\x1b")
    if b"\x00" in data or controls > len(data[:65536]) * 0.05:
        raise DiglotError("not a text file (it holds binary data)", path)


def _looks_chinese(text: str) -> bool:
    """Decoded text reads as Chinese: its non-ASCII is Han/CJK punctuation with common characters."""
    wide = [c for c in text if ord(c) > 127]
    han = [c for c in wide if _HAN_RE.match(c)]
    if len(han) < 8:
        return False  # too little text to tell a right decoding from a wrong one
    cjk_share = sum(1 for c in wide if _CJK_RE.match(c) or c in _SHARED_PUNCT) / len(wide)
    common_share = sum(1 for c in han if c in _COMMON) / len(han)
    return cjk_share >= 0.9 and common_share >= 0.15


def _detect_chinese(data: bytes, path: Path, utf8_error: UnicodeDecodeError) -> tuple[str, Guess]:
    fits = {}
    for codec in ("gb18030", "big5"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _looks_chinese(text):
            fits[codec] = text
    if len(fits) == 1:
        codec, text = next(iter(fits.items()))
        name = "GB18030 (GBK)" if codec == "gb18030" else "Big5"
        return text, Guess(1, "encoding", f"not UTF-8: decoded as {name}; check the Chinese text reads right")
    line = data[: utf8_error.start].count(b"\n") + 1
    if fits:
        raise DiglotError("not UTF-8, and the bytes read as Chinese both as GBK and as Big5: "
                          "pass --encoding gbk or --encoding big5", path, line)
    raise DiglotError(f"not valid UTF-8 (byte 0x{data[utf8_error.start]:02x}) and not recognisably "
                      "GBK or Big5 Chinese: pass --encoding (gbk, big5, …) or save the file as UTF-8", path, line)


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, list[Guess]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding is None:
        encoding = "utf-16"
    if encoding is None:
        try:
            return data.decode("utf-8-sig"), []
        except UnicodeDecodeError as exc:
            text, guess = _detect_chinese(data, path, exc)
            return text, [guess]
    try:
        return data.decode(encoding).lstrip("\ufeff"), []
    except LookupError:
        raise DiglotError(f"unknown encoding '{encoding}' (try utf-8, gbk, gb18030 or big5)", path) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DiglotError(f"not valid {encoding} (byte 0x{data[exc.start]:02x})", path, line) from None


def _wide_unicode(data: bytes, encoding: str | None) -> bool:
    # UTF-16 and UTF-32 text is full of NUL bytes: not a sign of binary data there.
    if encoding is None:
        return data.startswith((b"\xff\xfe", b"\xfe\xff"))
    return re.sub(r"[-_]", "", encoding.lower()).startswith(("utf16", "utf32"))


def _read_with_guesses(path: Path, encoding: str | None) -> tuple[str, list[Guess]]:
    limit = limits.MAX_IMPORT_TEXT_BYTES
    try:
        mode, size = (info := os.stat(path)).st_mode, info.st_size
        if stat.S_ISDIR(mode):
            raise DiglotError("this is a folder, not a file", path)
        if not stat.S_ISREG(mode):  # a FIFO or a device: reading it might never end
            raise DiglotError("not a regular file", path)
        if size <= limit:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
            size = len(data)
    except FileNotFoundError:
        raise DiglotError("no such file", path) from None
    except OSError as exc:
        raise DiglotError(f"cannot read the file: {exc.strerror}", path) from None
    if size > limit:
        raise DiglotError(f"the file is {size:,} bytes; Diglot imports text files up to {limit:,} bytes "
                          f"(a source may hold {limits.MAX_SOURCE_BYTES:,}): split it", path)
    if not data.strip():
        raise DiglotError("the file is empty (nothing but whitespace)", path)
    if not _wide_unicode(data, encoding):
        _check_not_binary(data, path)
    text, guesses = _decode(data, path, encoding)
    if not text.strip("\ufeff \t\r\n\f\v\u3000"):
        raise DiglotError("the file is empty (nothing but whitespace)", path)
    return text, guesses


def read_input(path: Path, encoding: str | None = None) -> str:
    """Decode an input text file: UTF-8 (BOM stripped), else GBK or Big5 when unambiguous."""
    return _read_with_guesses(path, encoding)[0]


# ---------------------------------------------------------------- writing source/<slug>.md


def slugify(stem: str) -> str:
    """A file name stem as a slug: Chinese kept, spaces and punctuation become '-'."""
    slug = re.sub(r"[^\w-]+", "-", stem.strip().lower())
    return re.sub(r"-{2,}", "-", slug).strip("-")


def _check_slug(slug: str, path: Path) -> str:
    if not slug:
        raise DiglotError("cannot make a slug from the file name: pass --slug", path)
    if slug.startswith(".") or ".." in slug or re.search(r"[/\\\s\x00-\x1f]", slug):
        raise DiglotError(f"'{slug}' is not a usable slug: use a plain name like igf-2018 "
                          "(no '/', '..' or spaces)", path)
    return slug


def _write_new(target: Path, text: str, force: bool) -> None:
    """Write atomically: readers see the old file or the whole new one, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        if force:
            os.replace(tmp, target)
        else:
            _link_no_clobber(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _link_no_clobber(tmp: str, target: Path) -> None:
    # A hard link fails if the target appeared meanwhile, unlike os.replace.
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise _exists(target) from None
    except OSError:
        if target.exists():
            raise _exists(target) from None
        os.replace(tmp, target)


def _exists(target: Path) -> DiglotError:
    return DiglotError(f"{target.name} already exists; pass --force to overwrite it", target)


def _import_any(path: Path, title: str | None, encoding: str | None) -> ImportResult:
    if path.suffix.lower() == ".docx":
        if not path.is_file():
            raise DiglotError("not a regular file" if path.exists() else "no such file", path)
        return import_docx(path, title=title)
    text, guesses = _read_with_guesses(path, encoding)
    result = import_text(text, title=title)
    return ImportResult(result.markdown, tuple(guesses) + result.guesses)


def import_file(path: Path, source_dir: Path, *, slug: str | None = None, title: str | None = None,
                encoding: str | None = None, force: bool = False) -> tuple[Path, ImportResult]:
    """Import one file as source_dir/<slug>.md; nothing is written when an error is raised."""
    path = Path(path)
    slug = _check_slug(slug if slug is not None else slugify(path.stem), path)
    target = Path(source_dir) / f"{slug}.md"
    if target.exists() and not force:
        raise _exists(target)
    try:
        result = _import_any(path, title, encoding)
    except DiglotError as exc:
        raise exc.located(path) from None
    size = len(result.markdown.encode("utf-8"))
    if size > limits.MAX_SOURCE_BYTES:
        raise DiglotError(f"the source it makes would be {size:,} bytes; Diglot builds documents up to "
                          f"{limits.MAX_SOURCE_BYTES:,} bytes: split the file and import each part", path)
    _write_new(target, result.markdown, force)
    return target, result


def format_report(path: Path, result: ImportResult) -> str:
    """The guesses as lines "path:line: kind: message", in input order."""
    return "\n".join(f"{path}:{g.line}: {g.kind}: {g.message}" for g in result.guesses)
