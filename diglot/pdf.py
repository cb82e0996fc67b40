"""HTML + CSS → PDF with WeasyPrint: the only module that imports it.

WeasyPrint would fetch any URL it meets (file://, http://) and embed
``rel=attachment`` targets; our fetcher serves files below the allowed roots
and refuses everything else, recording what it refused. While Diglot renders, two
WeasyPrint behaviours are corrected (``book_layout``): Chinese lines are
justified between characters, and footnotes stay on their call's page.
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
from .typography import is_cjk

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
            return URLFetcherResponse(url, path.read_bytes())

    return ConfinedFetcher


def write_pdf(html: str, stylesheets: list[Path], base_dir: Path, roots: list[Path], *,
              variant: str | None = "pdf/ua-1", css_strings: tuple[str, ...] = (),
              **options) -> tuple[bytes, list[str]]:
    """Render ``html`` to PDF bytes; return them and the URLs that were refused.

    ``css_strings`` are generated style sheets (page geometry), applied after ``stylesheets``.
    """
    from weasyprint import CSS, HTML

    fetcher = _fetcher_class()(roots)
    document = HTML(string=html, base_url=str(base_dir) + "/", url_fetcher=fetcher)
    css = [CSS(string=path.read_text(encoding="utf-8"), base_url=str(path.parent) + "/", url_fetcher=fetcher)
           for path in stylesheets]
    css += [CSS(string=text, base_url=str(base_dir) + "/", url_fetcher=fetcher) for text in css_strings]
    with book_layout():
        pdf = document.write_pdf(stylesheets=css, pdf_variant=variant, **options)
    return pdf, fetcher.refused


def weasyprint_version() -> str:
    import weasyprint

    return weasyprint.__version__


def warm_up(langs=None) -> None:
    """Import WeasyPrint and load the faces of ``langs`` (the default languages) once (worker start-up)."""
    from weasyprint import HTML

    from .fonts import css_stack
    from .languages import DEFAULT_LANGUAGES

    paragraphs = "".join(f'<p lang="{tag}" style=\'font-family: {css_stack(tag, "serif")}\'>网络 網路 Net</p>'
                         for tag in langs or DEFAULT_LANGUAGES)
    HTML(string=paragraphs).write_pdf()


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
#    following boxes. Lines without full-width characters are left to WeasyPrint.
#
# 2. Footnotes stay with their calls. When a line overflows the page, WeasyPrint 66+
#    (layout/block.py, _linebox_layout, PR #2437) first moves the page's footnotes to the
#    next page to make room for it, even notes whose calls stay on this page, and keeps them
#    moved when that does not help. With that one step disabled the line goes to the next
#    page instead (WeasyPrint's earlier behaviour); `footnote-policy: line` in book.css does
#    the same for a call whose own note does not fit.
#
# Both replace module attributes for the duration of one render only, and check the
# WeasyPrint version they were written against: layout internals are not a public API.

#: The WeasyPrint release whose justify_line / add_word_spacing / Layout.set_text / _linebox_layout were read.
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
            f"weasyprint/layout/inline.py (justify_line, add_word_spacing), weasyprint/text/"
            f"line_break.py (Layout.set_text) and weasyprint/layout/block.py (_linebox_layout) "
            f"with the corrections and update PATCHED_WEASYPRINT")


@contextmanager
def book_layout() -> Iterator[None]:
    """Within the block, WeasyPrint justifies CJK text and keeps footnotes with their calls."""
    from weasyprint.layout import block, inline
    from weasyprint.text import line_break

    check_weasyprint_version()
    linebox_layout = _linebox_layout_keeping_footnotes()
    with _patch_lock:  # the corrections are process-wide: one render at a time
        saved = inline.justify_line, line_break.Layout.set_text, block._linebox_layout
        inline.justify_line = _justify_line(saved[0])
        line_break.Layout.set_text = _set_text(saved[1])
        block._linebox_layout = linebox_layout
        try:
            yield
        finally:
            inline.justify_line, line_break.Layout.set_text, block._linebox_layout = saved


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
        spaces, units = _opportunities(line)
        if not units or line.style["direction"] == "rtl":
            return original(context, line, extra_width)
        _expand(context, line, extra_width / (spaces + units), 0.0, _Cursor())

    return justify_line


def _set_text(original: Callable) -> Callable:
    def set_text(self, text: str, justify: bool = False) -> None:
        original(self, text, justify)
        spacing = getattr(self, "diglot_cjk_spacing", 0.0)
        if justify and spacing and self.text:
            _letter_space_cjk(self, spacing)

    return set_text


def _letter_space_cjk(layout, spacing: float) -> None:
    """Pango letter-spacing on each run of full-width characters of ``layout``'s text."""
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    base = layout.style["letter_spacing"]
    value = int(((0 if base == "normal" else base) + spacing) * TO_UNITS)
    attributes = pango.pango_layout_get_attributes(layout.layout)
    if attributes == ffi.NULL:
        attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    for start, end in _cjk_byte_ranges(layout.text):
        attribute = pango.pango_attr_letter_spacing_new(value)
        attribute.start_index, attribute.end_index = start, end
        pango.pango_attr_list_change(attributes, attribute)
    pango.pango_layout_set_attributes(layout.layout, attributes)


def _cjk_byte_ranges(text: str) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    offset = 0
    for char in text:
        size = len(char.encode())
        if is_cjk(char):
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
    count = sum(sum(map(is_cjk, leaf.text)) for leaf in texts)
    if not count:
        return spaces, 0.0
    return spaces, count - (is_cjk(_edges(leaves[0])[0]) + is_cjk(_edges(leaves[-1])[1])) / 2


@dataclass
class _Cursor:
    previous: str | None = None  # last character of the previous box on the line


def _expand(context, box, spacing: float, x_advance: float, cursor: _Cursor) -> float:
    """add_word_spacing() of WeasyPrint 70, plus expansion around full-width characters."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.inline import count_expandable_spaces
    from weasyprint.text.line_break import create_layout

    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _expand(context, child, spacing, x_advance, cursor)
        box.width += x_advance - before
        return x_advance
    if isinstance(box, boxes.TextBox) and not box.text:
        box.position_x += x_advance
        return x_advance
    first, last = _edges(box)
    if cursor.previous is not None:  # the halves Pango dropped at the boxes' edges
        x_advance += spacing * (is_cjk(cursor.previous) + is_cjk(first)) / 2
    cursor.previous = last
    if not isinstance(box, boxes.TextBox):  # atomic inline-level box
        box.translate(x_advance, 0)
        return x_advance
    box.position_x += x_advance
    spaces = count_expandable_spaces(box)
    cjk = sum(map(is_cjk, box.text))
    if spaces or cjk:
        layout = create_layout(box.text, box.style, context, max_width=None, justification_spacing=spacing)
        layout.diglot_cjk_spacing = spacing if cjk else 0.0
        layout.deactivate()
        extra = spacing * spaces
        if cjk:
            extra += spacing * (cjk - (is_cjk(first) + is_cjk(last)) / 2)
        box.justification_spacing = spacing
        box.pango_layout = layout
        box.width += extra
        x_advance += extra
    return x_advance
