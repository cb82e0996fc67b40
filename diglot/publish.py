"""Render one edition in one format: web page, print PDF, EPUB, and the index.

Imported only when something must be rendered, so that a build with nothing
to do never loads WeasyPrint or pandoc.
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel.support import Translations
from markupsafe import Markup

from . import fonts
from .config import Config
from .epub import write_epub
from .errors import DiglotError
from .model import LANGUAGES, SOURCE_LANG, plain_title
from .pdf import write_pdf
from .render import (
    epub_context, format_date, install_translations, language_name, make_environment, page_context,
    render_template,
)

log = logging.getLogger("diglot.publish")


def check_fonts(editions) -> None:
    langs = sorted({e.doc.lang for e in editions})
    fonts.check_installed(langs)
    if not fonts.harfbuzz_subset_available():
        log.warning("libharfbuzz-subset is missing: PDF font subsetting will be about 12x slower "
                    "(apt-get install libharfbuzz-subset0)")
    for edition in editions:
        doc = edition.doc
        text = "".join(seg.text for seg in doc.segments)
        fonts.check_coverage(text, doc.lang, f"{doc.path} [{doc.lang}]")


def _environment(config: Config, ui):
    env = make_environment(config.templates_dir)
    install_translations(env, ui)
    return env


def _href(config: Config, lang: str, slug: str, fmt: str, relative_from_lang: bool = True) -> str:
    if config.base_url:
        return f"{config.base_url.rstrip('/')}/{lang}/{slug}.{fmt}"
    return f"../{lang}/{slug}.{fmt}" if relative_from_lang else f"{lang}/{slug}.{fmt}"


def render(fmt: str, edition, editions, config: Config, options, output) -> bytes:
    if fmt == "html":
        return render_web(edition, editions, config, options).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(edition, config, options, output)
    if fmt == "epub":
        return render_epub(edition, config)
    raise DiglotError(f"unknown format {fmt!r}")


def render_web(edition, editions, config: Config, options) -> str:
    doc = edition.doc
    langs = [e.doc.lang for e in editions if e.doc.slug == doc.slug]
    languages = [{"lang": lang, "name": language_name(lang), "current": lang == doc.lang,
                  "href": f"../{lang}/{doc.slug}.html"} for lang in langs]
    alternates = [{"hreflang": lang, "href": _href(config, lang, doc.slug, "html")} for lang in langs]
    default = SOURCE_LANG if SOURCE_LANG in langs else langs[0]
    alternates.append({"hreflang": "x-default", "href": _href(config, default, doc.slug, "html")})
    canonical = _href(config, doc.lang, doc.slug, "html") if config.base_url else ""
    css = (config.templates_dir / "web" / "site.css").read_text(encoding="utf-8")
    if options.draft:
        css += "\n.fallback { background: #fff3b0; outline: 1px dashed #b58900; }\n"
    context = page_context(doc, "web", css=Markup(css), languages=languages, alternates=alternates,
                           canonical=canonical)
    return render_template(_environment(config, edition.ui), "web/page.html.j2", config.templates_dir, **context)


def render_pdf(edition, config: Config, options, output) -> bytes:
    doc = edition.doc
    html = render_template(_environment(config, edition.ui), "print/book.html.j2", config.templates_dir,
                           **page_context(doc, "print", paper=config.paper))
    sheets = [config.templates_dir / "print" / "book.css"]
    data, refused = write_pdf(html, sheets, config.source_dir, [config.source_dir, config.templates_dir])
    output.warnings.extend(f"refused to fetch {url}" for url in refused)
    return data


def render_epub(edition, config: Config) -> bytes:
    from .builder import stable_identifier

    doc = edition.doc
    env = _environment(config, edition.ui)
    env.autoescape = False
    markdown = render_template(env, "epub/book.md.j2", config.templates_dir, **epub_context(doc))
    metadata = {
        "title": plain_title(doc.title.text),
        "lang": doc.lang,
        "identifier": [{"scheme": "UUID", "text": stable_identifier(doc, doc.lang)}],
        "date": doc.meta.date_text or None,
        "publisher": doc.meta.publisher or None,
        "rights": doc.meta.rights or None,
        "description": plain_title(doc.description.text) if doc.description else None,
        "toc-title": edition.ui.gettext("Contents"),
    }
    metadata = {k: v for k, v in metadata.items() if v}
    return write_epub(markdown, metadata, config.templates_dir / "epub" / "epub.css",
                      extra_args=("--epub-title-page=false",))


def render_index(editions, outputs, config: Config) -> bytes:
    sizes = {(o.path.parent.name, o.path.name): o.size for o in outputs}
    documents = {}
    for edition in editions:
        doc = edition.doc
        entry = documents.setdefault(doc.slug, {"slug": doc.slug, "editions": []})
        files = []
        for fmt in ("html", "pdf", "epub"):
            size = sizes.get((doc.lang, f"{doc.slug}.{fmt}"))
            if size is not None:
                files.append({"fmt": fmt, "href": f"{doc.lang}/{doc.slug}.{fmt}", "size": _human_size(size)})
        entry["editions"].append({"lang": doc.lang, "language": language_name(doc.lang),
                                  "title": plain_title(doc.title.text), "date": format_date(doc, doc.lang),
                                  "files": files})
    css = (config.templates_dir / "web" / "site.css").read_text(encoding="utf-8")
    env = _environment(config, Translations())
    html = render_template(env, "index.html.j2", config.templates_dir, documents=list(documents.values()),
                           css=Markup(css), languages=LANGUAGES)
    return html.encode("utf-8")


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


__all__ = ["check_fonts", "render", "render_index", "Path"]
