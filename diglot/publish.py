"""Render one edition in one format: web page, print PDF, EPUB, and the index.

Imported only when something must be rendered, so that a build with nothing
to do never loads WeasyPrint or pandoc.
"""

from __future__ import annotations

from babel.support import Translations
from markupsafe import Markup

from . import fonts
from .config import Config
from .errors import DiglotError
from .pdf import write_pdf
from .languages import UI_SOURCE, language
from .render import install_translations, language_css, make_environment, page_context, render_template, text_languages


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
    raise DiglotError(f"unknown format {fmt!r}")


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
    context = page_context(doc, "web", css=Markup(css), **web_context(doc, langs, config.base_url, formats))
    return render_template(env, "web/page.html.j2", config.templates_dir, **context)



def render_pdf(edition, config: Config, options, output) -> bytes:
    """The reading PDF: the chosen paper, tagged (PDF/UA-1)."""
    return _render_book(edition, config, output)


def render_print_pdf(edition, config: Config, options, output) -> bytes:
    """The print-shop PDF: the reading PDF with 3 mm bleed and crop marks; TrimBox is the chosen paper."""
    from .printshop import print_shop_pdf

    return print_shop_pdf(render_pdf(edition, config, options, output))


def _render_book(edition, config: Config, output) -> bytes:
    from .typography import body_style, type_area

    doc = edition.doc
    env = _environment(config, edition.ui)
    area = type_area(config.paper)
    context = page_context(doc, "print", paper=config.paper, area=area, clreq=_clreq_filter(doc.lang))
    html = render_template(env, "print/book.html.j2", config.templates_dir, **context)
    _check_print_fonts(html, doc)
    page_css = render_template(env, "print/page.css.j2", config.templates_dir, area=area,
                               body=body_style(doc.lang, area))
    page_css += language_css(env, config.templates_dir, "print", text_languages(doc))
    sheets = [config.templates_dir / "print" / "book.css"]
    data, refused = write_pdf(html, sheets, config.source_dir, [config.source_dir, config.templates_dir],
                              css_strings=(page_css,), variant=config.pdf_variant)
    output.warnings.extend(f"refused to fetch {url}" for url in refused)
    return data


def _clreq_filter(lang: str):
    """Plain strings of the book (publisher, date) get the segments' Han–Latin spacing."""
    from markupsafe import escape

    from .typography import typeset

    return lambda text: Markup(typeset(str(escape(text)), lang)[0])


def print_generated(lang: str) -> str:
    """Characters the print stylesheets generate (bullets, leaders, note markers) for ``lang``."""
    return ("●" if language(lang).cjk else "•\u2002") + ".0123456789"


def _check_print_fonts(html: str, doc) -> None:
    """Everything the book shows, UI strings and generated content included, has a glyph."""
    from .typography import text_by_lang

    for lang, text in text_by_lang(html, doc.lang).items():
        fonts.check_coverage(text + print_generated(lang), lang, f"{doc.path} [{lang}, print]")


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


def render_index(editions, outputs, config: Config) -> bytes:
    """output/index.html: every document in every language, each file with its size."""
    from .site import index_context

    sizes = {o.path.relative_to(config.output_dir).as_posix(): o.size for o in outputs
             if o.path.is_relative_to(config.output_dir)}
    css = (config.templates_dir / "web" / "site.css").read_text(encoding="utf-8")
    env = _environment(config, Translations())
    html = render_template(env, "index.html.j2", config.templates_dir, css=Markup(css), lang=UI_SOURCE,
                           **index_context(editions, sizes, config.base_url, config.languages, config.pairs))
    return html.encode("utf-8")


__all__ = ["render", "render_index"]
