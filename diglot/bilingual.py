"""Bilingual parallel editions of any two languages: web page, print PDF and EPUB, block by block.

Two editions of a document share their Node tree and segment ids, so each block pairs by id:
one row of the web page and of the PDF (first language left), two adjacent blocks of the EPUB.
The sides are "a" and "b" (the configured pair's order); what differs by language (faces,
justification, the narrower column of a CJK side) comes from the language registry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from markupsafe import Markup, escape

from .config import Config
from .errors import DiglotError
from .model import FOOTNOTE_REF, Document, Segment, plain_title
from .languages import language
from .plan import BILINGUAL_KINDS, bilingual_path
from .render import (
    InlineRenderer, PrintInlineRenderer, anchor, footnote_body, footnote_text, format_date, install_translations,
    language_css, language_name, make_environment, render_template, text_languages, web_inline,
)
from .typography import TypeArea, type_area

#: What a block shows before the source text when its translation is missing or fuzzy.
UNTRANSLATED = "Not yet translated"
KINDS = BILINGUAL_KINDS
ROLES = ("a", "b")


def output_name(slug: str, pair: tuple[str, str], kind: str) -> str:
    """Where a bilingual edition goes, relative to output/: bilingual/<slug>.<a>-<b>.<kind>."""
    return bilingual_path(slug, pair, kind)


def render_bilingual(kind: str, a_edition, b_edition, config: Config, options, output) -> bytes:
    """One bilingual edition of ``kind`` (html, pdf, print.pdf, epub) from two editions of a document.

    ``output`` collects warnings (a diglot.report.Output, or anything with ``.warnings``).
    """
    check_pairing(a_edition.doc, b_edition.doc)
    if kind == "html":
        return render_html(a_edition, b_edition, config, options).encode("utf-8")
    if kind == "pdf":
        return render_pdf(a_edition, b_edition, config, output)
    if kind == "print.pdf":
        from .printshop import print_shop_pdf

        return print_shop_pdf(render_pdf(a_edition, b_edition, config, output))
    if kind == "epub":
        return render_epub(a_edition, b_edition, config)
    if kind == "cover.png":
        from .publish import derive

        return derive(kind, render_epub(a_edition, b_edition, config))
    raise DiglotError(f"unknown bilingual format {kind!r} (known: {', '.join(KINDS)})")


def check_pairing(a: Document, b: Document) -> None:
    """Both editions are of one document, in two languages, with the same blocks."""
    if a.lang == b.lang:
        raise DiglotError(f"a bilingual edition pairs two languages, not {a.lang} with itself")
    if a.slug != b.slug or a.body != b.body or a.footnotes != b.footnotes:
        raise DiglotError(f"{a.path}: the {a.lang} and {b.lang} editions do not have the same blocks; "
                          "they cannot be set side by side")
    if [s.id for s in a.segments] != [s.id for s in b.segments]:
        raise DiglotError(f"{a.path}: the {a.lang} and {b.lang} editions do not have the same segments")


def pairs(a: Document, b: Document) -> list[tuple[Segment, Segment]]:
    """Every (first, second) segment pair, in the order of the document."""
    return [(seg, b.segment(seg.id)) for seg in a.segments]


# --- one language of the pair ---------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """One column of the pair: its edition's text, rendered for one medium."""

    role: str  # "a" | "b": the column (first, second language of the pair), and the class of its blocks
    doc: Document
    inline: Callable[[Segment], Markup]  # inline Markdown → HTML for this medium
    untranslated: str  # the fallback marker, in this side's language
    ui: object = None  # the edition's gettext Translations (labels of tables and figures)

    @property
    def lang(self) -> str:
        return self.doc.lang

    def fallback(self, seg_id: str) -> bool:
        """True when the segment shows the source text because its translation is missing or fuzzy."""
        return self.doc.segment(seg_id).lang != self.doc.lang

    @property
    def cjk(self) -> bool:
        """Set on the character grid (Chinese, Japanese): the narrower column, CJK markers."""
        return language(self.lang).cjk

    @property
    def classes(self) -> str:
        return " ".join([self.role, *(["cjk"] if self.cjk else [])])

    def attrs(self, seg_id: str, extra: str = "") -> Markup:
        classes = ["half", self.classes, *extra.split(), *(["fallback"] if self.fallback(seg_id) else [])]
        return Markup(' lang="{}" class="{}"').format(self.lang, " ".join(classes))

    def label(self, kind: str, number: int) -> str:
        """"Table 3" / "表 3" in this side's language (the templates' own messages)."""
        message = f"{kind} %(number)s"
        return (self.ui.gettext(message) if self.ui is not None else message) % {"number": number}

    def plain(self, seg_id: str | None) -> str:
        return _plain(self.doc.segment(seg_id).text) if seg_id else ""

    def chapter(self, node) -> Markup:
        """A book chapter's number in this side's language (第一章 / Chapter 1), before its title."""
        from .render import chapter_number, chapter_words

        number = chapter_number(node, self.doc)
        if not number:
            return Markup("")
        message = "Chapter %(number)s"
        text = ((self.ui.gettext(message) if self.ui is not None else message) % {"number": number}
                if chapter_words(self.doc) else number)
        return Markup('<span class="chapter-number">{}</span> ').format(text)

    def text(self, seg_id: str) -> Markup:
        """The segment's inline HTML; a fallback is marked and keeps its own language."""
        seg = self.doc.segment(seg_id)
        html = self.inline(seg)
        if seg.lang == self.doc.lang:
            return html
        return Markup('<span class="fallback-mark">{}</span> <span lang="{}" class="fallback-text">{}</span>').format(
            self.untranslated, seg.lang, html)


def _gettext(ui) -> Callable[[str], Markup]:
    # Escaped like render.install_translations: a translated '<script>' stays text.
    return lambda message: Markup(escape(ui.gettext(message)))


def _sides(a_edition, b_edition, make_inline: Callable[[Document, str], Callable]) -> list[Side]:
    return [Side(role, edition.doc, make_inline(edition.doc, role), edition.ui.gettext(UNTRANSLATED), edition.ui)
            for role, edition in zip(ROLES, (a_edition, b_edition))]


def _figure_views(sides: list[Side], media: Callable[[Side, object], str]):
    """How a figure shows: once with both captions when both sides show the same image, else
    each side's own image (a language variant) in its column. ``media(side, node)`` → address."""

    def views(node) -> list[tuple[Side, str]]:
        shown = [(side, media(side, node)) for side in sides]
        return shown[:1] if len({src for _side, src in shown}) == 1 else shown

    return views


def _plain(text: str) -> str:
    from .site import plain_text

    return plain_text(text)


def _common_context(a_edition, b_edition, sides: list[Side]) -> dict:
    """What every medium shows: titles, descriptions, dates, headings, notes, labels."""
    a, b = a_edition.doc, b_edition.doc
    numbers = a.footnote_numbers()
    notes = sorted(a.footnotes, key=lambda n: numbers.get(n.label, 0))

    def label(seg_id: str) -> str:
        return " · ".join(_plain(s.doc.segment(seg_id).text) for s in sides)

    def row_class(seg_id: str) -> str:
        return " fallback-pair" if any(s.fallback(seg_id) for s in sides) else ""

    return {
        "a": sides[0], "b": sides[1], "sides": sides, "lang": a.lang, "slug": a.slug,
        "title": f"{plain_title(a.title.text)} · {plain_title(b.title.text)}",
        "titles": {s.role: plain_title(s.doc.title.text) for s in sides},
        "description": _description(a, b),
        "has_description": a.description is not None,
        "publisher": _both(a, b, "publisher"), "author": _both(a, b, "author") or _both(a, b, "publisher"),
        "publishers": _per_side(sides, "publisher"),
        "dates": [(s, format_date(s.doc, s.lang)) for s in sides if s.doc.meta.date],
        "date_iso": a.meta.date_text,
        "languages": [(s, language_name(s.lang)) for s in sides],
        "body": a.body, "anchor": anchor, "label": label, "row_class": row_class,
        "toc": [n for n in a.body if n.kind == "heading" and n.level == 1],
        "notes": [{"label": n.label, "number": numbers.get(n.label, 0),
                   "segments": [c.segment for c in n.children if c.segment]} for n in notes],
        "b_": _gettext(b_edition.ui),
        "cell_attrs": _cell_attrs,
    }


def _cell_attrs(cell) -> Markup:
    from .render import cell_attrs

    return cell_attrs(cell)


def _both(a: Document, b: Document, name: str) -> str:
    """A front matter text as both editions give it: once when they agree (a name), else both."""
    texts = list(dict.fromkeys(t for t in (a.field_text(name), b.field_text(name)) if t))
    return " · ".join(texts)


def _per_side(sides: list[Side], name: str) -> list[tuple[Side, str]]:
    """(side, text) of a front matter text, once when both sides give the same (a name)."""
    shown: list[tuple[Side, str]] = []
    for side in sides:
        text = side.doc.field_text(name)
        if text and text not in [t for _s, t in shown]:
            shown.append((side, text))
    return shown


def _description(a: Document, b: Document) -> str:
    parts = [plain_title(d.description.text) for d in (a, b) if d.description is not None]
    return " ".join(parts)


def _environment(config: Config, a_edition):
    # `_()` is the first edition's UI catalogue; `b_()` (context) the second's.
    env = make_environment(config.templates_dir)
    install_translations(env, a_edition.ui)
    return env


def _render(config: Config, a_edition, name: str, **context) -> str:
    return render_template(_environment(config, a_edition), name, config.templates_dir, **context)


def _languages(a_edition, b_edition) -> list[str]:
    """Both languages, then any other the text holds (fallback text in the source language)."""

    return list(dict.fromkeys([a_edition.doc.lang, b_edition.doc.lang, *text_languages(a_edition.doc),
                               *text_languages(b_edition.doc)]))


# --- web page --------------------------------------------------------------------------------

def _web_inline(doc: Document, role: str) -> InlineRenderer:
    # Note ids carry the side (fn-a-…, fn-b-…): both languages' notes are on one page.
    return web_inline(doc, f"{role}-")


def render_html(a_edition, b_edition, config: Config, options=None) -> str:
    """The bilingual web page: self-contained (inline CSS, no script, no web fonts)."""
    sides = _sides(a_edition, b_edition, _web_inline)
    context = _common_context(a_edition, b_edition, sides)
    css = "\n".join((config.templates_dir / part).read_text(encoding="utf-8")
                    for part in ("web/site.css", "bilingual/web.css"))
    css += language_css(_environment(config, a_edition), config.templates_dir, "web", _languages(a_edition, b_edition))
    if getattr(options, "draft", False):
        css += "\n.fallback { background: #fff3b0; color: #1d1d1f; outline: 1px dashed #b58900; }\n"
    formats = getattr(options, "formats", None) or config.formats
    a, pair = a_edition.doc, (a_edition.doc.lang, b_edition.doc.lang)
    context.update(
        figures=_figure_views(sides, lambda side, node: f"../media/{node.image.for_language(side.lang)}"
                              if node.image is not None else ""),
        code=lambda node: node.literal,
        css=Markup(css),
        editions=[(s, language_name(s.lang), f"../{s.lang}/{a.slug}.html") for s in sides],
        downloads=[{"kind": kind, "href": output_name(a.slug, pair, kind).split("/", 1)[1],
                    "type": {"pdf": "application/pdf", "epub": "application/epub+zip"}[kind]}
                   for kind in ("pdf", "epub") if kind in formats],
        meta_description=_meta_description(a),
    )
    return _render(config, a_edition, "bilingual/page.html.j2", **context)


def _meta_description(doc: Document) -> str:
    from .site import page_description

    return page_description(doc)


# --- print ------------------------------------------------------------------------------------

#: Share of the paper's width the two columns and their gutter take (the single-language book: 0.68).
WIDTH_SHARE = 0.78
#: A CJK column's share of the measure beside an alphabetic one: English runs about 1.4 times as
#: many lines as Chinese at the same width, so the CJK column is the narrower one and a pair's
#: columns end close together. Two columns of the same kind share the measure equally.
CJK_SHARE = 0.36
GUTTER_CHARS = 2
#: Both columns share one line pitch: a pair that starts at the foot of a page then fits
#: its first lines in both columns or in neither (WeasyPrint decides each cell alone).
CJK_SIZE, WESTERN_SIZE, PITCH = 10.5, 10.0, 16.8
NOTE_SIZE = 8.5
#: A pair whose shorter side has this many lines may break across pages (two lines at least on
#: each page, in each column: orphans and widows); a shorter pair moves whole to the next page,
#: leaving at most about this many lines blank at the foot of a page.
BREAKABLE_LINES = 4
#: Average advance of an alphabetic character at WESTERN_SIZE (Noto Serif), in pt, to estimate line counts.
WESTERN_CHAR = 0.47 * WESTERN_SIZE


@dataclass(frozen=True)
class Columns:
    """The bilingual page: a type area of whole CJK characters, split into two columns."""

    area: TypeArea  # paper and margins, for templates/print/page.css.j2
    a_chars: int  # the first column's width in grid characters
    a_width: float
    gutter: float
    b_width: float
    pitch: float
    a_size: float  # body sizes of the two columns
    b_size: float

    def ragged(self, side: str) -> bool:
        """A narrow alphabetic column (A5) is set ragged right, as a press would (columns.css.j2)."""
        from .typography import ragged_measure

        width, size = (self.a_width, self.a_size) if side == "a" else (self.b_width, self.b_size)
        return size == WESTERN_SIZE and ragged_measure(width, size)


def columns(paper: str = "A4", pair: tuple[str, str] | None = None, gutter: float = 0.0) -> Columns:
    """Page geometry of the bilingual book for ``paper``: wider than the single-language book's,
    the narrower column for a CJK side beside an alphabetic one (the default pair's, by default);
    ``gutter`` as in typography.type_area."""
    from .languages import DEFAULT_LANGUAGES, default_pairs

    cjk = [language(tag).cjk for tag in pair or default_pairs(DEFAULT_LANGUAGES)[0]]
    base = type_area(paper)
    size = base.grid_size
    chars = int(base.paper_width * WIDTH_SHARE // size)
    text_chars = chars - GUTTER_CHARS
    if cjk[0] == cjk[1]:
        a_chars = text_chars // 2
    else:  # the CJK column takes its share of the whole measure, the other column the rest
        cjk_chars = round(chars * CJK_SHARE)
        a_chars = cjk_chars if cjk[0] else text_chars - cjk_chars
    width = chars * size
    lines = int(base.height // PITCH)
    height = lines * PITCH
    side = (base.paper_width - width) / 2
    if not 0 <= gutter < 2 * side:
        raise ValueError(f"a binding gutter of {gutter:.1f}pt does not fit the margins of {paper}")
    area = replace(base, chars=chars, lines=lines, width=width, height=height, inside=side + gutter / 2,
                   outside=side - gutter / 2, bottom=base.paper_height - height - base.top)
    sizes = [CJK_SIZE if c else WESTERN_SIZE for c in cjk]
    return Columns(area, a_chars, a_chars * size, GUTTER_CHARS * size, (text_chars - a_chars) * size, PITCH,
                   *sizes)


def baseline_shift(a_family: str, b_family: str, a_size: float, b_size: float) -> float:
    """How much lower (pt) the first column's baseline sits than the second's in the shared line
    pitch: text is centred on its face's ascent and descent, which differ between the faces."""
    from .fonts import vertical_metrics

    (a_ascent, a_descent), (b_ascent, b_descent) = vertical_metrics(a_family), vertical_metrics(b_family)
    return round((a_ascent - a_descent) / 2 * a_size - (b_ascent - b_descent) / 2 * b_size, 3)


def pair_shift(pair: tuple[str, str], cols: Columns) -> float:
    from .fonts import face

    return baseline_shift(face(pair[0], "serif").family, face(pair[1], "serif").family, cols.a_size, cols.b_size)


def estimated_lines(a: Segment, b: Segment, cols: Columns, pair: tuple[str, str]) -> tuple[int, int]:
    """Lines of each side of a pair (a little generous), to decide whether it may break."""
    counts = []
    for seg, width, tag in ((a, cols.a_width, pair[0]), (b, cols.b_width, pair[1])):
        advance = cols.area.grid_size if language(tag).cjk else WESTERN_CHAR
        counts.append(-(-int(len(_plain(seg.text)) * advance) // max(1, int(width))))
    return counts[0], counts[1]


def _print_inline(doc: Document, side: str, shared: frozenset[str] = frozenset()) -> PrintInlineRenderer:
    """render._print_inline, with the note's number and language on it: each side has its own
    notes, numbered as in the single-language books (both sides' note 1 is "1"). A note the
    same in both languages (``shared``: a bare URL) is printed once, under the first side's call."""
    notes = InlineRenderer(doc, lambda label, number: "")

    def call(label: str, number: int) -> str:
        if side.split()[0] != ROLES[0] and label in shared:
            return f'<span class="note-call">{number}</span>'
        body = footnote_body(doc, label, notes)
        return f'<span class="footnote {side}" lang="{doc.lang}" data-number="{number}">{body}</span>'

    return PrintInlineRenderer(doc, call)


def shared_notes(a: Document, b: Document) -> frozenset[str]:
    """Labels of the notes whose text is the same in both editions."""

    def texts(doc: Document, label: str) -> list[str]:
        return [seg.text for seg in footnote_text(doc, label)]

    return frozenset(note.label for note in a.footnotes if texts(a, note.label) == texts(b, note.label))


def print_html(a_edition, b_edition, config: Config, cols: Columns) -> str:
    """The HTML WeasyPrint sets: a title page, contents, and rows of pairs."""
    shared = shared_notes(a_edition.doc, b_edition.doc)
    pair = (a_edition.doc.lang, b_edition.doc.lang)
    lowered = "b" if pair_shift(pair, cols) > 0 else "a"

    def inline(doc: Document, role: str):
        text = _print_inline(doc, role + (" cjk" if language(doc.lang).cjk else ""), shared)
        # The column whose face sits higher is set lower (columns.css.j2: .baseline).
        return (lambda seg: Markup('<span class="baseline">{}</span>').format(text(seg))) if role == lowered else text

    sides = _sides(a_edition, b_edition, inline)
    context = _common_context(a_edition, b_edition, sides)

    def long(seg_id: str) -> bool:
        lines = estimated_lines(a_edition.doc.segment(seg_id), b_edition.doc.segment(seg_id), cols, pair)
        return min(lines) >= BREAKABLE_LINES

    from .typography import code_columns, wrap_code

    columns = code_columns(cols.area.width - 12, 0.9 * cols.a_size, language(a_edition.doc.lang).cjk)
    context.update(long=long, clreq=_clreq(a_edition.doc.lang), code=lambda node: Markup(wrap_code(node.literal, columns)),
                   figures=_figure_views(sides, lambda side, node: (config.source_dir / node.image.for_language(
                       side.lang)).resolve().as_uri() if node.image is not None else ""))
    return _render(config, a_edition, "bilingual/book.html.j2", **context)


def _clreq(lang: str):
    from .typography import typeset

    return lambda text: Markup(typeset(str(escape(text)), lang)[0])


def render_pdf(a_edition, b_edition, config: Config, output) -> bytes:
    """The bilingual PDF (PDF/UA-1 tagged)."""
    from .pdf import write_pdf
    from .publish import _check_print_fonts
    from .typography import BodyStyle

    cols = columns(config.paper, (a_edition.doc.lang, b_edition.doc.lang))
    html = print_html(a_edition, b_edition, config, cols)
    _check_print_fonts(html, a_edition.doc)
    env = _environment(config, a_edition)
    body = BodyStyle(cols.a_size, PITCH / cols.a_size, NOTE_SIZE)
    page_css = render_template(env, "print/page.css.j2", config.templates_dir, area=cols.area, body=body)
    column_css = render_template(env, "bilingual/columns.css.j2", config.templates_dir, cols=cols,
                                 note_size=NOTE_SIZE, baseline_shift=pair_shift((a_edition.doc.lang, b_edition.doc.lang), cols))
    column_css += language_css(env, config.templates_dir, "print", _languages(a_edition, b_edition))
    sheets = [config.templates_dir / "print" / "book.css", config.templates_dir / "bilingual" / "print.css"]
    data, refused = write_pdf(html, sheets, config.source_dir, [config.source_dir, config.templates_dir],
                              css_strings=(page_css, column_css), variant=config.pdf_variant)
    output.warnings.extend(f"refused to fetch {url}" for url in refused)
    return data


# --- EPUB -------------------------------------------------------------------------------------

def _markdown_text(doc: Document, role: str, untranslated: str) -> Callable[[str], str]:
    """Segment id → pandoc Markdown of one side; its note calls are renamed [^label-role]."""
    from .render import _escape_pandoc, escape_markdown

    def md(seg_id: str) -> str:
        seg = doc.segment(seg_id)
        text = FOOTNOTE_REF.sub(lambda m: f"[^{m.group(1)}-{role}]", _escape_pandoc(seg.text))
        if seg.lang == doc.lang:
            return text
        return f"[{escape_markdown(untranslated)}]{{.fallback-mark}} [{text}]{{lang={seg.lang} .fallback-text}}"

    return md


@dataclass(frozen=True)
class MarkdownSide:
    role: str
    lang: str
    md: Callable[[str], str]
    fallback: Callable[[str], bool]
    classes: str = ""
    label: Callable[[str, int], str] = lambda kind, number: f"{kind} {number}"

    chapter: Callable = lambda node: ""  # a book chapter's number as Markdown, before its title

    def cell(self, seg_id: str) -> str:
        """The side's text of a table cell: | escaped (pipe tables)."""
        from .render import _escape_cell

        return _escape_cell(self.md(seg_id))

    def attrs(self, seg_id: str) -> str:
        """Pandoc attributes of this side's block: {.half .a .cjk lang=zh-Hans}."""
        extra = " .fallback" if self.fallback(seg_id) else ""
        names = " ".join(f".{name}" for name in self.classes.split())
        return f"{{.half {names}{extra} lang={self.lang}}}"


def epub_markdown(a_edition, b_edition, config: Config, media=None) -> str:
    """Pandoc Markdown of the bilingual e-book: each block of the first language, then the second's.
    ``media(side, node)`` is the file pandoc embeds for a figure of that side."""
    from .render import escape_markdown, fenced_code

    sides = _sides(a_edition, b_edition, lambda doc, role: lambda seg: Markup(""))
    context = _common_context(a_edition, b_edition, sides)
    md_sides = [MarkdownSide(s.role, s.lang, _markdown_text(s.doc, s.role, s.untranslated), s.fallback, s.classes,
                             lambda kind, n, side=s: escape_markdown(side.label(kind, n)),
                             lambda node, side=s: escape_markdown(str(side.chapter(node).striptags())) + " "
                             if side.chapter(node) else "") for s in sides]
    context.update(md_sides=md_sides, fenced_code=fenced_code,
                   figures=_figure_views(md_sides, media or (lambda side, node: "")))
    return _render(config, a_edition, "bilingual/book.md.j2", **context)


#: Classes and attributes the bilingual template gives spans and divs; pandoc's reader reads
#: `[text]{…}` in any segment as a span, so anything else came from a segment's text.
EPUB_CLASSES = frozenset({"half", *ROLES, "cjk", "fallback", "figure", "table-caption", "label", "task-box", "fallback-mark", "fallback-text", "pair", "titlepage",
                          "languages", "publisher", "date"})


def only_template_attributes(node):
    """Keep on Span and Div only the template's classes and ``lang`` (no style, no ids from text)."""
    if isinstance(node, list):
        return [only_template_attributes(child) for child in node]
    if not isinstance(node, dict):
        return node
    if node.get("t") in ("Span", "Div"):
        (_id, names, pairs_), content = node["c"]
        attr = ["", [n for n in names if n in EPUB_CLASSES], [[k, v] for k, v in pairs_ if k == "lang"]]
        return {"t": node["t"], "c": [attr, only_template_attributes(content)]}
    return {key: only_template_attributes(value) for key, value in node.items()}


def render_epub(a_edition, b_edition, config: Config) -> bytes:
    """The bilingual EPUB 3 (cover, title page, contents, interleaved text), through diglot.epub."""
    from .cover import cover_image
    from .ebook import book_metadata, load_labels
    from .editions import stable_identifier
    from .epub import Accessibility, Book, Finish, write_epub

    a, b = a_edition.doc, b_edition.doc
    templates = config.templates_dir
    env = _environment(config, a_edition)
    title = plain_title(a.title.text)
    labels = load_labels(templates, a.lang, a_edition.ui)
    labels["cover_alt"] = labels["cover_alt"].format(title=title)
    languages = f"{language_name(a.lang)} · {language_name(b.lang)}"
    cover = cover_image(env, templates, title=title, lang=a.lang, publisher=_both(a, b, "publisher"),
                        language=languages, date=format_date(a, a.lang), alt=labels["cover_alt"],
                        also=_languages(a_edition, b_edition))
    metadata = book_metadata(a, stable_identifier(a, f"{a.lang}-{b.lang}"), labels, False)
    # The second language's title as the subtitle: the book is catalogued under the first's.
    metadata["title"] = [{"type": "main", "text": title}, {"type": "subtitle", "text": plain_title(b.title.text)}]
    book = Book(
        metadata=metadata,
        stylesheets=(templates / "epub" / "epub.css", templates / "bilingual" / "epub.css"),
        finish=Finish(labels=labels, accessibility=Accessibility(summary=labels["summary"]), languages=(b.lang,)),
        cover_png=cover,
        extra_css=language_css(env, templates, "epub", _languages(a_edition, b_edition)),
        transform=only_template_attributes,
        toc_depth=config.toc_depth,
        # Both halves' calls show the note's number, as in the PDF: [^draft-a] and [^draft-b] are note 1.
        note_numbers={f"{label}-{role}": number for label, number in a.footnote_numbers().items()
                      for role in ROLES},
    )
    import tempfile

    from .ebook import figure_files

    with tempfile.TemporaryDirectory(prefix="diglot-epub-") as tmp:
        per_side = {lang: figure_files(edition.doc, config.source_dir, Path(tmp) / lang)
                    for lang, edition in ((a.lang, a_edition), (b.lang, b_edition))}
        markdown = epub_markdown(a_edition, b_edition, config, lambda side, node: per_side[side.lang][0](node))
        images = frozenset().union(*(files for _media, files in per_side.values()))
        return write_epub(markdown, replace(book, images=images))


__all__ = ["Columns", "check_pairing", "columns", "epub_markdown", "output_name", "pairs",
           "print_html", "render_bilingual", "render_epub", "render_html", "render_pdf"]
