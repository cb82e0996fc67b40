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

from .manifest import digest
from .pdf import write_folios, write_pdf_part
from .pdfjoin import join, part_info
from .publish import print_book

#: How often the front matter is laid out again when its page numbers change its own length.
FRONT_ATTEMPTS = 4


def render_part(edition, config, number: int, output, lines=None) -> bytes:
    """Chapter ``number`` (1-based) of the book ``edition``, laid out alone; its paragraphs' lines
    taken from and kept in ``lines`` (a diglot.pdf.LineMemory: the last layout's), if given."""
    chapter = edition.doc.body[number - 1]
    book = print_book(edition, config, part={"front": False, "body": [chapter]})
    return _write(book, config, output, lines=lines)[0]


class _AnyPage(dict):
    """Every anchor's page number is ``number`` (the contents laid out before the parts are known)."""

    def __init__(self, number: int):
        super().__init__()
        self.number = number

    def __contains__(self, anchor) -> bool:
        return True

    def __getitem__(self, anchor) -> int:
        return self.number

    def get(self, anchor, default=None) -> int:
        return self.number


def front_length(edition, config, part: bytes) -> int:
    """How many pages the front matter (title page and contents) will take, laid out with every
    number as wide as the book's last page number will about be (from ``part``'s length, a chapter
    of it): the join's guess when no join before it knows (a first build, --force), made beside
    the other parts instead of after them. Laid out, not written."""
    from .report import Output

    pages = part_info(part).pages * len(edition.doc.body) + 1
    book = print_book(edition, config, part={"front": True}, toc_pages=_AnyPage(pages))
    return _write(book, config, Output(config.output_dir / "front.pdf", edition.doc.lang, "pdf"), 0)[1]


#: What a join lays out besides its parts, kept for the next one: (name, key, PDF), the name
#: "front" (the title page and contents) or "folios" (diglot.pdf.write_folios), the key a digest
#: of everything the piece was laid out from. An edit that moves no page number lays out neither.
Piece = tuple[str, str, bytes]


def join_book(edition, config, parts: list[bytes], output, front_pages: int = 0, layout: str = "",
              pieces: tuple[Piece, ...] = ()) -> tuple[bytes, int, tuple[Piece, ...]]:
    """The book's PDF from its chapters' parts (in order): front matter, blank pages, folios; the
    front matter's length; the pieces laid out anew. ``front_pages``: its length the last time (a
    guess that spares laying it out twice), or 0. ``layout``: the digest of what the pieces are
    laid out with besides their HTML (engines, options, fonts, print templates; plan.Job.layout);
    ``pieces``: the last join's, used again where their key is the same (none without ``layout``)."""
    doc = edition.doc
    infos = [part_info(data) for data in parts]
    recto = bool((doc.book or {}).get("recto"))
    kept = {name: (key, data) for name, key, data in pieces} if layout else {}
    made: list[Piece] = []
    if "front" in kept:  # the last join's front matter: its length is the best guess
        front_pages = part_info(kept["front"][1]).pages
    front_pages, front = front_pages or 2, None  # else the title page and a page of contents
    for attempt in range(FRONT_ATTEMPTS):
        starts, blanks = _layout(front_pages, [info.pages for info in infos], recto)
        toc_pages = {anchor: starts[number] + page + 1 for number, info in enumerate(infos)
                     for anchor, page in info.anchors.items()}
        book = print_book(edition, config, part={"front": True}, toc_pages=toc_pages)
        # Written only when as long as its numbers assumed (the last attempt is written anyway).
        pages = None if attempt == FRONT_ATTEMPTS - 1 else front_pages
        key = digest(layout, "front", book.html, list(book.css), [str(sheet) for sheet in book.sheets])
        if kept.get("front", ("",))[0] == key:
            front, length = kept["front"][1], part_info(kept["front"][1]).pages
            front = front if pages is None or length == pages else None
        else:
            front, length, refused = _write(book, config, output, pages)
            if front is not None and layout and not refused:  # (kept, its warnings would be lost)
                made.append(("front", key, front))
        if front is not None:
            break
        front_pages = length
    front_info = part_info(front)
    folios = list(front_info.folios)
    for number, info in enumerate(infos, start=1):
        folios += [[]] * (number in blanks) + info.folios
    key = digest(layout, "folios", folios, doc.lang, list(book.css), [str(sheet) for sheet in book.sheets])
    if kept.get("folios", ("",))[0] == key:
        layer = kept["folios"][1]
    else:
        layer = write_folios(folios, book.sheets, config.source_dir, book.roots, lang=doc.lang, css_strings=book.css)
        if layout:
            made.append(("folios", key, layer))
    return join(front, parts, blanks, layer), front_info.pages, tuple(made)


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


def _write(book, config, output, pages: int | None = None, lines=None) -> tuple[bytes | None, int, list[str]]:
    data, refused, length = write_pdf_part(book.html, book.sheets, config.source_dir, book.roots,
                                           css_strings=book.css, variant=config.pdf_variant, pages=pages,
                                           lines=lines)
    output.warnings.extend(f"refused to fetch {url}" for url in refused if f"refused to fetch {url}" not in
                           output.warnings)
    return data, length, refused


__all__ = ["Piece", "front_length", "join_book", "render_part"]
