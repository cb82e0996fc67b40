"""Planning a build: one job per output (document × edition × kind) with a content fingerprint.

In: the configuration, the build options and the project's inputs (read through
diglot.editions). Out: the job list. Nothing is rendered; the fingerprint hashes
everything an output is made from, so an unchanged fingerprint means an unchanged output.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from . import __version__
from .config import Config
from .editions import (
    UI_DOMAIN, catalog_path, content_catalog, domains, edition_recipes, make_edition, read_documents, source_files,
    ui_catalogs, unpublished_reason,
)
from .errors import DiglotError
from .languages import language
from .manifest import digest
from .model import Document
from .phrases import rule_pairs
from .report import BuildReport

log = logging.getLogger("diglot.build")

#: kind → format option that selects it. print.pdf and vertical.epub are variants.
KINDS = {"html": "html", "pdf": "pdf", "print.pdf": "pdf", "epub": "epub", "vertical.epub": "epub",
         "cover.png": "epub"}
#: Outputs made from another output's bytes (kind → the kind it is made from): the print-shop PDF
#: from the reading PDF, the cover image (for catalogues: the index, OPDS) from the e-book.
DERIVED = {"print.pdf": "pdf", "cover.png": "epub"}
#: What a bilingual edition is made as (no vertical side-by-side book).
BILINGUAL_KINDS = ("html", "pdf", "print.pdf", "epub", "cover.png")
ENGINE_PACKAGES = ("weasyprint", "pypandoc-binary", "opencc", "babel", "jinja2", "markdown-it-py", "pydyf", "pikepdf",
                   "uharfbuzz", "resvg-py", "pillow")
#: Formats drawn with the installed fonts (the PDFs' text, the e-books' cover): their fingerprints include them.
FONT_FORMATS = ("pdf", "epub")


@dataclass(frozen=True)
class BuildOptions:
    languages: tuple[str, ...] | None = None  # None: the configuration's
    formats: tuple[str, ...] | None = None
    strict: bool = False
    draft: bool = False
    embed_fonts: bool = False  # EPUB: embed font subsets
    force: bool = False
    jobs: int = 0  # worker processes; 0: one per CPU
    executor: str = "local"  # local | dask
    scheduler: str | None = None  # Dask scheduler address; None: a LocalCluster


@dataclass(frozen=True)
class Job:
    slug: str
    lang: str  # the edition's tag, or "a-b" for a bilingual edition (display)
    kind: str
    rel: str  # output path relative to output/
    langs: tuple[str, ...]  # published languages of the document (language switcher)
    fingerprint: str = ""
    #: The editions the output is made from: one, or the two of a bilingual edition.
    editions: tuple[str, ...] = ()
    #: Outputs made from this one's bytes in the same run: the print-shop PDF from the reading PDF.
    derived: tuple["Job", ...] = ()
    source: str = ""  # the document's source language: untranslated text is set in its faces

    @property
    def bilingual(self) -> bool:
        return len(self.editions) == 2


def edition_path(lang: str, slug: str, kind: str) -> str:
    return f"{lang}/{slug}.{kind}"


def bilingual_path(slug: str, pair: tuple[str, str], kind: str) -> str:
    """Where a bilingual edition goes, relative to output/: bilingual/<slug>.<a>-<b>.<kind>."""
    return f"bilingual/{slug}.{pair[0]}-{pair[1]}.{kind}"


def kinds_for(lang: str, formats: tuple[str, ...]) -> list[str]:
    # Vertical setting (縱排) is a Traditional Chinese reading habit: only those editions get that e-book.
    return [kind for kind, fmt in KINDS.items()
            if fmt in formats and (kind != "vertical.epub" or language(lang).vertical)]


def _messages_used(doc: Document, catalog) -> list:
    if catalog is None:
        return []
    used = []
    for seg in doc.segments:
        message = catalog.get(seg.text)
        if message is not None:
            used.append((seg.text, message.string, message.fuzzy))
    return used


def _ui_digest(catalog) -> str:
    return digest([(m.id, m.string, m.fuzzy) for m in catalog or () if m.id])


def _engine_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {"diglot": __version__}
    for name in ENGINE_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def templates_digest(config: Config) -> str:
    files = sorted(p for p in config.templates_dir.rglob("*") if p.is_file())
    return digest([(str(p.relative_to(config.templates_dir)), p.read_bytes().hex()) for p in files])


def _fonts_digest(langs) -> str:
    from .fonts import font_files

    return digest(font_files(langs))


def fonts_used(config: Config, options: BuildOptions, langs=()) -> dict[str, list[int]]:
    """Font file → stat, for the no-op check: what the PDFs' and e-books' fingerprints saw (fc-match is cached)."""
    if not set(FONT_FORMATS) & set(options.formats or config.formats):
        return {}
    from .fonts import font_files

    wanted = tuple(dict.fromkeys((*(options.languages or config.languages), *langs)))
    return {path: stat for path, _index, stat in font_files(wanted) if stat}


def plan_key(config: Config, options: BuildOptions) -> str:
    """What every output depends on besides the files: configuration and options."""
    return digest(__version__, repr(config.__dict__), options.languages, options.formats, options.draft,
                  options.strict, options.embed_fonts)


def document_languages(docs) -> tuple[str, ...]:
    """The source languages of documents (or jobs): their faces set fallback text in every edition."""
    return tuple(dict.fromkeys(getattr(doc, "source", "") or doc.lang for doc in docs))


def plan(config: Config, options: BuildOptions, report: BuildReport) -> list[Job]:
    """One job per output with its fingerprint; reads every input, renders nothing."""
    formats = options.formats or config.formats
    wanted = options.languages or config.languages
    docs = read_documents(config)
    common = digest(plan_key(config, options), _engine_versions(), templates_digest(config))
    ui = {lang: _ui_digest(catalog) for lang, catalog in ui_catalogs(config).items()}
    fonts = _fonts_digest(tuple(dict.fromkeys((*wanted, *document_languages(docs))))) if set(FONT_FORMATS) & set(formats) else ""
    jobs = []
    for doc in docs:
        _report_warnings(doc, options, report)
        source = digest([(str(path), path.read_bytes().hex()) for path in source_files(config, doc)])
        messages = _published_editions(doc, config, options, report)
        langs = tuple(lang for lang in config.languages if lang in messages)
        for lang in (lang for lang in langs if lang in wanted):
            for kind in kinds_for(lang, formats):
                extra = langs if kind == "html" else fonts if kind.endswith(FONT_FORMATS) else ""
                fingerprint = digest(common, source, messages[lang], ui[lang], kind, extra)
                jobs.append(Job(doc.slug, lang, kind, edition_path(lang, doc.slug, kind), langs, fingerprint, (lang,),
                                source=doc.lang))
        jobs += _bilingual_jobs(doc, messages, config, wanted, formats, (common, source, fonts), ui)
    if "html" in formats:
        jobs += media_jobs(config, docs)
    return jobs


def figure_images(nodes):
    """Every figure's image of a block tree (media.Image), in reading order."""
    for node in nodes:
        if node.kind == "figure" and node.image is not None:
            yield node.image
        yield from figure_images(node.children)


def media_jobs(config: Config, docs: list[Document]) -> list[Job]:
    """output/media/<path under source/>: each figure's image (and its language variants) once,
    for the web pages; the PDFs and e-books hold their own copies."""
    import hashlib

    jobs, seen = [], set()
    for doc in (part for publication in docs for part in domains(publication)):
        for image in figure_images(doc.body):
            for rel in image.files:
                if rel in seen:
                    continue
                seen.add(rel)
                data = (config.source_dir / rel).read_bytes()
                fingerprint = digest(__version__, "media", hashlib.sha256(data).hexdigest())
                jobs.append(Job(doc.slug, "", "media", f"media/{rel}", (), fingerprint, (), source=doc.lang))
    return jobs


def _published_editions(doc: Document, config: Config, options: BuildOptions, report: BuildReport) -> dict[str, str]:
    """Each published edition's digest of the messages it is made from (its base's included).

    An edition made from a catalogue is made here to count what falls back; a derived one
    falls back exactly where its base does, so it is not converted while planning.
    """
    made: dict[str, tuple[str, int, bool]] = {}  # lang → (messages digest, fallbacks, published)
    for lang, recipe in edition_recipes(doc, config).items():
        catalogs = [(part, content_catalog(part, lang, config)) for part in domains(doc)]
        catalog = catalogs[0][1]
        used = [_messages_used(part, part_catalog) for part, part_catalog in catalogs]
        if recipe.how == "source":
            made[lang] = (digest(recipe), 0, True)
            continue
        if recipe.how == "derived":
            _report_stale(catalogs, config, lang, options, report)
            base_digest, fallbacks, published = made[recipe.base]
            rules = rule_pairs(config, recipe.base, lang, recipe.profile)
            made[lang] = (digest(recipe, used, base_digest, rules), fallbacks, published)
        else:
            edition = make_edition(doc, lang, config, catalog)
            reason = unpublished_reason(edition, config)
            if reason:
                report.skipped[f"{doc.slug} {lang}"] = reason
                log.warning("%s [%s]: %s", doc.slug, lang, reason)
            made[lang] = (digest(recipe, used), len(edition.fallbacks()), reason is None)
        if made[lang][2]:  # an edition that is not published shows nothing, falls back nowhere
            _count_fallbacks(doc, lang, made[lang][1], options, report)
    return {lang: messages for lang, (messages, _, published) in made.items() if published}


def _report_warnings(doc: Document, options: BuildOptions, report: BuildReport) -> None:
    warnings = [w for part in domains(doc) for w in part.warnings]
    for warning in warnings:
        log.warning("%s", warning)
        report.warnings.append(warning)
    if options.strict and warnings:
        raise DiglotError(f"{warnings[0]} (--strict)")


def _report_stale(catalogs, config: Config, lang: str, options: BuildOptions, report: BuildReport) -> None:
    """A reviewer's override that no longer applies: readers silently get the converted text."""
    from .review import stale_overrides

    for part, catalog in catalogs:
        for stale in stale_overrides(part, catalog, catalog_path(config, lang, part.slug)):
            warning = str(stale).replace(f"{config.root}/", "")
            log.warning("%s", warning)
            report.warnings.append(warning)
            if options.strict:
                raise DiglotError(f"{warning} (--strict)")


def _count_fallbacks(doc: Document, lang: str, fallbacks: int, options: BuildOptions, report: BuildReport) -> None:
    if not fallbacks:
        return
    report.fallbacks[lang] = report.fallbacks.get(lang, 0) + fallbacks
    if options.strict:
        raise DiglotError(f"{doc.slug} [{lang}]: {fallbacks} messages untranslated or fuzzy (--strict)")


def _bilingual_jobs(doc: Document, messages: dict, config: Config, wanted, formats, base: tuple, ui: dict) -> list[Job]:
    """output/bilingual/<slug>.<a>-<b>.<kind> for each configured pair whose editions are both published."""
    common, source, fonts = base
    langs = tuple(lang for lang in config.languages if lang in messages)
    jobs = []
    for pair in config.pairs:
        if not all(lang in messages and lang in wanted for lang in pair):  # both its languages asked for
            continue
        for kind in (k for k in kinds_for(pair[0], formats) if k in BILINGUAL_KINDS):
            extra = fonts if kind.endswith(FONT_FORMATS) else ""
            fingerprint = digest(common, source, [messages[lang] for lang in pair], [ui[lang] for lang in pair],
                                 kind, extra, "bilingual")
            jobs.append(Job(doc.slug, "-".join(pair), kind, bilingual_path(doc.slug, pair, kind), langs, fingerprint,
                            pair, source=doc.lang))
    return jobs


def fold_derived(jobs: list[Job]) -> list[Job]:
    """A stale derived output whose source output is also stale is made from it, in the same job."""
    sources = {(j.slug, j.editions, j.kind): j for j in jobs if j.kind in DERIVED.values()}
    derived: dict[Job, list[Job]] = {}
    for job in jobs:
        source = sources.get((job.slug, job.editions, DERIVED.get(job.kind, "")))
        if source is not None:
            derived.setdefault(source, []).append(job)
    folded = {job for jobs_of in derived.values() for job in jobs_of}
    return [replace(j, derived=tuple(derived[j])) if j in derived else j for j in jobs if j not in folded]


__all__ = ["BILINGUAL_KINDS", "BuildOptions", "Job", "KINDS", "UI_DOMAIN", "bilingual_path", "edition_path",
           "fold_derived", "kinds_for", "plan", "plan_key"]
