"""Orchestration: the only module that knows the stage order and the output layout.

Like mkdocs' build, everything is read and checked first, then rendered in
memory, then written: bad input leaves every previous output as it was, and
each file is replaced atomically.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import atomic_write, gnu_translations, po_path, read_catalog, translate
from .chinese import convert_catalog, to_traditional
from .config import Config
from .errors import DiglotError, DiglotErrors
from .model import SOURCE_LANG, Document, plain_title
from .source import read_document

log = logging.getLogger("diglot.build")

UI_DOMAIN = "ui"


@dataclass(frozen=True)
class BuildOptions:
    languages: tuple[str, ...] | None = None  # None: the configuration's
    formats: tuple[str, ...] | None = None
    strict: bool = False
    draft: bool = False


@dataclass
class Output:
    path: Path
    lang: str
    fmt: str
    data: bytes = field(repr=False, default=b"")
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class BuildReport:
    outputs: list[Output] = field(default_factory=list)
    fallbacks: dict[str, int] = field(default_factory=dict)  # language → segments shown in the source language
    skipped: dict[str, str] = field(default_factory=dict)  # "slug lang" → reason
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Edition:
    doc: Document
    ui: object  # gettext Translations for the templates


def read_documents(config: Config) -> list[Document]:
    paths = sorted(config.source_dir.glob("*.md"))
    if not paths:
        raise DiglotError(f"no documents (*.md) in {config.source_dir}")
    errors, docs = [], []
    for path in paths:
        try:
            docs.append(read_document(path))
        except DiglotErrors as exc:
            errors.extend(exc.errors)
        except DiglotError as exc:
            errors.append(exc.located(path))
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    return docs


def _optional_catalog(path: Path, lang: str):
    return read_catalog(path, lang) if path.exists() else None


def ui_translations(config: Config) -> dict[str, object]:
    """Template strings per language: English msgids, zh-Hant by OpenCC over zh-Hans."""
    tr = config.translations_dir
    hans = _optional_catalog(po_path(tr, "zh-Hans", UI_DOMAIN), "zh-Hans")
    hant_overrides = _optional_catalog(po_path(tr, "zh-Hant", UI_DOMAIN), "zh-Hant")
    return {
        "zh-Hans": gnu_translations(hans),
        "zh-Hant": gnu_translations(convert_catalog(hans, config.opencc_profile, hant_overrides)),
        "en": gnu_translations(_optional_catalog(po_path(tr, "en", UI_DOMAIN), "en")),
    }


def make_edition(doc: Document, lang: str, config: Config) -> Document:
    tr = config.translations_dir
    if lang == SOURCE_LANG:
        return doc
    if lang == "zh-Hant":
        overrides = _optional_catalog(po_path(tr, lang, doc.slug), lang)
        return to_traditional(doc, config.opencc_profile, overrides)
    return translate(doc, _optional_catalog(po_path(tr, lang, doc.slug), lang), lang)


def translated_percent(edition: Document) -> float:
    total = len(edition.segments)
    return 100.0 * (total - len(edition.fallbacks())) / total if total else 100.0


def prepare(config: Config, options: BuildOptions, report: BuildReport) -> list[Edition]:
    """Read and check every input; nothing is written here."""
    docs = read_documents(config)
    ui = ui_translations(config)
    languages = options.languages or config.languages
    editions = []
    for doc in docs:
        for lang in languages:
            edition = make_edition(doc, lang, config)
            if not _publishable(edition, config, options, report):
                continue
            editions.append(Edition(edition, ui[lang]))
    return editions


def _publishable(edition: Document, config: Config, options: BuildOptions, report: BuildReport) -> bool:
    fallbacks = len(edition.fallbacks())
    lang = edition.lang
    if fallbacks:
        report.fallbacks[lang] = report.fallbacks.get(lang, 0) + fallbacks
        if options.strict:
            raise DiglotError(f"{edition.slug} [{lang}]: {fallbacks} messages untranslated or fuzzy (--strict)")
    percent = translated_percent(edition)
    if percent < config.min_translated:
        reason = (f"only {percent:.0f}% translated, under min_translated = {config.min_translated}%;"
                  f" not published")
        report.skipped[f"{edition.slug} {lang}"] = reason
        log.warning("%s [%s]: %s", edition.slug, lang, reason)
        return False
    return True


def edition_path(config: Config, edition: Document, fmt: str) -> Path:
    return config.output_dir / edition.lang / f"{edition.slug}.{fmt}"


def stable_identifier(doc: Document, lang: str) -> str:
    """One identifier per document and language, stable across builds."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{doc.meta.identifier}#{lang}')}"


def build(config: Config, options: BuildOptions = BuildOptions()) -> BuildReport:
    from . import publish  # rendering engines load only when there is work

    report = BuildReport()
    _check_output_dir(config.output_dir)
    if options.strict:
        _check_catalogues(config)
    editions = prepare(config, options, report)
    formats = options.formats or config.formats
    publish.check_fonts(editions)
    for edition in editions:
        for fmt in formats:
            started = time.perf_counter()
            output = Output(edition_path(config, edition.doc, fmt), edition.doc.lang, fmt)
            output.data = publish.render(fmt, edition, editions, config, options, output)
            output.seconds = time.perf_counter() - started
            report.outputs.append(output)
    index = Output(config.output_dir / "index.html", "", "index")
    index.data = publish.render_index(editions, report.outputs, config)
    report.outputs.append(index)
    for output in report.outputs:
        atomic_write(output.path, output.data)
    return report


def _check_catalogues(config: Config) -> None:
    from .workflow import check

    errors = [DiglotError(f.message, f.path, f.line) for f in check(config) if f.severity == "error"]
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)


def _check_output_dir(output: Path) -> None:
    if output.is_symlink():
        raise DiglotError(f"{output} is a symbolic link; Diglot writes only into a real folder")
    if output.exists() and not output.is_dir():
        raise DiglotError(f"{output} exists and is not a folder")


__all__ = ["BuildOptions", "BuildReport", "Edition", "build", "plain_title", "stable_identifier"]
