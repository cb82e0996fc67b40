"""Bilingual (Chinese/English) parallel editions: web page, print PDF and EPUB, block by block.

A Chinese and the English edition of a document share their Node tree and segment ids, so
each block pairs by id: one row of the web page and of the PDF, two adjacent blocks of the EPUB.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from markupsafe import Markup, escape

from .config import Config
from .errors import DiglotError
from .model import FOOTNOTE_REF, Document, Segment, plain_title
from .render import (
    InlineRenderer, PrintInlineRenderer, anchor, footnote_body, footnote_text, format_date, install_translations,
    language_name,
    make_environment, render_template, web_inline,
)
from .typography import TypeArea, type_area

#: The Chinese editions a bilingual edition can pair with English.
CHINESE = ("zh-Hans", "zh-Hant")
ENGLISH = "en"
#: What a block shows before the source text when its translation is missing or fuzzy.
UNTRANSLATED = "Not yet translated"
KINDS = ("html", "pdf", "print.pdf", "epub")


def output_name(slug: str, zh_lang: str, kind: str) -> str:
    """Where a bilingual edition goes, relative to output/: bilingual/<slug>.zh-Hans-en.pdf."""
    return f"bilingual/{slug}.{zh_lang}-{ENGLISH}.{kind}"


def render_bilingual(kind: str, zh_edition, en_edition, config: Config, options, output) -> bytes:
    """One bilingual edition of ``kind`` (html, pdf, print.pdf, epub) from a Chinese and the English edition.

    ``output`` collects warnings (an Output of diglot.builder, or anything with ``.warnings``).
    """
    check_pairing(zh_edition.doc, en_edition.doc)
    if kind == "html":
        return render_html(zh_edition, en_edition, config, options).encode("utf-8")
    if kind == "pdf":
        return render_pdf(zh_edition, en_edition, config, output)
    if kind == "print.pdf":
        from .printshop import print_shop_pdf

        return print_shop_pdf(render_pdf(zh_edition, en_edition, config, output))
    if kind == "epub":
        return render_epub(zh_edition, en_edition, config)
    raise DiglotError(f"unknown bilingual format {kind!r} (known: {', '.join(KINDS)})")


def check_pairing(zh: Document, en: Document) -> None:
    """Both editions are of one document, Chinese and English, with the same blocks."""
    if zh.lang not in CHINESE or en.lang != ENGLISH:
        raise DiglotError(f"a bilingual edition pairs {' or '.join(CHINESE)} with {ENGLISH}, not {zh.lang} "
                          f"with {en.lang}")
    if zh.slug != en.slug or zh.body != en.body or zh.footnotes != en.footnotes:
        raise DiglotError(f"{zh.path}: the {zh.lang} and {en.lang} editions do not have the same blocks; "
                          "they cannot be set side by side")
    if [s.id for s in zh.segments] != [s.id for s in en.segments]:
        raise DiglotError(f"{zh.path}: the {zh.lang} and {en.lang} editions do not have the same segments")


def pairs(zh: Document, en: Document) -> list[tuple[Segment, Segment]]:
    """Every (Chinese, English) segment pair, in the order of the document."""
    return [(seg, en.segment(seg.id)) for seg in zh.segments]


# --- one language of the pair ---------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """One column of the pair: its edition's text, rendered for one medium."""

    role: str  # "zh" | "en": the column, and the class of its blocks
    doc: Document
    inline: Callable[[Segment], Markup]  # inline Markdown → HTML for this medium
    untranslated: str  # the fallback marker, in this side's language

    @property
    def lang(self) -> str:
        return self.doc.lang

    def fallback(self, seg_id: str) -> bool:
        """True when the segment shows the source text because its translation is missing or fuzzy."""
        return self.doc.segment(seg_id).lang != self.doc.lang

    def attrs(self, seg_id: str, extra: str = "") -> Markup:
        classes = ["half", self.role, *extra.split(), *(["fallback"] if self.fallback(seg_id) else [])]
        return Markup(' lang="{}" class="{}"').format(self.lang, " ".join(classes))

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


def _sides(zh_edition, en_edition, make_inline: Callable[[Document, str], Callable]) -> list[Side]:
    return [Side(role, edition.doc, make_inline(edition.doc, role), edition.ui.gettext(UNTRANSLATED))
            for role, edition in (("zh", zh_edition), ("en", en_edition))]


def _plain(text: str) -> str:
    from .site import plain_text

    return plain_text(text)


def _common_context(zh_edition, en_edition, sides: list[Side]) -> dict:
    """What every medium shows: titles, descriptions, dates, headings, notes, labels."""
    zh, en = zh_edition.doc, en_edition.doc
    numbers = zh.footnote_numbers()
    notes = sorted(zh.footnotes, key=lambda n: numbers.get(n.label, 0))

    def label(seg_id: str) -> str:
        return " · ".join(_plain(s.doc.segment(seg_id).text) for s in sides)

    def row_class(seg_id: str) -> str:
        return " fallback-pair" if any(s.fallback(seg_id) for s in sides) else ""

    return {
        "zh": zh, "en": en, "sides": sides, "lang": zh.lang, "slug": zh.slug,
        "title": f"{plain_title(zh.title.text)} · {plain_title(en.title.text)}",
        "titles": {s.role: plain_title(s.doc.title.text) for s in sides},
        "description": _description(zh, en),
        "has_description": zh.description is not None,
        "publisher": zh.meta.publisher, "author": zh.meta.author or zh.meta.publisher,
        "dates": [(s, format_date(s.doc, s.lang)) for s in sides if s.doc.meta.date],
        "date_iso": zh.meta.date_text,
        "languages": [(s, language_name(s.lang)) for s in sides],
        "body": zh.body, "anchor": anchor, "label": label, "row_class": row_class,
        "toc": [n for n in zh.body if n.kind == "heading" and n.level == 1],
        "notes": [{"label": n.label, "number": numbers.get(n.label, 0),
                   "segments": [c.segment for c in n.children if c.segment]} for n in notes],
        "en_": _gettext(en_edition.ui),
    }


def _description(zh: Document, en: Document) -> str:
    parts = [plain_title(d.description.text) for d in (zh, en) if d.description is not None]
    return " ".join(parts)


def _environment(config: Config, zh_edition):
    # `_()` is the Chinese edition's UI catalogue; `en_()` (context) the English one.
    env = make_environment(config.templates_dir)
    install_translations(env, zh_edition.ui)
    return env


def _render(config: Config, zh_edition, name: str, **context) -> str:
    return render_template(_environment(config, zh_edition), name, config.templates_dir, **context)


# --- web page --------------------------------------------------------------------------------

def _web_inline(doc: Document, role: str) -> InlineRenderer:
    # Note ids carry the side (fn-zh-…, fn-en-…): both languages' notes are on one page.
    return web_inline(doc, f"{role}-")


def render_html(zh_edition, en_edition, config: Config, options=None) -> str:
    """The bilingual web page: self-contained (inline CSS, no script, no web fonts)."""
    sides = _sides(zh_edition, en_edition, _web_inline)
    context = _common_context(zh_edition, en_edition, sides)
    css = "\n".join((config.templates_dir / part).read_text(encoding="utf-8")
                    for part in ("web/site.css", "bilingual/web.css"))
    if getattr(options, "draft", False):
        css += "\n.fallback { background: #fff3b0; color: #1d1d1f; outline: 1px dashed #b58900; }\n"
    formats = getattr(options, "formats", None) or config.formats
    zh = zh_edition.doc
    context.update(
        css=Markup(css),
        editions=[(s, language_name(s.lang), f"../{s.lang}/{zh.slug}.html") for s in sides],
        downloads=[{"kind": kind, "href": output_name(zh.slug, zh.lang, kind).split("/", 1)[1],
                    "type": {"pdf": "application/pdf", "epub": "application/epub+zip"}[kind]}
                   for kind in ("pdf", "epub") if kind in formats],
        meta_description=_meta_description(zh),
    )
    return _render(config, zh_edition, "bilingual/page.html.j2", **context)


def _meta_description(doc: Document) -> str:
    from .site import page_description

    return page_description(doc)


# --- print ------------------------------------------------------------------------------------

#: Share of the paper's width the two columns and their gutter take (the single-language book: 0.68).
WIDTH_SHARE = 0.78
#: Chinese share of the measure: English runs about 1.4 times as many lines as Chinese at the
#: same width, so the Chinese column is the narrower one and a pair's columns end close together.
ZH_SHARE = 0.36
GUTTER_CHARS = 2
#: Both columns share one line pitch: a pair that starts at the foot of a page then fits
#: its first lines in both columns or in neither (WeasyPrint decides each cell alone).
ZH_SIZE, EN_SIZE, PITCH = 10.5, 10.0, 16.8
NOTE_SIZE = 8.5
#: A pair longer than this share of a page (lines of its longer side) may break across pages;
#: shorter ones move whole to the next page, leaving at most this much of a page blank.
LONG_SHARE = 0.2
#: Average advance of an English character at EN_SIZE (Noto Serif), in pt, to estimate line counts.
EN_CHAR = 0.47 * EN_SIZE


@dataclass(frozen=True)
class Columns:
    """The bilingual page: a type area of whole Chinese characters, split into two columns."""

    area: TypeArea  # paper and margins, for templates/print/page.css.j2
    zh_chars: int
    zh_width: float
    gutter: float
    en_width: float
    pitch: float


def columns(paper: str = "A4") -> Columns:
    """Page geometry of the bilingual book for ``paper``: wider than the single-language book's."""
    base = type_area(paper)
    size = base.grid_size
    chars = int(base.paper_width * WIDTH_SHARE // size)
    zh_chars = round(chars * ZH_SHARE)
    width = chars * size
    lines = int(base.height // PITCH)
    height = lines * PITCH
    side = (base.paper_width - width) / 2
    area = replace(base, chars=chars, lines=lines, width=width, height=height, inside=side, outside=side,
                   bottom=base.paper_height - height - base.top)
    return Columns(area, zh_chars, zh_chars * size, GUTTER_CHARS * size, (chars - zh_chars - GUTTER_CHARS) * size,
                   PITCH)


def estimated_lines(zh: Segment, en: Segment, cols: Columns) -> int:
    """Lines of the longer side of a pair (a little generous), to decide whether it may break."""
    zh_lines = -(-len(_plain(zh.text)) // cols.zh_chars)
    en_lines = -(-int(len(_plain(en.text)) * EN_CHAR) // int(cols.en_width))
    return max(zh_lines, en_lines)


def _print_inline(doc: Document, role: str, shared: frozenset[str] = frozenset()) -> PrintInlineRenderer:
    """render._print_inline, with the note's number and language on it: each side has its own
    notes, numbered as in the single-language books (both sides' note 1 is "1"). A note the
    same in both languages (``shared``: a bare URL) is printed once, under the Chinese call."""
    notes = InlineRenderer(doc, lambda label, number: "")

    def call(label: str, number: int) -> str:
        if role != "zh" and label in shared:
            return f'<span class="note-call">{number}</span>'
        body = footnote_body(doc, label, notes)
        return f'<span class="footnote {role}" lang="{doc.lang}" data-number="{number}">{body}</span>'

    return PrintInlineRenderer(doc, call)


def shared_notes(zh: Document, en: Document) -> frozenset[str]:
    """Labels of the notes whose text is the same in both editions."""

    def texts(doc: Document, label: str) -> list[str]:
        return [seg.text for seg in footnote_text(doc, label)]

    return frozenset(note.label for note in zh.footnotes if texts(zh, note.label) == texts(en, note.label))


def print_html(zh_edition, en_edition, config: Config, cols: Columns) -> str:
    """The HTML WeasyPrint sets: a title page, contents, and rows of pairs."""
    shared = shared_notes(zh_edition.doc, en_edition.doc)
    sides = _sides(zh_edition, en_edition, lambda doc, role: _print_inline(doc, role, shared))
    context = _common_context(zh_edition, en_edition, sides)
    limit = max(4, int(cols.area.lines * LONG_SHARE))

    def long(seg_id: str) -> bool:
        return estimated_lines(zh_edition.doc.segment(seg_id), en_edition.doc.segment(seg_id), cols) > limit

    context.update(long=long, clreq=_clreq(zh_edition.doc.lang))
    return _render(config, zh_edition, "bilingual/book.html.j2", **context)


def _clreq(lang: str):
    from .typography import typeset

    return lambda text: Markup(typeset(str(escape(text)), lang)[0])


def render_pdf(zh_edition, en_edition, config: Config, output) -> bytes:
    """The bilingual PDF (PDF/UA-1 tagged)."""
    from .fonts import FACES
    from .pdf import write_pdf
    from .publish import _check_print_fonts
    from .typography import BodyStyle

    cols = columns(config.paper)
    html = print_html(zh_edition, en_edition, config, cols)
    _check_print_fonts(html, zh_edition.doc)
    env = _environment(config, zh_edition)
    body = BodyStyle(ZH_SIZE, PITCH / ZH_SIZE, NOTE_SIZE)
    page_css = render_template(env, "print/page.css.j2", config.templates_dir, area=cols.area, body=body)
    column_css = render_template(env, "bilingual/columns.css.j2", config.templates_dir, cols=cols,
                                 zh_size=ZH_SIZE, en_size=EN_SIZE, note_size=NOTE_SIZE,
                                 zh_serif=FACES[zh_edition.doc.lang][0].family,
                                 zh_sans=FACES[zh_edition.doc.lang][1].family)
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

    def attrs(self, seg_id: str) -> str:
        """Pandoc attributes of this side's block: {.half .zh lang=zh-Hans}."""
        extra = " .fallback" if self.fallback(seg_id) else ""
        return f"{{.half .{self.role}{extra} lang={self.lang}}}"


def epub_markdown(zh_edition, en_edition, config: Config) -> str:
    """Pandoc Markdown of the bilingual e-book: each Chinese block, then its English block."""
    sides = _sides(zh_edition, en_edition, lambda doc, role: lambda seg: Markup(""))
    context = _common_context(zh_edition, en_edition, sides)
    md_sides = [MarkdownSide(s.role, s.lang, _markdown_text(s.doc, s.role, s.untranslated), s.fallback)
                for s in sides]
    context.update(md_sides=md_sides)
    return _render(config, zh_edition, "bilingual/book.md.j2", **context)


#: Classes and attributes the bilingual template gives spans and divs; pandoc's reader reads
#: `[text]{…}` in any segment as a span, so anything else came from a segment's text.
EPUB_CLASSES = frozenset({"half", "zh", "en", "fallback", "fallback-mark", "fallback-text", "pair", "titlepage",
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


def render_epub(zh_edition, en_edition, config: Config) -> bytes:
    """The bilingual EPUB 3 (cover, title page, contents, interleaved text), through diglot.epub."""
    from .builder import stable_identifier
    from .cover import cover_image
    from .ebook import book_metadata, load_labels
    from .epub import Accessibility, Book, Finish, write_epub

    zh, en = zh_edition.doc, en_edition.doc
    templates = config.templates_dir
    title = plain_title(zh.title.text)
    labels = load_labels(templates, zh.lang, zh_edition.ui)
    labels["cover_alt"] = labels["cover_alt"].format(title=title)
    languages = f"{language_name(zh.lang)} · {language_name(en.lang)}"
    cover = cover_image(_environment(config, zh_edition), templates, title=title, lang=zh.lang,
                        publisher=zh.meta.publisher, language=languages, date=format_date(zh, zh.lang),
                        alt=labels["cover_alt"])
    metadata = book_metadata(zh, stable_identifier(zh, f"{zh.lang}-{en.lang}"), labels, False)
    # The English title as the subtitle: the book is catalogued under its Chinese title.
    metadata["title"] = [{"type": "main", "text": title}, {"type": "subtitle", "text": plain_title(en.title.text)}]
    book = Book(
        metadata=metadata,
        stylesheets=(templates / "epub" / "epub.css", templates / "bilingual" / "epub.css"),
        finish=Finish(labels=labels, accessibility=Accessibility(summary=labels["summary"]), languages=(en.lang,)),
        cover_png=cover,
        transform=only_template_attributes,
        # Both halves' calls show the note's number, as in the PDF: [^draft-zh] and [^draft-en] are note 1.
        note_numbers={f"{label}-{role}": number for label, number in zh.footnote_numbers().items()
                      for role in ("zh", "en")},
    )
    return write_epub(epub_markdown(zh_edition, en_edition, config), book)


__all__ = ["CHINESE", "Columns", "check_pairing", "columns", "epub_markdown", "output_name", "pairs",
           "print_html", "render_bilingual", "render_epub", "render_html", "render_pdf"]
