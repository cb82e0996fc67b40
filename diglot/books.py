"""Books: a folder of chapter files with a book.yaml, read as one publication and assembled per edition.

In: source/<book>/book.yaml (the book's front matter and its ordered chapters) and the chapter
files it names. Out: a Document of the book's own texts holding each chapter as a Document of
its own (slug <book>/<chapter>, one catalogue each), and, per edition, the assembled Document
the renderers set: a body of one node per chapter, anchors and note labels made unique across
the book, links between chapters (other.md#section) turned into links inside it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from .errors import DiglotError, DiglotErrors
from .model import FOOTNOTE_REF, Document, Meta, Node, Segment

BOOK_FILE = "book.yaml"
#: Chapter numbering: none; 1 2 3; 第一章 / Chapter 1; 第1章 / Chapter 1.
NUMBERING = ("none", "decimal", "chapter", "chapter-digits")
BOOK_KEYS = {"title", "description", "lang", "date", "publisher", "author", "rights", "identifier", "chapters",
             "numbering", "recto"}
CHAPTER_KEYS = {"title", "lang"}
#: A link to another chapter of the book: intro.md, intro.md#setup.
CHAPTER_LINK = re.compile(r"\]\((?:\./)?([^()\s#/]+\.md)(?:#([^()\s]*))?\)")
MAX_CHAPTERS = 500


def is_book(folder: Path) -> bool:
    return (folder / BOOK_FILE).is_file()


def read_book(folder: Path, source_root: Path) -> Document:
    """The book in ``folder``: its own texts (title …) and its chapters; every problem at once."""
    from .source import parse_front_matter_text, read_document, read_text, slug_of, text_fields

    path = folder / BOOK_FILE
    text = read_text(path)
    fields, lines = parse_front_matter_text(text, path, BOOK_KEYS, line_offset=0)
    meta = _book_meta(fields, lines, path)
    options = _options(fields, lines, path)
    segments = text_fields(fields, lines, meta, path)
    errors: list[DiglotError] = []
    chapters = []
    for name, line in _chapter_names(fields, lines, path):
        chapter_path = folder / name
        try:
            if not chapter_path.is_file():
                raise DiglotError(f"chapter {name!r} is not a file of {folder.name}/", path, line)
            chapter = read_document(chapter_path, source_root, inherit=meta, allowed_keys=CHAPTER_KEYS)
            chapters.append(replace(chapter, slug=f"{slug_of(folder)}/{slug_of(chapter_path)}"))
        except DiglotErrors as exc:
            errors.extend(exc.errors)
        except DiglotError as exc:
            errors.append(exc.located(chapter_path))
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    book = Document(path=path, slug=slug_of(folder), lang=meta.lang, meta=meta, segments=tuple(segments),
                    body=(), chapters=tuple(chapters), book=options)
    _check_links(book)
    return book


def _book_meta(fields: dict, lines: dict[str, int], path: Path) -> Meta:
    from .source import meta_from

    if "chapters" not in fields:
        raise DiglotError("book.yaml lacks 'chapters': the list of the book's chapter files, in order", path, 1)
    return meta_from(fields, lines, path, slug=path.parent.name)


def _options(fields: dict, lines: dict[str, int], path: Path) -> dict:
    numbering = fields.get("numbering", "chapter")
    if numbering not in NUMBERING:
        raise DiglotError(f"'numbering' is {numbering!r} (allowed: {', '.join(NUMBERING)})", path,
                          lines.get("numbering"))
    recto = fields.get("recto", False)
    if not isinstance(recto, bool):
        raise DiglotError("'recto' is true or false: whether chapters start on a right-hand page", path,
                          lines.get("recto"))
    return {"numbering": numbering, "recto": recto}


def _chapter_names(fields: dict, lines: dict[str, int], path: Path) -> list[tuple[str, int]]:
    names = fields["chapters"]
    line = lines.get("chapters", 1)
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise DiglotError("'chapters' is a list of the chapter files, e.g. [intro.md, install.md]", path, line)
    if len(names) > MAX_CHAPTERS:
        raise DiglotError(f"{len(names)} chapters; a book holds up to {MAX_CHAPTERS}", path, line)
    out, seen = [], set()
    for offset, name in enumerate(names, start=1):
        if not re.fullmatch(r"[^/\\]+\.md", name) or name.startswith("."):
            raise DiglotError(f"chapter {name!r}: a file name in the book's folder, ending in .md", path, line + offset)
        if name in seen:
            raise DiglotError(f"chapter {name!r} is listed twice", path, line + offset)
        seen.add(name)
        out.append((name, line + offset))
    return out


def _check_links(book: Document) -> None:
    """Every link to another chapter names a chapter of the book, and an anchor it has."""
    anchors = {_stem(ch): {n.anchor for n in _walk(ch.body) if n.anchor} for ch in book.chapters}
    errors = []
    for chapter in book.chapters:
        for seg in chapter.segments:
            for match in CHAPTER_LINK.finditer(seg.text):
                problem = link_problem(match.group(1), match.group(2), anchors)
                if problem:
                    errors.append(DiglotError(problem, chapter.path, seg.line))
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)


def link_problem(name: str, anchor: str | None, anchors: dict[str, set[str]]) -> str | None:
    stem = name[: -len(".md")]
    if stem not in anchors:
        return f"link to {name}: no chapter of this book is called that (chapters: {', '.join(sorted(anchors))})"
    if anchor and anchor not in anchors[stem]:
        return f"link to {name}#{anchor}: {name} has no such section"
    return None


def _stem(chapter: Document) -> str:
    return chapter.slug.rsplit("/", 1)[-1]


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node.children)


# --- one edition of the book ----------------------------------------------------------------------

def assemble(head: Document, chapters: list[Document]) -> Document:
    """The edition the renderers set: the book's texts, then each chapter as a node holding its
    blocks (ids, anchors and note labels prefixed with the chapter, headings one level down,
    links between chapters made links inside the book)."""
    segments = list(head.segments)
    body, footnotes, parts = [], [], []
    for number, chapter in enumerate(chapters, start=1):
        stem, prefix = _stem(chapter), f"ch{number}-"
        parts.append(prefix)
        rename = _Renamer(stem, prefix, f"c{number}.", chapter.path)
        segments += [rename.segment(seg) for seg in chapter.segments if seg.kind not in ("publisher", "author",
                                                                                        "rights", "description")]
        children = tuple(rename.node(node) for node in chapter.body)
        body.append(Node("chapter", segment=f"c{number}.title", children=children, number=number, anchor=stem,
                         label=stem, line=chapter.title.line))
        footnotes += [rename.node(note) for note in chapter.footnotes]
    converted = chapters[0].converted if chapters else head.converted
    return replace(head, segments=tuple(segments), body=tuple(body), footnotes=tuple(footnotes), parts=tuple(parts),
                   chapters=(), converted=converted)


class _Renamer:
    """What a chapter's ids become inside its book."""

    def __init__(self, stem: str, label_prefix: str, id_prefix: str, path: Path):
        self.stem, self.labels, self.ids, self.path = stem, label_prefix, id_prefix, path

    def segment(self, seg: Segment) -> Segment:
        kind = "chapter" if seg.kind == "title" else seg.kind
        return replace(seg, id=self.ids + seg.id, kind=kind, text=self.text(seg.text),
                       source=self.text(seg.source) if seg.source else "", file=str(self.path))

    def text(self, text: str) -> str:
        text = FOOTNOTE_REF.sub(lambda m: f"[^{self.labels}{m.group(1)}]", text)
        text = re.sub(r"\]\(#([^()\s]*)\)", lambda m: f"](#{self.stem}-{m.group(1)})", text)
        return CHAPTER_LINK.sub(lambda m: f"](#{m.group(1)[:-3]}{'-' + m.group(2) if m.group(2) else ''})", text)

    def node(self, node: Node) -> Node:
        changes = {"children": tuple(self.node(child) for child in node.children)}
        for name in ("segment", "alt", "caption"):
            if getattr(node, name):
                changes[name] = self.ids + getattr(node, name)
        if node.anchor:
            changes["anchor"] = f"{self.stem}-{node.anchor}"
        if node.kind == "heading":
            changes["level"] = min(node.level + 1, 6)
        if node.kind == "footnote":
            changes["label"] = self.labels + node.label
        return replace(node, **changes)
