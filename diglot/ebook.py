"""One edition's e-book: metadata, labels, cover, stylesheets and fonts, handed to diglot.epub.

The vertical Traditional edition (直排) adds a stylesheet, rtl page progression and upright short numbers.
"""

from __future__ import annotations

import string
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING


from . import fonts
from .cover import cover_image
from .epub import Accessibility, Book, Finish, upright_short_numbers, write_epub
from .errors import DiglotError
from .languages import language
from .model import Document, plain_title
from .render import epub_context, format_date, language_css, language_name, render_template, text_languages

if TYPE_CHECKING:
    from jinja2 import Environment

    from .config import Config
    from .editions import Edition

EMBEDDED_FAMILIES = {"serif": "Diglot Serif", "sans": "Diglot Sans"}


def render_book(edition: Edition, config: Config, env: Environment, *, vertical: bool = False,
                embed_fonts: bool = False) -> bytes:
    """The EPUB 3 bytes of one edition. ``env`` is the edition's Jinja environment."""
    doc = edition.doc
    if vertical and not language(doc.lang).vertical:
        raise DiglotError(f"no vertical edition for {doc.lang} (only for languages read vertically, e.g. zh-Hant)")
    with tempfile.TemporaryDirectory(prefix="diglot-epub-") as tmp:
        return _render_book(edition, config, env, vertical, embed_fonts, Path(tmp))


def _render_book(edition: Edition, config: Config, env: Environment, vertical: bool, embed_fonts: bool,
                 tmp: Path) -> bytes:
    from .editions import stable_identifier

    doc = edition.doc
    templates = config.templates_dir
    title = plain_title(doc.title.text)
    labels = load_labels(templates, doc.lang, edition.ui)
    labels["cover_alt"] = labels["cover_alt"].format(title=title)
    media, images = figure_files(doc, config.source_dir, tmp)
    markdown = _markdown(env, templates, doc, edition.ui, media, config.toc_depth)
    identifier = stable_identifier(doc, f"{doc.lang}/vertical" if vertical else doc.lang)
    cover = cover_image(env, templates, title=title, lang=doc.lang, publisher=doc.field_text("publisher"),
                        language=language_name(doc.lang), date=format_date(doc, doc.lang),
                        alt=labels["cover_alt"], vertical=vertical, also=text_languages(doc))
    summary = labels["summary"] + (" " + labels["summary_vertical"] if vertical else "")
    sheets = [templates / "epub" / "epub.css"] + ([templates / "epub" / "epub-vertical.css"] if vertical else [])
    book = Book(
        metadata=book_metadata(doc, identifier, labels, vertical),
        stylesheets=tuple(sheets),
        extra_css=language_css(env, templates, "epub", text_languages(doc)),
        finish=Finish(labels=labels, accessibility=Accessibility(summary=summary)),
        cover_png=cover,
        images=images,
        transform=upright_short_numbers if vertical else None,
        toc_depth=config.toc_depth,
        note_numbers=doc.footnote_numbers(),
    )
    if not embed_fonts:
        return write_epub(markdown, book)
    labels_text = "".join(labels.values())
    text = markdown + labels_text + "".join(str(v) for v in book.metadata.values())
    headings = "".join(s.text for s in doc.segments if s.kind in ("title", "heading")) + labels_text
    faces, css = embedded_faces(doc, text, headings, tmp)
    return write_epub(markdown, replace(book, fonts=tuple(faces), extra_css=book.extra_css + css))


def figure_files(doc: Document, source_root: Path, folder: Path):
    """Copies of the figures' images in ``folder`` (SVG sanitized), for pandoc to embed: a
    figure's file in this edition's language, and the set of files the AST check allows."""
    from .media import image_bytes

    paths: dict[str, str] = {}

    def media(node) -> str:
        rel = node.image.for_language(doc.lang) if node.image is not None else ""
        if rel and rel not in paths:
            target = folder / "media" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(image_bytes(source_root, rel))
            paths[rel] = str(target)
        return paths.get(rel, "")

    for node in _figures(doc.body):
        media(node)
    return media, frozenset(paths.values())


def _figures(nodes):
    for node in nodes:
        if node.kind == "figure":
            yield node
        yield from _figures(node.children)


def _markdown(env: Environment, templates: Path, doc: Document, ui, media, toc_depth: int) -> str:
    # Not HTML-escaped: make_environment leaves *.md.j2 alone; epub_context keeps segments one line.
    return render_template(env, "epub/book.md.j2", templates,
                           **epub_context(doc, ui=ui, media=media, toc_depth=toc_depth))


def book_metadata(doc: Document, identifier: str, labels: dict, vertical: bool) -> dict:
    """Pandoc metadata: title, language, identifier, date, publisher, rights, description…"""
    meta = doc.meta
    return {
        "title": _titles(plain_title(doc.title.text), labels["vertical_edition"] if vertical else ""),
        "lang": doc.lang,
        "identifier": identifier,
        "date": meta.date_text,
        "creator": creators(doc),
        "publisher": doc.field_text("publisher"),
        "rights": doc.field_text("rights"),  # optional in the front matter; left out rather than invented
        "description": plain_title(doc.description.text) if doc.description else "",
        "toc-title": labels["toc"],
        "page-progression-direction": "rtl" if vertical else "ltr",
    }


def creators(doc: Document) -> list[dict]:
    """dc:creator: the author; without one, the publisher, whose work a document issued under
    its name is (the PDF's Author says the same). Reading systems and stores list a book under
    its creator, and show "Unknown" when it has none."""
    author, publisher = doc.field_text("author"), doc.field_text("publisher")
    if author:
        return [{"text": author, "role": "aut"}]
    return [{"text": publisher}] if publisher else []


def _titles(title: str, subtitle: str) -> str | list[dict]:
    # The vertical book's subtitle (直排版) tells it from the horizontal one in a library.
    if not subtitle:
        return title
    return [{"type": "main", "text": title}, {"type": "subtitle", "text": subtitle}]


@lru_cache(maxsize=None)
def _label_table(path: Path, mtime_ns: int) -> dict:
    from .source import load_yaml

    table, _node = load_yaml(path.read_text(encoding="utf-8"), path, what="YAML")  # no aliases or tags from a template either
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise DiglotError("labels must be a table of 'name: English text' lines (their translations are in "
                          "the UI catalogues, translations/<locale>/LC_MESSAGES/ui.po)", path)
    return table


def label_messages(templates: Path) -> list[tuple[str, int]]:
    """(English text, line) of every label: messages of translations/ui.pot."""
    path = templates / "epub" / "labels.yaml"
    table = _label_table(path, path.stat().st_mtime_ns)
    lines = path.read_text(encoding="utf-8").split("\n")
    found = []
    for key, text in table.items():
        line = next((n for n, row in enumerate(lines, start=1) if row.startswith(f"{key}:")), 1)
        found.append((text, line))
    return found


def load_labels(templates: Path, lang: str, ui) -> dict[str, str]:
    """Reading-system labels (landmarks, cover text alternative, accessibility summary) in the
    edition's language, through its UI catalogue like every template string."""
    path = templates / "epub" / "labels.yaml"
    table = _label_table(path, path.stat().st_mtime_ns)
    return {key: str(ui.gettext(text)) for key, text in table.items()}


# --- --embed-fonts --------------------------------------------------------------------

def embedded_faces(doc: Document, text: str, headings: str, folder: Path) -> tuple[list[Path], str]:
    """WOFF subsets of the edition's regular body face (every character of ``text``) and
    bold heading face (``headings``), and the @font-face rules that use them."""
    from .epub import subset_font

    latin = set(string.digits + string.ascii_letters + string.punctuation + " ")
    subsets = [(EMBEDDED_FAMILIES["serif"], "normal", "serif", False, set(text) | latin),
               (EMBEDDED_FAMILIES["sans"], "bold", "sans", True, set(headings) | latin)]
    files, rules = [], []
    for family, weight, role, bold, chars in subsets:
        path, index = fonts.font_file(doc.lang, role, bold)
        name = f"{family.lower().replace(' ', '-')}-{weight}.woff"
        files.append(subset_font(path, index, chars, folder / name))
        rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: normal; '
                     f'src: url("../fonts/{name}") format("woff"); }}')
    return files, "\n".join(rules) + "\n" + _font_rules(doc.lang)


def _font_rules(lang: str) -> str:
    # Loaded after epub.css, with its selectors, so these win for the edition's language only:
    # text that falls back to another language keeps that language's (system) faces.
    serif, sans = EMBEDDED_FAMILIES["serif"], EMBEDDED_FAMILIES["sans"]
    headings = f":lang({lang}) h1, :lang({lang}) h2, :lang({lang}) h3, h1:lang({lang}), h2:lang({lang})"
    return (f':lang({lang}) {{ font-family: "{serif}", serif; }}\n'
            f'{headings} {{ font-family: "{sans}", "{serif}", sans-serif; }}\n')
