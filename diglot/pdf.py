"""HTML + CSS → PDF with WeasyPrint: the only module that imports it.

WeasyPrint would fetch any URL it meets (file://, http://) and embed
``rel=attachment`` targets; our fetcher serves files below the allowed roots
and refuses everything else, recording what it refused. While Diglot renders, WeasyPrint's
layout is corrected (``book_layout``): Chinese lines are adjusted in clreq's order and justified
between characters, Latin paragraphs are broken as a whole, footnotes stay on their call's page,
and structure elements carry their language. The fonts of the PDF are then cut down
(diglot.pdffonts).
"""

from __future__ import annotations

import inspect
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urlparse

from .errors import DiglotError
from .manifest import digest
from .pdffonts import shrink_fonts
from .typography import (
    CLOSING, OPENING, STOPS, compression_rank, count_cjk, count_cjk_letters, is_cjk, is_cjk_language,
)

log = logging.getLogger("diglot.pdf")


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ConfinedFetcher(URLFetcher):
        """Serve ``file:`` URLs below ``roots``; refuse the network and the rest of the disk."""

        def __init__(self, roots: list[Path]):
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.roots = [root.resolve() for root in roots]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            path = Path(unquote(parsed.path)).resolve() if parsed.scheme == "file" else None
            if path is None or not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
                self.refused.append(url)
                log.warning("refused to fetch %s (only files inside the project are used)", url)
                raise ValueError(f"Diglot refused to fetch {url}")
            data = path.read_bytes()
            if path.suffix.lower() == ".svg":  # an SVG figure: only what media allows of it
                from .media import sanitize_svg

                data = sanitize_svg(data, path.name)
            return URLFetcherResponse(url, data)

    return ConfinedFetcher


def _document(html: str, stylesheets: list[Path], base_dir: Path, roots: list[Path], css_strings=()):
    """WeasyPrint's document and style sheets for ``html``, every fetch through one confined
    fetcher (returned too: it lists what it refused)."""
    from weasyprint import CSS, HTML

    fetcher = _fetcher_class()(roots)
    document = HTML(string=html, base_url=str(base_dir) + "/", url_fetcher=fetcher)
    css = [CSS(string=path.read_text(encoding="utf-8"), base_url=str(path.parent) + "/", url_fetcher=fetcher)
           for path in stylesheets]
    css += [CSS(string=text, base_url=str(base_dir) + "/", url_fetcher=fetcher) for text in css_strings]
    return document, css, fetcher


def write_pdf(html: str, stylesheets: list[Path], base_dir: Path, roots: list[Path], *,
              variant: str | None = "pdf/ua-1", css_strings: tuple[str, ...] = (),
              **options) -> tuple[bytes, list[str]]:
    """Render ``html`` to PDF bytes; return them and the URLs that were refused.

    ``css_strings`` are generated style sheets (page geometry), applied after ``stylesheets``.
    The embedded fonts are then cut to the glyphs the pages show (diglot.pdffonts).
    """
    document, css, fetcher = _document(html, stylesheets, base_dir, roots, css_strings)
    with book_layout():
        pdf = document.write_pdf(stylesheets=css, pdf_variant=variant, **options)
    return shrink_fonts(pdf), fetcher.refused


#: The catalogue entry of a part's PDF (diglot/parts.py) saying what the join needs: the page-number
#: margin boxes each page had (set again on the joined pages), and the anchors it only links to.
PART_KEY = "/DiglotPart"


def write_pdf_part(html: str, stylesheets: list[Path], base_dir: Path, roots: list[Path], *,
                   variant: str | None = "pdf/ua-1", css_strings: tuple[str, ...] = (),
                   pages: int | None = None, lines: LineMemory | None = None) -> tuple[bytes | None, list[str], int]:
    """One part of a book laid out apart (diglot/parts.py): ``write_pdf``, less what depends on where
    the part falls in the book. Margin boxes showing a page counter (folios) are left out, each page
    noting which it had (the join sets them with the book's numbers); links to anchors of other
    parts are kept, to a stand-in anchor on the first page that the join replaces with the real one.
    With ``pages``, a layout of another length is not written (None): the front matter whose page
    numbers assumed its length is laid out again. ``lines``: the paragraphs' lines are taken from and
    kept in it (LineMemory). Returns the PDF, the refused URLs, the length."""
    import json

    import pydyf

    document, css, fetcher = _document(html, stylesheets, base_dir, roots, css_strings)
    with book_layout(), remembered_lines(lines):
        rendered = document.render(stylesheets=css, pdf_variant=variant)
        if pages is not None and len(rendered.pages) != pages:
            return None, fetcher.refused, len(rendered.pages)
        folios = [_take_folios(page) for page in rendered.pages]
        borrowed = _borrow_anchors(rendered.pages)
        info = json.dumps({"folios": folios, "borrowed": borrowed}, ensure_ascii=False)

        def finish(_document, pdf) -> None:
            pdf.catalog[PART_KEY[1:]] = pydyf.String(info)

        pdf = rendered.write_pdf(pdf_variant=variant, finisher=finish)
    # Fonts are cut once, in the join (pdffonts.merge_fonts): the parts' subsets of a face keep
    # WeasyPrint's glyph ids, so that they can be merged into one.
    return pdf, fetcher.refused, len(rendered.pages)


def _take_folios(page) -> list[str]:
    """Remove the page's margin boxes that show a page counter; return their names (@bottom-center)."""
    from weasyprint.formatting_structure import boxes

    box = page._page_box
    taken = [child for child in box.children if isinstance(child, boxes.MarginBox) and _counts_pages(child)]
    box.children = [child for child in box.children if all(child is not other for other in taken)]
    return [child.at_keyword for child in taken]


def _counts_pages(margin_box) -> bool:
    content = margin_box.style["content"]
    if content in ("normal", "none") or not margin_box.children:
        return False
    return any(kind in ("counter()", "counters()") and value[0] in ("page", "pages") for kind, value in content)


def _borrow_anchors(pages) -> list[str]:
    """Anchors this part links to but does not hold: a stand-in on its first page keeps the links
    (WeasyPrint drops a link to a missing anchor); the join points them at the real ones."""
    held = {name for page in pages for name in page.anchors}
    wanted = dict.fromkeys(target for page in pages for kind, target, _rect, _box in page.links
                           if kind == "internal" and target not in held)
    if pages:
        for name in wanted:
            pages[0].anchors[name] = (0, 0, 0, 0)
    return list(wanted)


def write_folios(pages: list[list[str]], stylesheets: list[Path], base_dir: Path, roots: list[Path], *,
                 lang: str, css_strings: tuple[str, ...] = ()) -> bytes:
    """The folios of a joined book: one page per page of the book, each showing only the page-counter
    margin boxes ``pages`` names for it (the ones write_pdf_part took away), with the book's own
    page rules, so that they are set where, and as, a whole render sets them."""
    from weasyprint.formatting_structure import boxes

    blank = '<div style="break-after: page"></div>'
    html = f'<!DOCTYPE html><html lang="{lang}"><body>{blank * (len(pages) - 1)}<div></div></body></html>'
    document, css, _fetcher = _document(html, stylesheets, base_dir, roots, css_strings)
    with book_layout():  # (as the folios of a whole render are set; and its fonts subset as the parts')
        rendered = document.render(stylesheets=css)
        for page, wanted in zip(rendered.pages, pages):
            box = page._page_box
            box.children = [child for child in box.children if not isinstance(child, boxes.MarginBox)
                            or (child.at_keyword in wanted and _counts_pages(child))]
        return rendered.write_pdf()  # its fonts are merged with the parts' (pdffonts.merge_fonts)


def weasyprint_version() -> str:
    import weasyprint

    return weasyprint.__version__


#: Whether this process (or the fork server it was forked from: diglot.preload) has warmed up.
WARM = False


def warm_up(langs=None) -> None:
    """Import WeasyPrint and load the faces of ``langs`` (the default languages) once (worker start-up)."""
    global WARM
    from weasyprint import HTML

    from .fonts import css_stack
    from .languages import DEFAULT_LANGUAGES

    paragraphs = "".join(f'<p lang="{tag}" style=\'font-family: {css_stack(tag, "serif")}\'>网络 網路 Net</p>'
                         for tag in langs or DEFAULT_LANGUAGES)
    HTML(string=paragraphs).write_pdf()
    WARM = True


# --- corrections to WeasyPrint's layout -------------------------------------------------------
#
# 1. Inter-character justification. WeasyPrint 70 implements `text-align: justify` in
#    layout/inline.py: justify_line() counts the spaces of a line and add_word_spacing()
#    widens each by the same amount, which Layout.set_text() (text/line_break.py) turns into
#    Pango letter-spacing on the spaces when the line is drawn. A Chinese line has no spaces,
#    so it stays ragged, and `text-justify` is not implemented. The replacement gives every
#    full-width character (Han, kana, CJK punctuation) half a unit of expansion on each side,
#    like browsers' `text-justify: auto` for CJK (CSS Text 3 §7.1), spaces keeping theirs:
#    inside one text box, Pango letter-spacing on the full-width characters does it (Pango
#    drops the outer halves at the box's edges); between boxes (squeezed marks, Western runs,
#    footnote calls are boxes of their own) the dropped halves are given back by shifting the
#    following boxes. A Latin line's slack goes to its word spaces up to half an em, then to a
#    little tracking (Pango letter-spacing on all its characters), then to the spaces again.
#
# 2. Footnotes stay with their calls. When a line overflows the page, WeasyPrint 66+
#    (layout/block.py, _linebox_layout, PR #2437) first moves the page's footnotes to the
#    next page to make room for it, even notes whose calls stay on this page, and keeps them
#    moved when that does not help. With that one step disabled the line goes to the next
#    page instead (WeasyPrint's earlier behaviour); `footnote-policy: line` in book.css does
#    the same for a call whose own note does not fit.
#
# 3. Lines chosen per paragraph. WeasyPrint breaks each line greedily and then only stretches
#    it. split_inline_box is replaced at the line level: for each starting point a few candidate
#    lines are laid out by WeasyPrint itself (at other widths, with or without hyphenation) and
#    costed, and the cheapest way to the paragraph's end is taken (a small Knuth–Plass,
#    remembered per paragraph). Chinese, in clreq's order (§3.8; w3c/clreq#255): a line laid out
#    one or two em past the measure keeps what came in when setting full-width marks half width
#    takes it back (the font's `halt` feature through a Pango attribute: the line-end mark first,
#    then brackets and quotes, pause marks, stops), else it is stretched between characters; a
#    line-end mark is set half width with its blank past the margin, so that its ink meets it,
#    while the stretch stays under 0.03 em; a one-character last line (题。) takes a second
#    character from the line above when that one then stretches little (the tail rule). Latin:
#    spaces between 0.18 and 0.5 em, hyphens dear, never more than two in a row; ragged lines of
#    even length where the text is not justified. A candidate that can only be the natural line
#    again (no hyphen to leave out, a shorter measure the natural line already fits) is not laid
#    out (LEAVE_OUT_COPIES).
#
# 4. Languages in the structure tree. WeasyPrint 70 (pdf/tags.py, _build_box_tree) gives the
#    document its /Lang but no structure element its own: the English half of a bilingual page,
#    or a paragraph that falls back to the source language, would be read out in the document's
#    language. Each element whose box's language differs from its parent element's gets /Lang.
#
# 5. One text box per leader. WeasyPrint 70 (layout/leader.py, handle_leader) fills a leader
#    with one copy of its text box per repetition, set from the line's right edge (so that the
#    dots of every entry line up), and each copy is drawn as a text object of its own: a
#    contents page of 200 entries was 20,000 of them, most of the time of its render and of
#    the book's PDF size. The copies, side by side, are made one box of the text repeated, at
#    the leftmost copy's place: the same glyphs at the same positions, one text object.
#
# 6. Compact font subsets. WeasyPrint 70 (pdf/fonts.py, Font._harfbuzz_subset) subsets each
#    font with HarfBuzz keeping glyph ids, so that the glyph ids it writes in the pages stay
#    valid: a Noto CJK subset of 600 glyphs keeps 63,000 empty slots, which diglot.pdffonts then
#    had fontTools cut away, and a book joined from parts had to load each part's. In a CID-keyed
#    CFF font whose glyph ids are its CIDs (Noto CJK, Source Han) HarfBuzz is asked for the glyphs
#    alone: they keep their CIDs, which is what a PDF reader looks a code up by once the font is
#    embedded bare (diglot.pdffonts). Any other font, or a subset whose glyphs would not be found
#    by their codes, is subset as WeasyPrint does it.
#
# All replace module attributes for the duration of one render only, and check the
# WeasyPrint version they were written against: layout internals are not a public API.

#: The WeasyPrint release whose justify_line / add_word_spacing / Layout.set_text / _linebox_layout /
#: split_inline_box / tags._build_box_tree / leader.handle_leader / fonts.Font._harfbuzz_subset were read.
PATCHED_WEASYPRINT = "70.0"
_FOOTNOTE_REPORT = "report = not context.in_column and can_break_now and not could_break_before"

_patch_lock = threading.Lock()


def check_weasyprint_version(version: str | None = None) -> None:
    """Refuse a WeasyPrint whose layout internals the corrections were not checked against."""
    if version is None:
        version = weasyprint_version()
    if version != PATCHED_WEASYPRINT:
        raise DiglotError(
            f"WeasyPrint {version} is installed, but Diglot's corrections to its layout (Chinese "
            f"justification, footnote placement: diglot/pdf.py, book_layout) were written for "
            f"WeasyPrint {PATCHED_WEASYPRINT}; install weasyprint=={PATCHED_WEASYPRINT}, or compare "
            f"weasyprint/layout/inline.py (justify_line, add_word_spacing, split_inline_box), "
            f"weasyprint/text/line_break.py (Layout.set_text), weasyprint/layout/block.py "
            f"(_linebox_layout) and weasyprint/pdf/tags.py (_build_box_tree) with the corrections "
            f"and update PATCHED_WEASYPRINT")


@contextmanager
def book_layout() -> Iterator[None]:
    """Within the block, WeasyPrint sets lines as Diglot's books want them (see above)."""
    from weasyprint.layout import block, inline
    from weasyprint.pdf import fonts, tags
    from weasyprint.text import line_break

    check_weasyprint_version()
    linebox_layout = _linebox_layout_keeping_footnotes()
    with _patch_lock:  # the corrections are process-wide: one render at a time
        saved = (inline.justify_line, line_break.Layout.set_text, block._linebox_layout, inline.split_inline_box,
                 tags._build_box_tree, inline.handle_leader, fonts.Font._harfbuzz_subset)
        inline.justify_line = _justify_line(saved[0])
        line_break.Layout.set_text = _set_text(saved[1])
        block._linebox_layout = linebox_layout
        inline.split_inline_box = _split_line(saved[3])
        tags._build_box_tree = _tag_languages(saved[4])
        inline.handle_leader = _one_leader_box(saved[5])
        fonts.Font._harfbuzz_subset = _compact_cid_subset(saved[6])
        try:
            yield
        finally:
            (inline.justify_line, line_break.Layout.set_text, block._linebox_layout, inline.split_inline_box,
             tags._build_box_tree, inline.handle_leader, fonts.Font._harfbuzz_subset) = saved


def _compact_cid_subset(original: Callable) -> Callable:
    """Font._harfbuzz_subset, a CID-keyed CFF font's subset holding its glyphs alone (see 6. above)."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    from .pdffonts import ids_are_cids, is_cid_subset

    drop = tuple(harfbuzz.hb_tag_from_string(name, -1) for name in (
        b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG "))

    def subset(self, to_unicode, hinting) -> None:
        if self.missing or "CFF " not in self.tables or not ids_are_cids(self.file_content, self.index):
            return original(self, to_unicode, hinting)  # (missing: WeasyPrint's own codes, past the font's)
        glyphs = sorted(set(to_unicode) | {0})
        plan = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
        harfbuzz.hb_set_add_sorted_array(harfbuzz_subset.hb_subset_input_glyph_set(plan),
                                         ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs))
        flags = harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        if not hinting:
            flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
        harfbuzz_subset.hb_subset_input_set_flags(plan, flags)
        harfbuzz.hb_set_add_sorted_array(
            harfbuzz_subset.hb_subset_input_set(plan, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
            ffi.new(f"hb_codepoint_t[{len(drop)}]", drop), len(drop))
        face = harfbuzz_subset.hb_subset_or_fail(self.hb_face, plan)
        content = get_hb_object_data(face) if face != ffi.NULL else None
        if face != ffi.NULL:
            harfbuzz.hb_face_destroy(face)
        if not content or not is_cid_subset(content, glyphs):
            return original(self, to_unicode, hinting)
        self.file_content = content
        return None

    return subset


def _one_leader_box(original: Callable) -> Callable:
    """handle_leader, its copies of the leader's text box made one box (see 5. above)."""
    from weasyprint.layout.inline import split_text_box
    from weasyprint.layout.leader import leader_index

    def handle_leader(context, line, containing_block) -> None:
        original(context, line, containing_block)
        _index, leader = leader_index(line)
        copies = leader.children if leader is not None else ()
        if len(copies) < 2 or any(copy.text != copies[0].text for copy in copies):
            return
        leftmost = min(copies, key=lambda copy: copy.position_x)
        joined, _skip, _break = split_text_box(context, leftmost.copy_with_text(leftmost.text * len(copies)),
                                               float("inf"), 0, is_line_start=False)
        if joined is None:
            return
        joined.position_x, joined.position_y = leftmost.position_x, leftmost.position_y
        leader.children = (joined,)

    return handle_leader


@lru_cache(maxsize=None)
def _linebox_layout_keeping_footnotes() -> Callable:
    """WeasyPrint's _linebox_layout, without the step that moves placed footnotes away."""
    from weasyprint.layout import block

    source = inspect.getsource(block._linebox_layout)
    if source.count(_FOOTNOTE_REPORT) != 1:
        raise DiglotError(f"weasyprint/layout/block.py: _linebox_layout no longer contains "
                          f"'{_FOOTNOTE_REPORT}'; update diglot/pdf.py (book_layout)")
    namespace: dict = {}
    code = compile(source.replace(_FOOTNOTE_REPORT, "report = False"), block.__file__, "exec")
    exec(code, vars(block), namespace)  # noqa: S102 - WeasyPrint's own source, one line changed
    return namespace["_linebox_layout"]


def _justify_line(original: Callable) -> Callable:
    def justify_line(context, line, extra_width: float) -> None:
        if line.style["direction"] == "rtl":
            return original(context, line, extra_width)
        spaces, units = _opportunities(line)
        if units:  # Chinese: the same expansion at every opportunity
            spacing = extra_width / (spaces + units)
            _expand(context, line, _Expansion(spacing, spacing, is_cjk), 0.0, _Cursor())
            return None
        letters = _latin_letters(line)
        if not spaces and not letters:
            return original(context, line, extra_width)
        word, letter = _latin_split(extra_width, spaces, letters, _space_width(line.style, context), line.style)
        _expand(context, line, _Expansion(word, letter, _is_letter), 0.0, _Cursor())
        return None

    return justify_line


@dataclass(frozen=True)
class _Expansion:
    """What a justified line adds: to each word space, and around each character ``expands``."""

    word: float
    letter: float
    expands: Callable[[str], bool]


def _is_letter(char: str) -> bool:
    return not char.isspace() and char != "\u00ad"


def _latin_letters(line) -> int:
    """Tracking opportunities of a Latin line: its characters, less the halves at its two ends."""
    from weasyprint.formatting_structure import boxes

    leaves = list(_leaves(line))
    count = sum(sum(map(_is_letter, leaf.text)) for leaf in leaves if isinstance(leaf, boxes.TextBox))
    if not count:
        return 0
    return count - (_is_letter(_edges(leaves[0])[0]) + _is_letter(_edges(leaves[-1])[1])) / 2


def _latin_split(slack: float, spaces: int, letters: float, space: float, style) -> tuple[float, float]:
    """How a Latin line's slack is shared: word spaces up to MAX_SPACE, then tracking up to
    TRACKING, then the word spaces again (as InDesign's justification settings do)."""
    em = style["font_size"]
    if slack <= 0 or not letters:
        return (slack / spaces if spaces else 0.0), 0.0
    # (Tracking widens the gaps between words too, by its own amount: keep them under MAX_SPACE.)
    word = min(slack / spaces, max((MAX_SPACE - TRACKING) * em - space, 0.0)) if spaces else 0.0
    letter = min((slack - word * spaces) / letters, TRACKING * em)
    if spaces:
        word = (slack - letter * letters) / spaces
    return word, letter


def _set_text(original: Callable) -> Callable:
    def set_text(self, text: str, justify: bool = False) -> None:
        original(self, text, justify)
        spacing = getattr(self, "diglot_letter_spacing", None) if justify else None
        halves = getattr(self, "diglot_halt", ())
        if (spacing or halves) and self.text:
            _decorate(self, spacing, halves)

    return set_text


def _decorate(layout, spacing: tuple[float, Callable] | None, halves: tuple[tuple[int, int], ...]) -> None:
    """Pango letter-spacing (``spacing``: the amount, and which characters take it) on each run of
    such characters of ``layout``'s text, and the `halt` feature (half-width mark) on the byte
    ranges ``halves``."""
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    attributes = pango.pango_layout_get_attributes(layout.layout)
    if attributes == ffi.NULL:
        attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    if spacing and spacing[0]:
        base = layout.style["letter_spacing"]
        value = int(((0 if base == "normal" else base) + spacing[0]) * TO_UNITS)
        for start, end in _byte_ranges(layout.text, spacing[1]):
            attribute = pango.pango_attr_letter_spacing_new(value)
            attribute.start_index, attribute.end_index = start, end
            pango.pango_attr_list_change(attributes, attribute)
    for start, end in halves:
        attribute = pango.pango_attr_font_features_new(b"halt 1")
        attribute.start_index, attribute.end_index = start, end
        pango.pango_attr_list_change(attributes, attribute)
    pango.pango_layout_set_attributes(layout.layout, attributes)


def _byte_ranges(text: str, expands: Callable[[str], bool]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    offset = 0
    for char in text:
        size = len(char.encode())
        if expands(char):
            if ranges and ranges[-1][1] == offset:
                ranges[-1] = (ranges[-1][0], offset + size)
            else:
                ranges.append((offset, offset + size))
        offset += size
    return ranges


def _leaves(box) -> Iterator:
    """The line's text and atomic boxes in order (normal flow only, as WeasyPrint justifies)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _leaves(child)
    elif not isinstance(box, boxes.TextBox) or box.text:
        yield box


def _edges(box) -> tuple[str, str]:
    from weasyprint.formatting_structure import boxes

    return (box.text[0], box.text[-1]) if isinstance(box, boxes.TextBox) else ("\ufffc", "\ufffc")


def _opportunities(line) -> tuple[int, float]:
    """Spaces, and expansion units around full-width characters (one per character, minus the
    halves at the line's two ends), of the boxes _expand() will move."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.inline import count_expandable_spaces

    leaves = list(_leaves(line))
    texts = [leaf for leaf in leaves if isinstance(leaf, boxes.TextBox)]
    spaces = sum(count_expandable_spaces(leaf) for leaf in texts)
    count = sum(count_cjk(leaf.text) for leaf in texts)
    if not count:
        return spaces, 0.0
    return spaces, count - (is_cjk(_edges(leaves[0])[0]) + is_cjk(_edges(leaves[-1])[1])) / 2


@dataclass
class _Cursor:
    previous: str | None = None  # last character of the previous box on the line


def _expand(context, box, expansion: _Expansion, x_advance: float, cursor: _Cursor) -> float:
    """add_word_spacing() of WeasyPrint 70, plus letter-spacing around the characters that
    ``expansion`` expands (full-width ones in Chinese, all in tracked Latin lines)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.inline import count_expandable_spaces
    from weasyprint.text.line_break import create_layout

    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _expand(context, child, expansion, x_advance, cursor)
        box.width += x_advance - before
        return x_advance
    if isinstance(box, boxes.TextBox) and not box.text:
        box.position_x += x_advance
        return x_advance
    expands, letter = expansion.expands, expansion.letter
    first, last = _edges(box)
    if cursor.previous is not None:  # the halves Pango dropped at the boxes' edges
        x_advance += letter * (expands(cursor.previous) + expands(first)) / 2
    cursor.previous = last
    if not isinstance(box, boxes.TextBox):  # atomic inline-level box
        box.translate(x_advance, 0)
        return x_advance
    box.position_x += x_advance
    spaces = count_expandable_spaces(box)
    count = sum(map(expands, box.text)) if letter else 0
    if spaces or count:
        layout = create_layout(box.text, box.style, context, max_width=None,
                               justification_spacing=expansion.word)
        layout.diglot_letter_spacing = (letter, expands) if count else None
        layout.diglot_halt = getattr(box.pango_layout, "diglot_halt", ())
        layout.deactivate()
        extra = expansion.word * spaces
        if count:
            extra += letter * (count - (expands(first) + expands(last)) / 2)
        box.justification_spacing = expansion.word
        box.pango_layout = layout
        box.width += extra
        x_advance += extra
    return x_advance


# --- lines remembered between builds (3.) ----------------------------------------------------------

#: Bump when the breakers would choose other lines for the same paragraph (their constants are
#: part of the key already): remembered choices from another version are then not used.
LINES_FORMAT = "diglot-lines/1"
#: The computed properties of a paragraph's boxes that its lines depend on (with their texts and
#: the measure): a paragraph whose boxes agree on all of them is laid out the same way again.
LINE_PROPERTIES = (
    "font_family", "font_size", "font_style", "font_weight", "font_stretch", "font_variant_ligatures",
    "font_variant_position", "font_variant_caps", "font_variant_numeric", "font_variant_alternates",
    "font_variant_east_asian", "font_feature_settings", "font_variation_settings", "font_kerning",
    "font_language_override", "letter_spacing", "word_spacing", "text_indent", "text_transform", "hyphens",
    "hyphenate_character", "hyphenate_limit_chars", "hyphenate_limit_zone", "lang", "white_space",
    "overflow_wrap", "word_break", "tab_size", "text_align_all", "text_align_last", "direction",
    "unicode_bidi", "display", "float", "position", "margin_left", "margin_right", "padding_left",
    "padding_right", "border_left_width", "border_right_width", "border_left_style", "border_right_style",
    "vertical_align", "line_height")


class LineMemory:
    """The lines chosen for each paragraph of a layout, kept for the next layout of the same part
    (diglot/parts.py): a paragraph whose text, computed styles and measure are the same is set on
    the same path without weighing every candidate line again (a chapter laid out again after an
    edit to one paragraph: the others' lines as they were, a third of the layout's time). Keyed
    by ``key`` (the fonts, engines and templates the part is laid out with: plan.Job.layout) and
    the breakers' own settings; any other key, or a file that is not one, is no memory at all."""

    def __init__(self, key: str, data: bytes = b""):
        import json

        self.key = digest(LINES_FORMAT, key, _breaker_settings())
        self.given: dict[str, dict] = {}
        self.paths: dict[str, tuple[list[dict], set]] = {}  # paragraph → (its breakers' memos, its lines made)
        try:
            stored = json.loads(data) if data else {}
        except ValueError:
            stored = {}
        if isinstance(stored, dict) and stored.get("key") == self.key and isinstance(stored.get("lines"), dict):
            self.given = stored["lines"]

    def paragraph(self, memo: dict, paragraph: str | None, choices: tuple[str, ...]) -> set | None:
        """Fill ``memo`` (a breaker's, choosing among ``choices``) with the paragraph's remembered
        lines; returns the set the starts of the lines it makes go in (None: not remembered)."""
        if paragraph is None:
            return None
        remembered = self.given.get(paragraph)
        for key, value in (remembered.items() if isinstance(remembered, dict) else ()):
            run, _, skip = key.partition("|")
            if _remembered_line(value, choices) and run.isdigit():
                choice, cost, after = value
                memo[(skip, int(run))] = (choice, cost, tuple(after) if after is not None else None)
        memos, used = self.paths.setdefault(paragraph, ([], set()))  # (laid out again: on the next page)
        memos.append(memo)
        return used

    def dumps(self) -> bytes:
        """The lines made, as the next layout reads them (``data``)."""
        import json

        lines = {}
        for paragraph, (memos, used) in self.paths.items():
            merged = {key: value for memo in reversed(memos) for key, value in memo.items()}
            made = {f"{run}|{skip}": merged[skip, run] for skip, run in sorted(used) if (skip, run) in merged}
            if made:
                lines[paragraph] = made
        return json.dumps({"key": self.key, "lines": lines}, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _remembered_line(value, choices: tuple[str, ...]) -> bool:
    """A remembered line's shape: [choice, cost, [next start, hyphen run] or null]."""
    if not (isinstance(value, list) and len(value) == 3 and value[0] in choices
            and isinstance(value[1], (int, float)) and not isinstance(value[1], bool)):
        return False
    after = value[2]
    return after is None or (isinstance(after, list) and len(after) == 2 and isinstance(after[0], (str, type(None)))
                             and isinstance(after[1], int) and not isinstance(after[1], bool))


_LINES: LineMemory | None = None


@contextmanager
def remembered_lines(memory: LineMemory | None) -> Iterator[None]:
    """Within the block, paragraphs' lines are taken from and kept in ``memory`` (None: neither)."""
    global _LINES
    _LINES = memory
    try:
        yield
    finally:
        _LINES = None


def _breaker_settings() -> str:
    return repr((CHOICES, STRETCH_LIMIT, HALF, SPACED_COST, LONE_COST, PUSH_IN_COST, MIN_SPACE, MAX_SPACE,
                 SHRINK_ROOM, MAX_HYPHENS, HYPHEN_COST, RAGGED_HYPHEN_COST, TRACKING, TRACKING_COST,
                 LEAVE_OUT_COPIES, _LatinBreaks.CHOICES, _RaggedBreaks.CHOICES, LINE_PROPERTIES))


def _paragraph_key(box, breaker: str, width: float) -> str | None:
    """What the lines of the paragraph ``box`` (a LineBox) depend on, hashed: its boxes' texts and
    LINE_PROPERTIES, the breaker and the measure. None when it holds anything else (an image, an
    inline block: sizes of their own), which is then always weighed anew."""
    from weasyprint.formatting_structure import boxes

    parts: list = [breaker, width]
    stack = [box]
    while stack:
        item = stack.pop()
        style = tuple(repr(item.style[name]) for name in LINE_PROPERTIES)
        if isinstance(item, boxes.TextBox):
            parts.append(("text", item.text, style))
        elif type(item) in (boxes.LineBox, boxes.InlineBox):
            parts.append((type(item).__name__, item.element_tag, bool(getattr(item, "is_leader", False)),
                          len(item.children), style))
            stack.extend(reversed(item.children))
        else:
            return None
    return digest(repr(parts))


# --- Chinese line adjustment (3.) ----------------------------------------------------------------

#: The choices for each line: laid out one or two em past the measure, then compressed back
#: (push-in, P1 P2); at the measure (natural, N); one character short of it (push-out, O).
CHOICES = ("P1", "P2", "N", "O")
#: Stretch between characters above which a line counts as spaced out (em); the line-end mark is
#: set half width, and the tail rule applied, only while the stretch stays at or under it.
STRETCH_LIMIT = 0.03
#: A half-width mark saves half an em (Noto CJK's halt); used to plan, then measured exactly.
HALF = 0.5
#: Costs of a paragraph's lines, for choosing its breaks: a spaced-out line (times its stretch
#: over the limit), a one-character last line, each mark compressed inside a line.
SPACED_COST, LONE_COST, PUSH_IN_COST = 100.0, 50.0, 0.5
#: Latin word spaces once justified, in em: at least, at most (then the line is loose).
MIN_SPACE, MAX_SPACE = 0.18, 0.5
#: How far past the measure a Latin line is laid out for one more word, its spaces narrowed (em).
SHRINK_ROOM = 1.0
#: Hyphenated lines in a row, at most; the cost of a hyphen (justified, ragged).
MAX_HYPHENS, HYPHEN_COST, RAGGED_HYPHEN_COST = 2, 30.0, 10.0
#: Tracking a justified Latin line may take once its word spaces are at MAX_SPACE (em; 5 % of a
#: word space, as book settings in InDesign allow), and its cost at that much.
TRACKING, TRACKING_COST = 0.0125, 20.0


@dataclass(frozen=True)
class _Mark:
    """A full-width mark of a line that can give up its blank half."""

    box: object  # the TextBox
    index: int  # character index in box.text
    rank: int  # 0: the line's last character; then typography.compression_rank


def _split_line(original: Callable) -> Callable:
    """split_inline_box, with the lines of a paragraph chosen together: clreq's line adjustment
    for justified Chinese, Knuth–Plass-like justification for Latin text, ragged Latin lines with
    few hyphens."""

    def split_inline_box(context, box, position_x, max_x, bottom_space, skip_stack, containing_block,
                         absolute_boxes, fixed_boxes, line_placeholders, waiting_floats, line_children,
                         first_letter_style, first_line_style):
        lists = (absolute_boxes, fixed_boxes, line_placeholders, waiting_floats, line_children)
        kind = _breaker_for(box)
        if kind is None:
            return original(context, box, position_x, max_x, bottom_space, skip_stack, containing_block,
                            *lists, first_letter_style, first_line_style)

        def attempt(limit: float, skip, start: float, hyphens: bool = True):
            copies = [list(items) for items in lists]
            first = skip is skip_stack
            with _hyphenation(box, hyphens):
                result = original(context, box, start, limit, bottom_space, skip, containing_block, *copies,
                                  first_letter_style if first else None, first_line_style if first else None)
            return result, copies

        breaks = kind(context, box, attempt, max_x, first_letter_style or first_line_style)
        run = breaks.run_before(skip_stack)
        choice = breaks.best(skip_stack, position_x, run)
        breaks.chosen(skip_stack, run)
        made = breaks.line(skip_stack, position_x, choice, run)
        (result, copies), _cost, _run = made
        for items, copy in zip(lists, copies):
            items[:] = copy
        return result

    return split_inline_box


def _breaker_for(box):
    """Which line breaker sets the paragraph of ``box`` (a LineBox), or None for WeasyPrint's own."""
    from weasyprint.formatting_structure import boxes

    style = box.style
    if not isinstance(box, boxes.LineBox) or style["direction"] != "ltr" or style["white_space"] not in (
            "normal", "pre-line") or not style["lang"]:
        return None
    if is_cjk_language(style["lang"]):
        return _ChineseBreaks if style["text_align_all"] == "justify" else None
    if style["text_align_all"] == "justify":
        return _LatinBreaks
    if style["text_align_all"] in ("left", "start") and style["hyphens"] == "auto":
        return _RaggedBreaks
    return None


@contextmanager
def _hyphenation(box, allowed: bool) -> Iterator[None]:
    """Within the block, automatic hyphenation is off in ``box`` unless ``allowed``."""
    if allowed:
        yield
        return
    styles = {id(style): style for style in _styles(box) if style["hyphens"] == "auto"}
    for style in styles.values():
        style["hyphens"] = "manual"
    try:
        yield
    finally:
        for style in styles.values():
            style["hyphens"] = "auto"


def _styles(box) -> Iterator:
    yield box.style
    for child in getattr(box, "children", ()):
        yield from _styles(child)


#: Candidate lines that can only be copies of the natural one (no hyphen to leave out, a shorter
#: measure it already fits) are not laid out: the same lines, a fifth less time for English.
LEAVE_OUT_COPIES = True


class _Breaks:
    """The lines of one paragraph chosen together, a small Knuth–Plass: at each starting point a
    few candidate lines (CHOICES), each with a cost; the cheapest way to the paragraph's end wins.
    Choices are remembered per paragraph, width, starting point and run of hyphenated lines."""

    CHOICES: tuple[str, ...] = ()
    exploring = False  # in best(): weighing candidates, not making the line chosen

    def __init__(self, context, box, attempt, max_x: float, first_style=None):
        self.context, self.box, self.attempt, self.max_x = context, box, attempt, max_x
        self.em = box.style["font_size"]
        memo = context.__dict__.setdefault("diglot_lines", {})
        width = round(max_x - box.position_x, 3)
        key = (type(self).__name__, id(box), width)
        known = key in memo
        self.memo = memo.setdefault(key, {})
        self.runs = memo.setdefault(("runs", id(box), width), {})
        # Chosen in an earlier build (LineMemory): the path through the paragraph, not weighed again.
        if not known and _LINES is not None and first_style is None:
            memo[("used", *key)] = _LINES.paragraph(self.memo, _paragraph_key(box, key[0], width), self.CHOICES)
        self.used = memo.get(("used", *key))
        #: start → the natural line's right edge, and whether it ends in a hyphen (Latin) or is
        #: the paragraph's last (Chinese)
        self.natural: dict[str, tuple[float, bool]] = {}

    def chosen(self, skip, run: int) -> None:
        """The line starting at ``skip`` is made (LineMemory keeps the choice for the next build)."""
        if self.used is not None:
            self.used.add((repr(skip), run))

    def run_before(self, skip) -> int:
        """Hyphenated lines just before the line starting at ``skip`` (as the chosen lines left it)."""
        return self.runs.get(repr(skip), 0)

    def best(self, skip, position_x: float, run: int = 0) -> str:
        """The choice for the line starting at ``skip`` that leads to the cheapest paragraph."""
        key = (repr(skip), run)
        if key not in self.memo:
            self.memo[key] = (self.CHOICES[0], 0.0, None)  # no loop through a position that does not advance
            options = []
            for choice in self.CHOICES:
                self.exploring = True  # (a candidate that is another's copy may be left out)
                try:
                    made = self.line(skip, position_x, choice, run)
                finally:
                    self.exploring = False
                if made is None:
                    continue
                (result, _copies), cost, run_after = made
                following = None
                if result[1] is not None:
                    following = self._following(result[1])
                    if following == repr(skip):
                        continue
                    if following != "continue":
                        cost += self._cost_from(result[1], run_after)
                options.append((cost, self.CHOICES.index(choice), choice, following, run_after))
            if options:
                cost, _order, choice, following, run_after = min(options)
                self.memo[key] = (choice, cost, (following, run_after))
        choice, _cost, after = self.memo[key]
        if after is not None and after[0] is not None:
            self.runs[after[0]] = after[1]
        return choice

    def _following(self, resume) -> str:
        from weasyprint.layout.inline import skip_first_whitespace

        skip = skip_first_whitespace(self.box, resume)
        return "continue" if skip == "continue" else repr(skip)

    def _cost_from(self, resume, run: int) -> float:
        from weasyprint.layout.inline import skip_first_whitespace

        skip = skip_first_whitespace(self.box, resume)
        self.best(skip, self.box.position_x, run)
        return self.memo[(repr(skip), run)][1]

    def line(self, skip, position_x: float, choice: str, run: int):
        """(the line from ``skip`` made by ``choice``, its cost, the hyphen run after it), or None."""
        raise NotImplementedError


class _ChineseBreaks(_Breaks):
    """clreq line adjustment: push-in (compress marks), natural, push-out; few spaced-out lines."""

    CHOICES = ("P1", "P2", "N", "O")

    def line(self, skip, position_x: float, choice: str, run: int):
        from weasyprint.layout.inline import remove_last_whitespace

        max_x, em = self.max_x, self.em
        if choice.startswith("P"):
            made = self.attempt(max_x + int(choice[1:]) * em, skip, position_x)
            line = made[0][0]
            remove_last_whitespace(self.context, line)
            overflow = _line_right(line) - max_x
            # (Within a hair of the measure: WeasyPrint's rounding left out what fits.)
            plan = _plan(line, overflow) if overflow > 0.01 else []
            if plan is None:
                return None
            _halve(self.context, line, plan)
            if _line_right(line) > max_x + 0.01:
                return None
            cost = PUSH_IN_COST * sum(1 for mark in plan if mark.rank)
        else:
            if choice == "O":
                # The natural line from here, laid out for N (weighed just before): not again.
                natural = self.natural.get(repr(skip)) if self.exploring and LEAVE_OUT_COPIES else None
                if natural is None:
                    made = self.attempt(max_x, skip, position_x)
                    natural = (_line_right(made[0][0]), made[0][1] is None)
                if natural[1]:
                    return None  # the last line: nothing to push out to
                made = self.attempt(natural[0] - 0.6 * em, skip, position_x)
            else:
                made = self.attempt(max_x, skip, position_x)
                self.natural[repr(skip)] = (_line_right(made[0][0]), made[0][1] is None)
            line = made[0][0]
            remove_last_whitespace(self.context, line)
            cost = 0.0
        if made[0][1] is None:
            return made, cost + (LONE_COST if _lonely(line) else 0.0), 0
        slack = max_x - _line_right(line)
        slack += _compress_line_end(self.context, line, slack, em)
        return made, cost + _stretch_cost(line, slack, em) + 1.0, 0


class _LatinBreaks(_Breaks):
    """Justified Latin text: word spaces between MIN_SPACE and MAX_SPACE, few hyphens, never more
    than MAX_HYPHENS hyphenated lines in a row. Candidates: the natural line (N), one more word
    with the spaces narrowed (S), no hyphen (W), the line WeasyPrint makes one, two or three em
    short of the measure (O1…O3: other words and hyphenation points to break at)."""

    CHOICES = ("N", "S", "W", "O1", "O2", "O3")

    def line(self, skip, position_x: float, choice: str, run: int):
        made = self._made(skip, position_x, choice)
        if made is None:
            return None
        line = made[0][0]
        hyphen = _hyphenated(line)
        run_after = run + 1 if hyphen else 0
        if run_after > MAX_HYPHENS:
            return None
        slack = self.max_x - _line_right(line)
        if made[0][1] is None:  # the last line: set at its natural spacing when it fits
            return (made, 0.0, run_after) if slack >= -0.01 else None
        cost = _space_cost(line, slack, self._space(), self.em, self.context)
        if cost is None:
            return None
        return made, cost + (HYPHEN_COST if hyphen else 0.0) + (HYPHEN_COST * run if hyphen else 0.0), run_after

    def _made(self, skip, position_x: float, choice: str):
        from weasyprint.layout.inline import remove_last_whitespace

        max_x = self.max_x
        # The natural line from this point, once laid out: a candidate that can only be the same
        # line is not laid out again (a third of an English PDF's layouts were such copies).
        natural = self.natural.get(repr(skip)) if self.exploring and LEAVE_OUT_COPIES else None
        if choice == "S":
            made = self.attempt(max_x + SHRINK_ROOM * self.em, skip, position_x)
        elif choice.startswith("O"):
            short = int(choice[1:]) * self.em
            if natural is not None and natural[0] <= max_x - short:
                return None  # the natural line fits the shorter measure: it is the line made
            made = self.attempt(max_x - short, skip, position_x)
            if made[0][1] is None:
                return None  # the paragraph's end fits: the natural line is the one
        else:
            if choice == "W" and natural is not None and not natural[1]:
                return None  # the natural line has no hyphen: without hyphens it is the same
            made = self.attempt(max_x, skip, position_x, hyphens=choice == "N")
        remove_last_whitespace(self.context, made[0][0])
        if choice == "N":
            self.natural[repr(skip)] = (_line_right(made[0][0]), _hyphenated(made[0][0]))
        return made

    def _space(self) -> float:
        return _space_width(self.box.style, self.context)


class _RaggedBreaks(_LatinBreaks):
    """Ragged-right Latin text (narrow measures): lines of even length, light hyphenation."""

    CHOICES = ("W", "N", "O1", "O2")

    def line(self, skip, position_x: float, choice: str, run: int):
        made = self._made(skip, position_x, choice)
        if made is None:
            return None
        line = made[0][0]
        hyphen = _hyphenated(line)
        run_after = run + 1 if hyphen else 0
        slack = self.max_x - _line_right(line)
        if run_after > MAX_HYPHENS or slack < -0.01:
            return None
        if made[0][1] is None:
            return made, 0.0, run_after
        short = slack / self.em
        return made, short * short + (RAGGED_HYPHEN_COST if hyphen else 0.0), run_after


def _hyphenated(line) -> bool:
    """The line ends in a hyphen: one WeasyPrint added, or a compound's own."""
    from weasyprint.formatting_structure import boxes

    texts = [leaf for leaf in _leaves(line) if isinstance(leaf, boxes.TextBox) and leaf.text.strip()]
    if not texts:
        return False
    text = texts[-1].text.rstrip()
    return len(text) > 1 and text[-1] in "-\u2010\u00ad" and text[-2].isalpha()


def _space_width(style, context) -> float:
    from weasyprint.text.line_break import create_layout, line_size

    cache = context.__dict__.setdefault("diglot_spaces", {})
    key = (tuple(style["font_family"]), style["font_size"], style["font_weight"], style["font_style"])
    if key not in cache:
        layout = create_layout("a a", style, context, max_width=None, justification_spacing=0)
        both, _ = line_size(layout.get_first_line()[0], style)
        layout.set_text("aa")
        letters, _ = line_size(layout.get_first_line()[0], style)
        layout.deactivate()
        cache[key] = both - letters
    return cache[key]


def _space_cost(line, slack: float, space: float, em: float, context) -> float | None:
    """Knuth–Plass badness of the line's word spaces once justified, tracking included (None:
    it cannot be justified)."""
    from weasyprint.layout.inline import add_word_spacing, count_expandable_spaces

    spaces = count_expandable_spaces(line)
    if not spaces:
        return None if slack < -0.01 else SPACED_COST * (1 + slack / em)
    if slack < 0:
        each = space + slack / spaces
        if each < MIN_SPACE * em:
            return None
        add_word_spacing(context, line, slack / spaces, 0)  # narrowed now: text_align will not
        ratio = (space - each) / max(space - MIN_SPACE * em, 0.01)
        return 100 * ratio ** 3 + 1.0
    word, letter = _latin_split(slack, spaces, _latin_letters(line), space, line.style)
    ratio = word / max(MAX_SPACE * em - space, 0.01)
    tracked = TRACKING_COST * letter / (TRACKING * em)
    return 100 * min(ratio, 1.0) ** 3 + 1.0 + tracked if ratio <= 1.001 else SPACED_COST * ratio


def _lonely(line) -> bool:
    """A last line of one character and its marks (题。): what the tail rule avoids."""
    from weasyprint.formatting_structure import boxes

    text = "".join(leaf.text for leaf in _leaves(line) if isinstance(leaf, boxes.TextBox))
    return count_cjk_letters(text) == 1 and not any(c.isalnum() and not is_cjk(c) for c in text)


def _stretch_cost(line, slack: float, em: float) -> float:
    """Cheap under STRETCH_LIMIT a gap, dear above it (spaced-out lines are what clreq avoids)."""
    _spaces, units = _opportunities(line)
    if slack <= 0:
        return 0.0
    if not units:
        return SPACED_COST
    gap = slack / units / em / STRETCH_LIMIT
    return gap if gap <= 1 else SPACED_COST * gap


def _adjusts_chinese(box) -> bool:
    from weasyprint.formatting_structure import boxes

    style = box.style
    return (isinstance(box, boxes.LineBox) and style["text_align_all"] == "justify" and bool(style["lang"])
            and is_cjk_language(style["lang"]) and style["direction"] == "ltr"
            and style["white_space"] in ("normal", "pre-line"))


def _line_right(line) -> float:
    return line.content_box_x() + line.width


def _marks(line) -> list[_Mark]:
    """The line's marks that may be set half width, the line-end one first, then by rank."""
    from weasyprint.formatting_structure import boxes

    texts = [leaf for leaf in _leaves(line) if isinstance(leaf, boxes.TextBox)]
    found: list[tuple[int, _Mark]] = []
    last = next(((id(box), len(box.text.rstrip(" ")) - 1) for box in reversed(texts) if box.text.strip(" ")), None)
    first = next(((id(box), len(box.text) - len(box.text.lstrip(" "))) for box in texts if box.text.strip(" ")), None)
    for position, box in enumerate(texts):
        if _halted(box):
            continue
        for index, char in enumerate(box.text):
            rank = compression_rank(char)
            if rank is None:
                continue
            # clreq §3.8: the line-end mark goes first; an opening mark starting a line is set
            # half width like it (its blank half would stand against the margin).
            if ((id(box), index) == last and char in CLOSING + STOPS) or ((id(box), index) == first
                                                                          and char in OPENING):
                rank = 0
            found.append((position, _Mark(box, index, rank)))
    # Within a rank, from the line's end backwards: the marks nearest the break give first.
    found.sort(key=lambda item: (item[1].rank, -item[0], -item[1].index))
    return [mark for _position, mark in found]


def _halted(box) -> bool:
    settings = box.style["font_feature_settings"]
    return (settings != "normal" and ("halt", 1) in settings) or box.style["white_space"] in ("pre", "pre-wrap")


def _plan(line, overflow: float) -> list[_Mark] | None:
    """Marks to set half width so that the line loses ``overflow``; None if they cannot."""
    chosen, saved = [], 0.0
    for mark in _marks(line):
        if saved >= overflow:
            break
        chosen.append(mark)
        saved += HALF * mark.box.style["font_size"]
    return chosen if saved >= overflow else None


def _compress_line_end(context, line, slack: float, em: float) -> float:
    """The line-end mark set half width with its ink on the margin, if the stretch that costs
    stays under the limit; otherwise its blank hangs past the margin as far as the limit allows.
    Returns the width the line gave up."""
    marks = [mark for mark in _marks(line) if mark.rank == 0 and mark.box.text[mark.index] in CLOSING + STOPS]
    if not marks:
        return 0.0
    _spaces, units = _opportunities(line)
    if not units:
        return 0.0
    budget = 0.95 * STRETCH_LIMIT * em * units - slack
    before = _line_right(line)
    box = marks[0].box
    if HALF * box.style["font_size"] + _blank_after_halt(box) <= budget:
        _halve(context, line, marks[:1])
    elif budget > 0:
        _hang(line, box, min(budget, _blank(context, box)))
    return before - _line_right(line)


def _blank(context, box) -> float:
    """The blank after the ink of ``box``'s last glyph (a full-width mark's empty half and bearing)."""
    from weasyprint.text.line_break import create_layout

    layout = create_layout(box.text, box.style, context, max_width=None, justification_spacing=0)
    blank = box.width - _ink_right(layout.get_first_line()[0])
    layout.deactivate()
    return max(blank, 0.0)


def _blank_after_halt(box) -> float:
    """Roughly the blank a half-width mark keeps (a quarter em for centred Taiwan stops)."""
    return 0.27 * box.style["font_size"]


def _hang(line, box, amount: float) -> None:
    """Let ``amount`` of ``box``'s trailing blank stand past the margin."""
    box.width -= amount
    _pull_after(line, box, amount)


def _halve(context, line, marks: list[_Mark]) -> None:
    """Set ``marks`` half width (halt) and move what follows each on the line."""
    from weasyprint.text.line_break import create_layout, line_size

    by_box: dict[int, list[_Mark]] = {}
    for mark in marks:
        by_box.setdefault(id(mark.box), []).append(mark)
    for group in by_box.values():
        box = group[0].box
        halves = set(getattr(box.pango_layout, "diglot_halt", ()))
        for mark in group:
            start = len(box.text[:mark.index].encode())
            halves.add((start, start + len(box.text[mark.index].encode())))
        layout = create_layout(box.text, box.style, context, max_width=None,
                               justification_spacing=box.justification_spacing)
        layout.diglot_halt = tuple(sorted(halves))
        _decorate(layout, None, layout.diglot_halt)
        first_line, _ = layout.get_first_line()
        width, _ = line_size(first_line, box.style)
        if any(mark.rank == 0 and box.text[mark.index] in CLOSING + STOPS for mark in group):
            # The line-end mark's remaining blank (a Taiwan stop's right quarter, a comma's
            # side bearing) stands past the margin, so that its ink meets it.
            width = min(width, _ink_right(first_line))
        layout.deactivate()
        delta = box.width - width
        box.width, box.pango_layout = width, layout
        _pull_after(line, box, delta)


def _ink_right(first_line) -> float:
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    ink, logical = ffi.new("PangoRectangle *"), ffi.new("PangoRectangle *")
    pango.pango_layout_line_get_extents(first_line, ink, logical)
    return (ink.x + ink.width - logical.x) * FROM_UNITS


def _pull_after(parent, target, delta: float) -> bool:
    """Move everything after ``target`` on the line left by ``delta``; shrink the boxes holding it."""
    from weasyprint.formatting_structure import boxes

    found = parent is target
    if not found and isinstance(parent, (boxes.LineBox, boxes.InlineBox)):
        for child in parent.children:
            if not child.is_in_normal_flow():
                continue
            if found:
                child.translate(-delta, 0, ignore_floats=True)
            elif _pull_after(child, target, delta):
                found = True
                parent.width -= delta
    return found


# --- languages in the structure tree (4.) ------------------------------------------------------

def _tag_languages(original: Callable) -> Callable:
    """_build_box_tree, with /Lang on each structure element set in another language than its parent."""
    import pydyf

    done: set[int] = set()  # elements already looked at (html and body pass their children's up)
    outer: list[str] = []  # the language of each box being built, outermost first

    def build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
        inherited = outer[-1] if outer else _string(pdf.catalog.get("Lang"))
        lang = (box.style["lang"] if box.element is not None else None) or inherited
        outer.append(lang)
        try:
            for element in original(box, parent, pdf, page_number, nums, annotations, tags):
                if id(element) not in done:
                    done.add(id(element))
                    if lang != inherited:
                        element["Lang"] = pydyf.String(lang)
                outer.append(lang)  # (the caller runs while this generator waits)
                try:
                    yield element
                finally:
                    outer.pop()
        finally:
            outer.pop()

    return build_box_tree


def _string(value) -> str:
    if value is None:
        return ""
    data = getattr(value, "string", value)
    return data.decode() if isinstance(data, bytes) else str(data)
