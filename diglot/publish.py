"""Render one edition in one format: web page, print PDF, EPUB, and the index.

Imported only when something must be rendered, so that a build with nothing
to do never loads WeasyPrint or pandoc.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from babel.support import Translations
from markupsafe import Markup

from . import fonts
from .config import Config
from .errors import DiglotError
from .pdf import write_pdf
from .languages import UI_SOURCE, language
from .render import (
    install_translations, language_css, make_environment, page_context, render_template, render_template_chunks,
    text_languages,
)


def _environment(config: Config, ui):
    env = make_environment(config.templates_dir)
    install_translations(env, ui)
    return env


def render(fmt: str, edition, langs: tuple[str, ...], config: Config, options, output) -> bytes:
    """One edition in one format; ``langs`` are the document's published languages (switcher)."""
    if fmt == "html":
        return render_web(edition, langs, config, options).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(edition, config, options, output)
    if fmt == "print.pdf":
        return render_print_pdf(edition, config, options, output)
    if fmt == "epub":
        return render_epub(edition, config, options)
    if fmt == "vertical.epub":
        return render_vertical_epub(edition, config, options)
    if fmt == "cover.png":
        return derive(fmt, render_epub(edition, config, options))
    raise DiglotError(f"unknown format {fmt!r}")


def derive(kind: str, data: bytes) -> bytes:
    """An output made from another's bytes: the print-shop PDF from the reading PDF, the cover
    image from the e-book (what the index and the OPDS catalogue show)."""
    if kind == "print.pdf":
        from .printshop import print_shop_pdf

        return print_shop_pdf(data)
    if kind == "cover.png":
        from .epub import cover_of

        return cover_of(data)
    raise DiglotError(f"no output {kind!r} is made from another")


def _linked_formats(doc, config: Config, options) -> tuple[str, ...]:
    """Formats to link: this build's, plus those already published (a partial build keeps their links)."""
    chosen = getattr(options, "formats", None)
    if not chosen:
        return tuple(config.formats)
    return tuple(f for f in config.formats
                 if f in chosen or (config.output_dir / doc.lang / f"{doc.slug}.{f}").exists())


def render_web(edition, langs: tuple[str, ...], config: Config, options) -> str:
    """The web page of one edition: self-contained (inline CSS, no scripts or web fonts)."""
    from .site import web_context

    doc = edition.doc
    langs = list(langs) or [doc.lang]
    formats = _linked_formats(doc, config, options)
    env = _environment(config, edition.ui)
    css = (config.templates_dir / "web" / "site.css").read_text(encoding="utf-8")
    css += language_css(env, config.templates_dir, "web", text_languages(doc))
    if getattr(options, "draft", False):
        css += "\n.fallback { background: #fff3b0; color: #1d1d1f; outline: 1px dashed #b58900; }\n"
    context = page_context(doc, "web", toc_depth=config.toc_depth, media=web_media(doc.lang), css=Markup(css),
                           **web_context(doc, langs, config.base_url, formats))
    return render_template(env, "web/page.html.j2", config.templates_dir, **context)


def web_media(lang: str):
    """A figure's image on a web page: its copy in output/media/, the edition's variant if it has one."""
    return lambda node: f"../media/{node.image.for_language(lang)}" if node.image is not None else node.src


def print_media(config: Config, lang: str):
    """A figure's image in the print book: the source file, which the confined fetcher serves
    (an SVG sanitized)."""
    return lambda node: (config.source_dir / node.image.for_language(lang)).resolve().as_uri() if node.image else ""


def print_code(lang: str, area, size: float):
    """Code blocks of the print book, wrapped to the measure with their continuations marked."""
    from .typography import code_columns, wrap_code

    columns = code_columns(area.width - 12, 0.9 * size, language(lang).cjk)
    return lambda node: Markup(wrap_code(node.literal, columns))



def render_pdf(edition, config: Config, options, output) -> bytes:
    """The reading PDF: the chosen paper, tagged (PDF/UA-1)."""
    return _render_book(edition, config, output)


def render_print_pdf(edition, config: Config, options, output) -> bytes:
    """The print-shop PDF: the reading PDF with 3 mm bleed and crop marks; TrimBox is the chosen paper."""
    from .printshop import print_shop_pdf

    return print_shop_pdf(render_pdf(edition, config, options, output))


def _render_book(edition, config: Config, output) -> bytes:
    book = print_book(edition, config)
    data, refused = write_pdf(book.html, book.sheets, config.source_dir, book.roots, css_strings=book.css,
                              variant=config.pdf_variant)
    output.warnings.extend(f"refused to fetch {url}" for url in refused)
    return data


@dataclass(frozen=True)
class PrintBook:
    """What WeasyPrint is given for a print book (or one part of it): HTML, style sheets, the
    generated page and language rules, and the folders its fetcher may read."""

    html: str
    sheets: list
    css: tuple[str, ...]
    roots: list


def print_book(edition, config: Config, part=None, toc_pages=None) -> PrintBook:
    """The print book of ``edition``; with ``part`` (diglot.parts) only that part of it, with
    ``toc_pages`` the page numbers its contents give."""
    from .typography import body_style, type_area

    doc = edition.doc
    env = _environment(config, edition.ui)
    area = type_area(config.paper)
    body = body_style(doc.lang, area)
    extra = {"toc_pages": toc_pages} if toc_pages is not None else {}
    context = page_context(doc, "print", toc_depth=config.toc_depth, media=print_media(config, doc.lang),
                           code=print_code(doc.lang, area, body.font_size), paper=config.paper, area=area,
                           clreq=_clreq_filter(doc.lang), part=part, **extra)
    html = render_template(env, "print/book.html.j2", config.templates_dir, **context)
    _check_print_fonts(html, doc)
    page_css = render_template(env, "print/page.css.j2", config.templates_dir, area=area, body=body)
    page_css += language_css(env, config.templates_dir, "print", text_languages(doc))
    sheets = [config.templates_dir / "print" / "book.css"]
    return PrintBook(html, sheets, (page_css,), [config.source_dir, config.templates_dir])


def _clreq_filter(lang: str):
    """Plain strings of the book (publisher, date) get the segments' Han–Latin spacing."""
    from markupsafe import escape

    from .typography import typeset

    return lambda text: Markup(typeset(str(escape(text)), lang)[0])


def print_generated(lang: str) -> str:
    """Characters the print stylesheets generate (bullets, leaders and their en spaces, note markers)."""
    return ("●" if language(lang).cjk else "•") + "\u2002.0123456789"


def _check_print_fonts(html: str, doc) -> None:
    """Everything the book shows, UI strings and generated content included, has a glyph."""
    from .typography import text_by_lang

    also = text_languages(doc)  # the stacks list these languages' faces after each one's own
    for lang, text in text_by_lang(html, doc.lang).items():
        fonts.check_coverage(text + print_generated(lang), lang, f"{doc.path} [{lang}, print]", also)


def render_epub(edition, config: Config, options=None) -> bytes:
    """The EPUB 3 of one edition; ``options.embed_fonts`` embeds subsets of its faces."""
    from .ebook import render_book

    return render_book(edition, config, _environment(config, edition.ui),
                       embed_fonts=bool(getattr(options, "embed_fonts", False)))


def render_vertical_epub(edition, config: Config, options=None) -> bytes:
    """The vertical (直排) EPUB 3 of a Traditional Chinese edition: <lang>/<slug>.vertical.epub."""
    from .ebook import render_book

    return render_book(edition, config, _environment(config, edition.ui), vertical=True,
                       embed_fonts=bool(getattr(options, "embed_fonts", False)))


def render_index(listings, sizes: dict[str, int], config: Config, lang: str | None = None, ui=None
                 ) -> Iterator[bytes]:
    """output/index.html (every publication in every language, each file with its size: ``sizes``,
    path under output/ → bytes), or with ``lang`` output/<lang>/index.html, that language's (its UI
    strings from ``ui``); ``listings``: diglot.listing's Listing of each published edition. The page comes
    in pieces, to be written as it is made: at thousands of editions it is megabytes."""
    from .site import index_context

    css = (config.templates_dir / "web" / "site.css").read_text(encoding="utf-8")
    env = _environment(config, ui if ui is not None else Translations())
    css += language_css(env, config.templates_dir, "web", [lang or UI_SOURCE])
    context = index_context(listings, sizes, config.base_url, config.languages, config.pairs, lang)
    for piece in render_template_chunks(env, "index.html.j2", config.templates_dir, css=Markup(css),
                                        lang=lang or UI_SOURCE, **context):
        yield piece.encode("utf-8")


__all__ = ["render", "render_index"]
