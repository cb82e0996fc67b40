"""Planning a build: one job per output (document × edition × kind) with a content fingerprint.

In: the configuration, the build options and the project's inputs (read through
diglot.editions). Out: the job list. Nothing is rendered; the fingerprint hashes
everything an output is made from, so an unchanged fingerprint means an unchanged output.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache

from . import __version__
from .config import Config
from .editions import (
    UI_DOMAIN, content_catalog, domains, edition_recipes, iter_documents, make_edition, source_files,
    ui_catalogs, unpublished_reason,
)
from .errors import DiglotError
from .languages import language
from .listing import Listing, listing, titles_only
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
    #: What the output says (its texts and UI messages), not how it is laid out: what the site's
    #: pages (index, OPDS) show of it, so a stylesheet edit does not make them anew.
    content: str = ""
    #: A part of a book laid out apart (diglot.parts): its chapter's number (1-based), else 0.
    part: int = 0
    #: A book's PDF joined from parts: the jobs of its parts, each with its own fingerprint.
    parts: tuple["Job", ...] = ()
    #: Its join's guess at its front matter's length: the last join's (the manifest's), else 0;
    #: on a part, -1 asks it to guess that length for a join that has no guess (diglot.parts.front_length).
    front_pages: int = 0
    #: A book joined from parts: the digest of what its join lays out with besides the HTML (engines,
    #: options, fonts, print templates, the book's own texts), the base of its pieces' keys; a part:
    #: of what it lays out with (engines, options, fonts, print templates), its lines' key.
    layout: str = ""
    #: Its join's pieces from the last join (diglot.parts.Piece), used again where their key holds.
    pieces: tuple = ()
    #: A part: its last layout's lines (diglot.pdf.LineMemory), used again where a paragraph is the same.
    lines: bytes = b""

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
    return dict(_installed_versions())


@lru_cache(maxsize=1)
def _installed_versions() -> tuple[tuple[str, str], ...]:
    """Diglot's and its engines' versions, looked up once per process (each lookup walks the
    installed distributions' metadata)."""
    from importlib import metadata

    versions = {"diglot": __version__}
    for name in ENGINE_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return tuple(versions.items())


#: The folders of templates/ each kind of output reads (besides the shared files, below); a bilingual
#: edition reads bilingual/ too. "site" is the pages that list the others (index.html, OPDS, sitemap).
TEMPLATE_FOLDERS = {"html": ("web",), "pdf": ("print",), "print.pdf": ("print",), "epub": ("epub",),
                    "vertical.epub": ("epub",), "cover.png": ("epub",), "site": ("web",)}
#: Files of templates/ that only the site's pages read.
SITE_TEMPLATES = ("index.html.j2",)
#: The bilingual templates one medium reads (diglot.bilingual); any other file of bilingual/
#: (_pairs.html.j2 …) is read by every bilingual output.
BILINGUAL_TEMPLATES = {"bilingual/web.css": "web", "bilingual/page.html.j2": "web", "bilingual/print.css": "print",
                       "bilingual/book.html.j2": "print", "bilingual/columns.css.j2": "print",
                       "bilingual/epub.css": "epub", "bilingual/book.md.j2": "epub"}
_KIND_FOLDERS = frozenset({"bilingual", *(f for folders in TEMPLATE_FOLDERS.values() for f in folders)})


def template_hashes(config: Config) -> dict[str, str]:
    """templates/ file (relative, POSIX) → hash of its bytes."""
    from .manifest import content_hash

    root = config.templates_dir
    return {p.relative_to(root).as_posix(): content_hash(p) for p in sorted(root.rglob("*")) if p.is_file()}


def reads_template(rel: str, kind: str, bilingual: bool = False) -> bool:
    """Whether an output of ``kind`` may read templates/``rel``: its kind's folders, and every file
    outside all kinds' folders (_blocks.html.j2, _languages.css.j2, an image a stylesheet names …),
    so that a web stylesheet edit re-renders the web pages only, and no shared file is missed."""
    if kind not in TEMPLATE_FOLDERS:  # a kind this table does not know: everything, to be safe
        return True
    folder = rel.split("/", 1)[0] if "/" in rel else None
    if folder == "bilingual":
        return bilingual and BILINGUAL_TEMPLATES.get(rel, TEMPLATE_FOLDERS[kind][0]) in TEMPLATE_FOLDERS[kind]
    if folder in _KIND_FOLDERS:
        return folder in TEMPLATE_FOLDERS[kind]
    return kind == "site" or rel not in SITE_TEMPLATES


def templates_digest(config: Config, kind: str = "site", bilingual: bool = False,
                     hashes: dict[str, str] | None = None) -> str:
    """The templates an output of ``kind`` reads, by content (see reads_template)."""
    hashes = template_hashes(config) if hashes is None else hashes
    return digest([(rel, h) for rel, h in hashes.items() if reads_template(rel, kind, bilingual)])


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


def plan(config: Config, options: BuildOptions, report: BuildReport, cache=None, parsing=None,
         docs: list["Summary"] | None = None) -> list[Job]:
    """One job per output with its fingerprint; renders nothing. Reads every input, or with a
    plancache.SummaryCache only those whose bytes changed since the summaries were made
    (``docs``: summaries() already made)."""
    formats = options.formats or config.formats
    wanted = options.languages or config.languages
    if docs is None:
        docs = summaries(config, options, report, cache, parsing)
    common = digest(plan_key(config, options), _engine_versions())
    hashes = template_hashes(config)
    templates = {(kind, bi): templates_digest(config, kind, bi, hashes) for kind in KINDS for bi in (False, True)}
    ui = _ui_digests(config, cache)
    fonts = _fonts_digest(tuple(dict.fromkeys((*wanted, *document_languages(docs))))) if set(FONT_FORMATS) & set(formats) else ""
    jobs = []
    for doc in docs:
        source, messages = doc.files, doc.messages
        langs = tuple(lang for lang in config.languages if lang in messages)
        for lang in (lang for lang in langs if lang in wanted):
            for kind in kinds_for(lang, formats):
                extra = langs if kind == "html" else fonts if kind.endswith(FONT_FORMATS) else ""
                content = digest(source, messages[lang], ui[lang])
                fingerprint = digest(common, content, kind, extra, templates[kind, False])
                job = Job(doc.slug, lang, kind, edition_path(lang, doc.slug, kind), langs, fingerprint, (lang,),
                          source=doc.lang, content=content)
                if kind == "pdf" and split_book(len(doc.files_of) - 1, doc.characters, config):
                    base = (common, ui[lang], fonts, templates[kind, False])
                    job = replace(job, parts=part_jobs(job, doc, base),
                                  layout=digest(*base, "join", doc.files_of[0], doc.part_messages[lang][0]))
                jobs.append(job)
        jobs += _bilingual_jobs(doc, messages, config, wanted, formats, (common, source, fonts), ui, templates)
    if "html" in formats:
        jobs += media_jobs(config, docs)
    return jobs


#: A book is laid out in parts from this many characters of text (about 15 A4 pages of Chinese):
#: below it, what the parts save is less than what joining them costs (pdf_parts = "auto").
SPLIT_CHARACTERS = 20_000


def split_book(chapters: int, characters: int, config: Config) -> bool:
    """Whether a book's PDF is laid out in parts, one job per chapter (diglot.parts): a book of
    two chapters or more, tagged (PDF/UA-1), above SPLIT_CHARACTERS or with pdf_parts = "always"."""
    if chapters < 2 or config.pdf_variant != "pdf/ua-1" or config.pdf_parts == "never":
        return False
    return config.pdf_parts == "always" or characters >= SPLIT_CHARACTERS


def part_jobs(job: Job, doc: "Summary", base: tuple) -> tuple[Job, ...]:
    """One job per chapter of the book ``job`` makes the PDF of. A part's fingerprint is what it is
    made from: its chapter's file and messages, the book's own (title, options), the UI strings,
    fonts and print templates, so an edit to one chapter makes that part anew and no other."""
    lang = job.lang
    head = (doc.files_of[0], doc.part_messages[lang][0])
    jobs = []
    for number in range(1, len(doc.files_of)):
        own = (doc.files_of[number], doc.part_messages[lang][number])
        fingerprint = digest(*base, "part.pdf", number, head, own)
        jobs.append(Job(job.slug, lang, "part.pdf", f".diglot/parts/{lang}/{job.slug}/{number:03d}.pdf", job.langs,
                        fingerprint, job.editions, source=job.source, part=number, layout=digest(*base, "lines")))
    return tuple(jobs)


@dataclass(frozen=True)
class Summary:
    """What planning needs of one publication, instead of the parsed publication: small, and
    stored in the planner's cache (plancache) under the hash of the files it was made from."""
    slug: str
    lang: str
    files: str  # digest of its files in source/ (text and images), by content
    messages: dict  # published edition → digest of the messages it is made from
    warnings: tuple[str, ...] = ()  # path:line notes on its sources
    skipped: dict = field(default_factory=dict)  # "slug lang" → why the edition is not published
    fallbacks: dict = field(default_factory=dict)  # edition → messages shown in the source language
    #: Its figures' image files under source/ (every language's variant), each with its part's slug.
    media: tuple[tuple[str, str], ...] = ()
    #: Per catalogue domain (a document; a book's own texts, then each chapter): its files' digest.
    files_of: tuple[str, ...] = ()
    #: Published edition → per domain, the digest of the messages it is made from.
    part_messages: dict = field(default_factory=dict)
    characters: int = 0  # of the source text: how long the publication is
    #: Published edition → what the index pages and OPDS feed show of it (listing.Listing).
    listings: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {**asdict(self), "warnings": list(self.warnings), "media": [list(pair) for pair in self.media],
                "files_of": list(self.files_of)}

    @classmethod
    def from_json(cls, data: dict) -> "Summary":
        """The summary stored as ``data``; TypeError if the cache holds another shape."""
        listings = data["listings"]
        if not isinstance(listings, dict):
            raise TypeError("a summary of another shape")
        summary = cls(**{**data, "warnings": tuple(data["warnings"]), "media": tuple(map(tuple, data["media"])),
                         "files_of": tuple(data["files_of"]),
                         "listings": {lang: Listing.from_json(value) for lang, value in listings.items()}})
        texts = [summary.slug, summary.lang, summary.files, *summary.warnings, *summary.messages.values(),
                 *summary.skipped, *summary.skipped.values(), *(part for pair in summary.media for part in pair),
                 *summary.files_of, *(d for ds in summary.part_messages.values() for d in ds)]
        if (not all(isinstance(text, str) for text in texts)
                or not all(isinstance(n, int) for n in summary.fallbacks.values())
                or any(len(p) != 2 for p in summary.media) or not isinstance(summary.characters, int)
                or not all(isinstance(ds, list) and len(ds) == len(summary.files_of)
                           for ds in summary.part_messages.values())
                or set(summary.listings) != set(summary.messages)):
            raise TypeError("a summary of another shape")
        return summary


def cache_context(config: Config) -> tuple:
    """What every cached planning fact depends on besides files: the configuration and the engines."""
    return repr(config.__dict__), _engine_versions()


def _ui_digests(config: Config, cache=None) -> dict[str, str]:
    """Each language's digest of its UI messages; converting the derived ones (OpenCC) is done again
    only when translations/ changed."""
    def make():
        return {lang: _ui_digest(catalog) for lang, catalog in ui_catalogs(config).items()}

    if cache is None:
        return make()
    from .plancache import folder_key

    return cache.memo(":ui", folder_key(config, config.translations_dir, cache_context(config), cache.tree), make,
                      lambda value: all(isinstance(v, str) for v in value.values()))


def summaries(config: Config, options: BuildOptions, report: BuildReport, cache=None, parsing=None
              ) -> list[Summary]:
    """Every publication's Summary, in source order, parsing only those the cache has no summary of
    under their present key; the warnings, skipped editions and fallbacks reach ``report`` either way.
    ``parsing`` is called before the first is parsed (the build starts its workers then)."""
    from .editions import document_paths
    from .plancache import publication_keys

    paths = document_paths(config)
    keys = publication_keys(config, paths, cache_context(config), cache.tree) if cache is not None else {}
    found = {path: _cached_summary(cache, path.name, keys.get(path.name)) for path in paths}
    if parsing is not None and None in found.values():
        parsing()
    # Parsed one at a time and summarized: the documents themselves are not kept.
    parsed = iter_documents(config, only={path for path, known in found.items() if known is None})
    result = []
    for path, known in found.items():
        if known is None:
            _path, doc = next(parsed)
            if doc is None:  # its problems are raised with every other's below
                continue
            known = _summarize(doc, config, options, report)
            if cache is not None:
                cache.put(path.name, keys[path.name], known)
        else:
            _replay(known, options, report)
        result.append(known)
    for _rest in parsed:  # raises every document's problems, once all were read
        pass
    return result


def _cached_summary(cache, name: str, key: str | None) -> Summary | None:
    data = cache.get(name, key) if cache is not None and key else None
    try:
        return Summary.from_json(data) if data is not None else None
    except (TypeError, KeyError, AttributeError):  # a cache of another shape: made anew
        return None


def _summarize(doc: Document, config: Config, options: BuildOptions, report: BuildReport) -> Summary:
    """Parse-time facts of ``doc``: its editions are made here (to count what falls back)."""
    from .manifest import content_hash

    from .review import stale_warnings

    # a stale override is a fact of the publication's files like a source warning: kept in its summary
    warnings = (*(str(w) for part in domains(doc) for w in part.warnings), *stale_warnings(config, doc))
    _report_warnings(warnings, options, report)
    own = BuildReport()  # this publication's share, kept in its summary
    messages, part_messages = _published_editions(doc, config, options, own)
    for lang, count in own.fallbacks.items():
        report.fallbacks[lang] = report.fallbacks.get(lang, 0) + count
    report.skipped.update(own.skipped)
    root = config.source_dir
    files = digest([(path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path), content_hash(path))
                    for path in source_files(config, doc)])
    media = tuple(dict.fromkeys((rel, part.slug) for part in domains(doc) for image in figure_images(part.body)
                                for rel in image.files))
    files_of = tuple(digest([content_hash(path) for path in [part.path, *(root / rel for image in figure_images(part.body)
                                                                        for rel in image.files)]])
                     for part in domains(doc))
    characters = sum(len(seg.text) for part in domains(doc) for seg in part.segments)
    titles = titles_only(doc)
    listings = {lang: listing(make_edition(titles, lang, config), bool(doc.chapters)) for lang in messages}
    return Summary(doc.slug, doc.lang, files, messages, warnings, dict(own.skipped), dict(own.fallbacks), media,
                   files_of, part_messages, characters, listings)


def _replay(summary: Summary, options: BuildOptions, report: BuildReport) -> None:
    """What planning ``summary``'s publication told the last time, told again (--strict included)."""
    _report_warnings(summary.warnings, options, report)
    for what, reason in summary.skipped.items():
        report.skipped[what] = reason
        log.warning("%s [%s]: %s", *what.split(" ", 1), reason)
    for lang, count in summary.fallbacks.items():
        _count_fallbacks(summary, lang, count, options, report)


def figure_images(nodes):
    """Every figure's image of a block tree (media.Image), in reading order."""
    for node in nodes:
        if node.kind == "figure" and node.image is not None:
            yield node.image
        yield from figure_images(node.children)


def media_jobs(config: Config, docs: list[Summary]) -> list[Job]:
    """output/media/<path under source/>: each figure's image (and its language variants) once,
    for the web pages; the PDFs and e-books hold their own copies."""
    from .manifest import content_hash

    jobs, seen = [], set()
    for doc in docs:
        for rel, slug in doc.media:
            if rel in seen:
                continue
            seen.add(rel)
            fingerprint = digest(__version__, "media", content_hash(config.source_dir / rel))
            jobs.append(Job(slug, "", "media", f"media/{rel}", (), fingerprint, (), source=doc.lang,
                            content=fingerprint))
    return jobs


def _published_editions(doc: Document, config: Config, options: BuildOptions,
                        report: BuildReport) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each published edition's digest of the messages it is made from (its base's included), and
    the same per catalogue domain (diglot.editions.domains).

    An edition made from a catalogue is made here to count what falls back; a derived one
    falls back exactly where its base does, so it is not converted while planning.
    """
    made: dict[str, tuple[str, int, bool]] = {}  # lang → (messages digest, fallbacks, published)
    per_part: dict[str, list[str]] = {}  # lang → the same, per domain (a book's texts, each chapter)
    for lang, recipe in edition_recipes(doc, config).items():
        catalogs = [(part, content_catalog(part, lang, config)) for part in domains(doc)]
        catalog = catalogs[0][1]
        used = [_messages_used(part, part_catalog) for part, part_catalog in catalogs]
        if recipe.how == "source":
            made[lang] = (digest(recipe), 0, True)
            per_part[lang] = [digest(recipe)] * len(used)
            continue
        if recipe.how == "derived":
            base_digest, fallbacks, published = made[recipe.base]
            rules = rule_pairs(config, recipe.base, lang, recipe.profile)
            made[lang] = (digest(recipe, used, base_digest, rules), fallbacks, published)
            per_part[lang] = [digest(recipe, own, base, rules) for own, base in zip(used, per_part[recipe.base])]
        else:
            per_part[lang] = [digest(recipe, own) for own in used]
            edition = make_edition(doc, lang, config, catalog)
            reason = unpublished_reason(edition, config)
            if reason:
                report.skipped[f"{doc.slug} {lang}"] = reason
                log.warning("%s [%s]: %s", doc.slug, lang, reason)
            made[lang] = (digest(recipe, used), len(edition.fallbacks()), reason is None)
        if made[lang][2]:  # an edition that is not published shows nothing, falls back nowhere
            _count_fallbacks(doc, lang, made[lang][1], options, report)
    published = {lang: messages for lang, (messages, _, published) in made.items() if published}
    return published, {lang: per_part[lang] for lang in published}


def _report_warnings(warnings, options: BuildOptions, report: BuildReport) -> None:
    for warning in warnings:
        log.warning("%s", warning)
        report.warnings.append(warning)
    if options.strict and warnings:
        raise DiglotError(f"{warnings[0]} (--strict)")


def _count_fallbacks(doc: Document, lang: str, fallbacks: int, options: BuildOptions, report: BuildReport) -> None:
    if not fallbacks:
        return
    report.fallbacks[lang] = report.fallbacks.get(lang, 0) + fallbacks
    if options.strict and (not options.languages or lang in options.languages):  # --lang en: English's only
        raise DiglotError(f"{doc.slug} [{lang}]: {fallbacks} messages untranslated or fuzzy (--strict)")


def _bilingual_jobs(doc: Summary, messages: dict, config: Config, wanted, formats, base: tuple, ui: dict,
                    templates: dict) -> list[Job]:
    """output/bilingual/<slug>.<a>-<b>.<kind> for each configured pair whose editions are both published."""
    common, source, fonts = base
    langs = tuple(lang for lang in config.languages if lang in messages)
    jobs = []
    for pair in config.pairs:
        if not all(lang in messages and lang in wanted for lang in pair):  # both its languages asked for
            continue
        for kind in (k for k in kinds_for(pair[0], formats) if k in BILINGUAL_KINDS):
            extra = fonts if kind.endswith(FONT_FORMATS) else ""
            content = digest(source, [messages[lang] for lang in pair], [ui[lang] for lang in pair], "bilingual")
            fingerprint = digest(common, content, kind, extra, templates[kind, True])
            jobs.append(Job(doc.slug, "-".join(pair), kind, bilingual_path(doc.slug, pair, kind), langs, fingerprint,
                            pair, source=doc.lang, content=content))
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
