"""A long book laid out in parts: each chapter rendered by a job of its own, the parts joined into one PDF.

One WeasyPrint render is one process on one core, so a long book alone would keep a build
(or a Dask cluster) waiting on one worker. A book's chapters each start a page, so each can be
laid out apart: a part job renders chapter ``n`` (diglot.pdf.write_pdf_part: without its folios,
the only thing on its pages that depends on where it falls in the book), and the join, once every
part is in, renders the front matter (title page and contents) with the page numbers the parts'
page counts give, sets the folios of every page in one render of the page boxes alone
(diglot.pdf.write_folios) and joins it all (diglot.pdfjoin). A chapter that starts on a
right-hand page (book.yaml's recto) gets the blank page before it that a whole render would give.
Which books are laid out so is planning's choice (diglot.plan.split_book): small books, documents
(whose sections do not start a page) and bilingual editions stay one render.
"""

from __future__ import annotations

from .pdf import write_folios, write_pdf_part
from .pdfjoin import join, part_info
from .publish import print_book

#: How often the front matter is laid out again when its page numbers change its own length.
FRONT_ATTEMPTS = 4

def render_part(edition, config, number: int, output) -> bytes:
    """Chapter ``number`` (1-based) of the book ``edition``, laid out alone."""
    chapter = edition.doc.body[number - 1]
    book = print_book(edition, config, part={"front": False, "body": [chapter]})
    return _write(book, config, output)[0]


def join_book(edition, config, parts: list[bytes], output, front_pages: int = 0) -> tuple[bytes, int]:
    """The book's PDF from its chapters' parts (in order): front matter, blank pages, folios; and
    the front matter's length. ``front_pages``: its length the last time (a guess that spares
    laying it out twice), or 0."""
    doc = edition.doc
    infos = [part_info(data) for data in parts]
    recto = bool((doc.book or {}).get("recto"))
    front_pages, front = front_pages or 2, None  # else the title page and a page of contents
    for attempt in range(FRONT_ATTEMPTS):
        starts, blanks = _layout(front_pages, [info.pages for info in infos], recto)
        toc_pages = {anchor: starts[number] + page + 1 for number, info in enumerate(infos)
                     for anchor, page in info.anchors.items()}
        book = print_book(edition, config, part={"front": True}, toc_pages=toc_pages)
        # Written only when as long as its numbers assumed (the last attempt is written anyway).
        front, length = _write(book, config, output, None if attempt == FRONT_ATTEMPTS - 1 else front_pages)
        if front is not None:
            break
        front_pages = length
    front_info = part_info(front)
    folios = list(front_info.folios)
    for number, info in enumerate(infos, start=1):
        folios += [[]] * (number in blanks) + info.folios
    layer = write_folios(folios, book.sheets, config.source_dir, book.roots, lang=doc.lang, css_strings=book.css)
    return join(front, parts, blanks, layer), front_info.pages


def _layout(front_pages: int, counts: list[int], recto: bool) -> tuple[list[int], set[int]]:
    """Where each part starts (0-based page of the book) and before which parts (1-based) a blank
    page goes: with ``recto``, each part starts on a right-hand (odd-numbered) page."""
    starts, blanks, page = [], set(), front_pages
    for number, count in enumerate(counts, start=1):
        if recto and page % 2:
            blanks.add(number)
            page += 1
        starts.append(page)
        page += count
    return starts, blanks


def _write(book, config, output, pages: int | None = None) -> tuple[bytes | None, int]:
    data, refused, length = write_pdf_part(book.html, book.sheets, config.source_dir, book.roots,
                                           css_strings=book.css, variant=config.pdf_variant, pages=pages)
    output.warnings.extend(f"refused to fetch {url}" for url in refused if f"refused to fetch {url}" not in
                           output.warnings)
    return data, length


__all__ = ["join_book", "render_part"]
