"""The one structure that flows through the stages: a Document of Segments.

A Segment is one translatable block (title, heading, paragraph, footnote
paragraph): one gettext message. Nodes give the block structure (lists,
quotes, footnotes) and point at segments by id, so translating a document
replaces segment texts and leaves the structure alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date as Date
from pathlib import Path

FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")


@dataclass(frozen=True)
class Segment:
    """One translatable block of inline Markdown."""

    id: str
    kind: str  # title | description | heading | paragraph | footnote
    text: str
    line: int  # 1-based line in the source file
    lang: str = ""  # BCP 47 tag of the text as it stands (the source's, until translated)
    source: str = ""  # the source-language text (the msgid)
    fallback: bool = False  # True when the translation was missing or fuzzy
    file: str = ""  # the file the text is in, when not the document's own (a book's chapter)

    @property
    def msgid(self) -> str:
        return self.source or self.text


@dataclass(frozen=True)
class Node:
    """A block of the document's structure."""

    kind: str  # heading | paragraph | list | item | quote | code | rule | footnote | table | row | cell
    #          | figure | deflist | term | definition
    segment: str | None = None  # id of the Segment holding this block's text
    children: tuple["Node", ...] = ()
    level: int = 0  # heading level in the document's outline (1 = its top level, however written)
    ordered: bool = False
    start: int = 1
    label: str = ""  # footnote label; code: the fence's info string
    literal: str = ""  # code block text (never translated)
    line: int = 0
    anchor: str = ""  # headings, tables, figures: an id every edition shares (from the source text)
    checked: bool | None = None  # a task-list item: done or not; None for an ordinary item
    align: str = ""  # a table cell: left | center | right | "" (the reader's default)
    header: bool = False  # a table row (and its cells) of the header
    number: int = 0  # tables and figures: their number in the document
    caption: str | None = None  # tables and figures: the segment of the caption
    alt: str | None = None  # figures: the segment of the text alternative
    src: str = ""  # figures: the image as the source names it
    image: object = None  # figures: the checked media.Image (None when not checked)

    @property
    def segments(self) -> tuple[str, ...]:
        """Every segment this node and its descendants hold, in reading order."""
        own = tuple(s for s in (self.segment, self.alt, self.caption) if s)
        return own + tuple(seg for child in self.children for seg in child.segments)


@dataclass(frozen=True)
class Meta:
    """Front matter that is not text to translate (title, description, publisher, author and
    rights are segments)."""

    lang: str  # the source language: BCP 47
    identifier: str
    date: Date | None = None
    date_text: str = ""  # as written: 2018, 2018-11 or 2018-11-14
    #: field → language → text given in the front matter for that language ({publisher: {en: …}})
    given: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    path: Path
    slug: str
    lang: str
    meta: Meta
    segments: tuple[Segment, ...]
    body: tuple[Node, ...]
    footnotes: tuple[Node, ...] = ()
    #: Name of the conversion already applied (e.g. "opencc:s2twp"); guards against twice.
    converted: str = ""
    #: What the source does that a reader would not see (path:line messages), e.g. an unused note.
    warnings: tuple[str, ...] = ()
    #: A book: its chapters as read (one Document each, slug <book>/<chapter>). Its editions are
    #: assembled from theirs (diglot.books) into one Document whose body is a node per chapter.
    chapters: tuple["Document", ...] = ()
    #: An assembled book: each chapter's prefix of its footnote labels; notes are numbered per chapter.
    parts: tuple[str, ...] = ()
    #: A book's options (book.yaml): chapter numbering, chapters on a right-hand page.
    book: dict = field(default_factory=dict, compare=False)

    def segment(self, seg_id: str) -> Segment:
        return self._index()[seg_id]

    def _index(self) -> dict[str, Segment]:
        index = self.__dict__.get("_segment_index")
        if index is None:
            index = {s.id: s for s in self.segments}
            object.__setattr__(self, "_segment_index", index)
        return index

    @property
    def title(self) -> Segment:
        return self.segment("title")

    @property
    def description(self) -> Segment | None:
        return self._index().get("description")

    def field(self, name: str) -> Segment | None:
        """A front matter text (publisher, author, rights) in this edition, or None."""
        return self._index().get(name)

    def field_text(self, name: str) -> str:
        """That text as a reader sees it (inline Markdown and note calls removed)."""
        seg = self.field(name)
        return plain_title(seg.text) if seg is not None else ""

    def footnote_numbers(self) -> dict[str, int]:
        """Footnote label → number, in order of first reference (title first); in a book,
        numbered afresh in each chapter."""
        numbers: dict[str, int] = {}
        counts: dict[str, int] = {}

        def number(label: str) -> None:
            if label not in numbers:
                group = next((p for p in self.parts if label.startswith(p)), "")
                counts[group] = counts.get(group, 0) + 1
                numbers[label] = counts[group]

        for seg in self.segments:
            if seg.kind in ("footnote", "publisher", "author", "rights"):
                continue
            for label in FOOTNOTE_REF.findall(seg.source or seg.text):  # the source's order: every edition's
                number(label)
        for note in self.footnotes:
            number(note.label)
        return numbers

    def with_segments(self, segments: list[Segment] | tuple[Segment, ...], **changes) -> "Document":
        return replace(self, segments=tuple(segments), **changes)

    def fallbacks(self) -> list[Segment]:
        return [s for s in self.segments if s.fallback]


def plain_title(text: str) -> str:
    """A title for metadata: footnote calls and inline Markdown markers removed."""
    text = FOOTNOTE_REF.sub("", text)
    return re.sub(r"[*_`]", "", text).strip()
