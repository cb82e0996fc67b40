"""Reading a project's inputs and making its editions: the layer under the build and the translators' commands.

In: the configuration, ``source/``, ``translations/``. Out: Documents, one per source,
and their editions, each made as the registry's recipe says (the source itself, a
catalogue's translation, or a conversion of another edition), with the UI strings
of its language. Nothing here plans, renders or writes outputs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterator
from pathlib import Path

from .config import Config
from .errors import DiglotError, DiglotErrors
from .languages import UI_SOURCE, Recipe, language, recipes
from .model import FOOTNOTE_REF, Document

UI_DOMAIN = "ui"


@dataclass(frozen=True)
class Edition:
    """A document in one language, with that language's UI strings (gettext Translations)."""

    doc: Document
    ui: object


# --- sources ---------------------------------------------------------------------------------

def document_paths(config: Config) -> list[Path]:
    """The publications of ``source/``: its documents (*.md) and its books (folders with a book.yaml)."""
    from .books import is_book

    found = [*config.source_dir.glob("*.md"), *(p for p in config.source_dir.iterdir() if p.is_dir() and is_book(p))] \
        if config.source_dir.is_dir() else []
    return sorted(found, key=lambda p: p.name)


def read_publication(path: Path, config: Config) -> Document:
    """One document, or one book with its chapters, checked (links included)."""
    from .books import read_book
    from .links import check_internal_links
    from .source import read_document

    if path.is_dir():
        book = read_book(path, config.source_dir)
        errors = []
        for chapter in book.chapters:
            try:
                check_internal_links(chapter, in_book=True)
            except DiglotErrors as exc:
                errors.extend(exc.errors)
            except DiglotError as exc:
                errors.append(exc)
        if errors:
            raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
        return book
    doc = read_document(path, config.source_dir)
    check_internal_links(doc)
    return doc


def publication_path(config: Config, slug: str) -> Path:
    """Where the document or book called ``slug`` is: source/<slug>.md or the folder source/<slug>/."""
    single = config.source_dir / f"{slug}.md"
    return single if single.exists() or not (config.source_dir / slug).is_dir() else config.source_dir / slug


def domains(doc: Document) -> list[Document]:
    """The parts of a publication with a catalogue each: a document; a book's own texts, then its chapters."""
    return [replace(doc, chapters=()), *doc.chapters] if doc.chapters else [doc]


def source_files(config: Config, doc: Document) -> list[Path]:
    """Every file an edition of ``doc`` is made from in source/: its text (a book's chapters too)
    and its figures' images (every language's variant)."""
    from .plan import figure_images

    files = [part.path for part in domains(doc)]
    for part in domains(doc):
        files += [config.source_dir / rel for image in figure_images(part.body) for rel in image.files]
    return list(dict.fromkeys(files))


def catalogue_files(config: Config, doc: Document, langs) -> list[Path]:
    return [catalog_path(config, lang, part.slug) for lang in langs for part in domains(doc)]


def read_documents(config: Config, only=None) -> list[Document]:
    """Every document and book of ``source/`` (or those of them at the paths ``only``), checked;
    all problems of all of them at once."""
    return [doc for _path, doc in iter_documents(config, only) if doc is not None]


def iter_documents(config: Config, only=None) -> Iterator[tuple[Path, Document | None]]:
    """read_documents one publication at a time, as (path, document), None where it has problems:
    a caller can keep what it needs of each and drop it before the next is read (planning at
    thousands of documents). All problems of all of them are raised once every one was read."""
    paths = document_paths(config)
    if not paths:
        raise DiglotError(f"no documents (*.md) or books (<folder>/book.yaml) in {config.source_dir}")
    if only is not None:
        paths = [path for path in paths if path in only]
    errors = []
    for path in paths:
        try:
            doc = read_publication(path, config)
        except DiglotErrors as exc:
            errors.extend(exc.errors)
            doc = None
        except DiglotError as exc:
            errors.append(exc.located(path))
            doc = None
        yield path, doc
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)


# --- catalogues ----------------------------------------------------------------------------------

def optional_catalog(path: Path, lang: str):
    """The catalogue at ``path``, strictly read, or None when there is none."""
    from .catalog import read_catalog

    return read_catalog(path, lang) if path.exists() or path.is_symlink() else None


def catalog_path(config: Config, lang: str, domain: str) -> Path:
    from .catalog import po_path

    return po_path(config.translations_dir, lang, domain)


def ui_recipes(config: Config) -> dict[str, Recipe]:
    """How each language's UI strings are made: the templates' English msgids are the source."""
    return recipes(UI_SOURCE, config.languages, config.derivations)


def ui_catalogs(config: Config) -> dict[str, object]:
    """Template strings per language as Babel catalogues (the UI source language: None, the msgids)."""
    from .chinese import convert_catalog
    from .phrases import rule_pairs

    made: dict[str, object] = {}
    for lang, recipe in ui_recipes(config).items():
        own = optional_catalog(catalog_path(config, lang, UI_DOMAIN), lang)
        if recipe.how == "derived":
            rules = rule_pairs(config, recipe.base, lang, recipe.profile)
            made[lang] = convert_catalog(made.get(recipe.base), recipe.profile, own, language(lang).locale, rules)
        else:
            made[lang] = own
    return made


def ui_translations(config: Config) -> dict[str, object]:
    from .catalog import gnu_translations

    return {lang: gnu_translations(catalog) for lang, catalog in ui_catalogs(config).items()}


# --- editions ----------------------------------------------------------------------------------------

def edition_recipes(doc: Document, config: Config) -> dict[str, Recipe]:
    """How each configured language's edition of ``doc`` is made, bases first."""
    return _recipes(doc.lang, config.languages, tuple(sorted(config.derivations.items())))


@lru_cache(maxsize=256)
def _recipes(source: str, languages: tuple[str, ...], derive: tuple) -> dict[str, Recipe]:
    return recipes(source, languages, dict(derive))


def content_catalog(doc: Document, lang: str, config: Config):
    """The catalogue an edition is made from: translations, or a derived edition's reviewer overrides."""
    if lang == doc.lang:
        return None
    path = catalog_path(config, lang, doc.slug)
    catalog = optional_catalog(path, lang)
    if catalog is not None:
        check_translations(doc, catalog, path)
    return catalog


def check_translations(doc: Document, catalog, path: Path) -> None:
    """Translated text meets the same rules as the source: no unsafe links, no dangling notes."""
    from .links import check_link_targets
    from .safety import check_text

    labels = {note.label for note in doc.footnotes}
    for seg in doc.segments:
        message = catalog.get(seg.text)
        if message is None or not message.string or message.fuzzy:
            continue
        line = message.lineno or 1
        if not isinstance(message.string, str):
            raise DiglotError("a document message has plural forms (msgid_plural); a block is one text", path, line)
        check_text(message.string, path, line)
        check_link_targets(message.string, doc, path, line)
        for label in FOOTNOTE_REF.findall(message.string):
            if seg.kind == "footnote":  # as in a source (diglot.source): pandoc never ends a note that calls itself
                raise DiglotError(f"footnote call [^{label}] inside a footnote: notes cannot have notes", path, line)
            if label not in labels:
                raise DiglotError(f"footnote [^{label}] does not exist in the source", path, line)


def make_edition(doc: Document, lang: str, config: Config, catalog=None, base: Document | None = None) -> Document:
    """``doc`` in ``lang``, made as its recipe says; ``catalog`` and ``base`` when already at hand.
    A book's edition is its chapters' editions (each from its own catalogue), assembled."""
    from .catalog import translate
    from .chinese import convert_document
    from .phrases import rule_pairs

    if doc.chapters:
        from .books import assemble

        head = make_edition(replace(doc, chapters=()), lang, config, catalog, base=None)
        return assemble(head, [make_edition(chapter, lang, config) for chapter in doc.chapters])
    if lang == doc.lang:
        return doc
    recipe = edition_recipes(doc, config).get(lang) or Recipe(lang, "catalogue")
    catalog = catalog if catalog is not None else content_catalog(doc, lang, config)
    if recipe.how == "catalogue":
        return _with_given(translate(doc, catalog, lang), doc)
    base = base if base is not None and not base.parts else make_edition(doc, recipe.base, config)
    rules = rule_pairs(config, recipe.base, lang, recipe.profile)
    return _with_given(convert_document(base, lang, recipe.profile, catalog, rules), doc)


def _with_given(edition: Document, doc: Document) -> Document:
    """Front matter texts the source gives for this language (publisher: {en: …}) win."""
    given = {key: texts[edition.lang] for key, texts in doc.meta.given.items() if edition.lang in texts}
    if not given:
        return edition
    from dataclasses import replace

    segments = [replace(seg, text=given[seg.id], lang=edition.lang, source=seg.msgid, fallback=False)
                if seg.id in given else seg for seg in edition.segments]
    return edition.with_segments(segments)


def translated_percent(edition: Document) -> float:
    total = len(edition.segments)
    return 100.0 * (total - len(edition.fallbacks())) / total if total else 100.0


def unpublished_reason(edition: Document, config: Config) -> str | None:
    """Why an edition is not published (too little of it translated), or None."""
    percent = translated_percent(edition)
    if percent < config.min_translated:
        return f"only {percent:.0f}% translated, under min_translated = {config.min_translated}%; not published"
    return None


def stable_identifier(doc: Document, lang: str) -> str:
    """One identifier per document and language, stable across builds."""
    return identifier_urn(doc.meta.identifier, lang)


def identifier_urn(identifier: str, lang: str) -> str:
    """stable_identifier() from the front matter's identifier alone."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{identifier}#{lang}')}"


def prepare(config: Config, languages=None) -> list[Edition]:
    """Every publishable edition of every document, materialized (for tools and tests; builds plan jobs)."""
    ui = ui_translations(config)
    editions = []
    for doc in read_documents(config):
        made: dict[str, Document] = {}
        for lang, recipe in edition_recipes(doc, config).items():
            made[lang] = make_edition(doc, lang, config, base=made.get(recipe.base))
            if (languages is None or lang in languages) and unpublished_reason(made[lang], config) is None:
                editions.append(Edition(made[lang], ui[lang]))
    return editions
