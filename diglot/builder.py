"""Orchestration: the only module that knows the stage order, the jobs and the output layout.

A build reads and checks every input first (nothing is written if one is
bad), plans one job per output (document × language × kind) with a content
fingerprint, runs only the stale jobs (in this process, in worker processes,
or on a Dask cluster), and writes each result atomically as it arrives.
"""

from __future__ import annotations

import gc
import logging
import os
import resource
import signal
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import __version__
from .config import Config
from .errors import DiglotError, DiglotErrors
from .files import BuildLock, atomic_write, remove_stale_temporaries
from .manifest import Manifest, digest
from .model import SOURCE_LANG, Document

log = logging.getLogger("diglot.build")

UI_DOMAIN = "ui"
#: kind → format option that selects it. print.pdf and vertical.epub are variants.
KINDS = {"html": "html", "pdf": "pdf", "print.pdf": "pdf", "epub": "epub", "vertical.epub": "epub"}
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
    lang: str
    kind: str
    rel: str  # output path relative to output/
    langs: tuple[str, ...]  # published languages of the document (language switcher)
    fingerprint: str = ""
    #: Outputs made from this one's bytes in the same run: the print-shop PDF from the reading PDF.
    derived: tuple["Job", ...] = ()


@dataclass
class Output:
    path: Path
    lang: str
    fmt: str
    size: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    rebuilt: bool = True


@dataclass
class BuildReport:
    outputs: list[Output] = field(default_factory=list)
    fallbacks: dict[str, int] = field(default_factory=dict)  # language → segments shown in the source language
    skipped: dict[str, str] = field(default_factory=dict)  # "slug lang" → reason
    withdrawn: list[str] = field(default_factory=list)  # outputs removed because their edition was skipped
    up_to_date: bool = False
    peak_worker_kb: int = 0  # the largest resident set any worker reached (against JOB_MEMORY)

    @property
    def rebuilt(self) -> list[Output]:
        return [o for o in self.outputs if o.rebuilt]


@dataclass(frozen=True)
class Edition:
    doc: Document
    ui: object  # gettext Translations for the templates


# --- reading inputs ----------------------------------------------------------------

def read_documents(config: Config) -> list[Document]:
    from .links import check_internal_links
    from .source import read_document

    paths = sorted(config.source_dir.glob("*.md"))
    if not paths:
        raise DiglotError(f"no documents (*.md) in {config.source_dir}")
    errors, docs = [], []
    for path in paths:
        try:
            docs.append(read_document(path))
            check_internal_links(docs[-1])
        except DiglotErrors as exc:
            errors.extend(exc.errors)
        except DiglotError as exc:
            errors.append(exc.located(path))
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    return docs


def _optional_catalog(path: Path, lang: str):
    from .catalog import read_catalog

    return read_catalog(path, lang) if path.exists() else None


def ui_catalogs(config: Config) -> dict[str, object]:
    """Template strings per language as Babel catalogues (en: the msgids themselves)."""
    from .catalog import po_path
    from .chinese import convert_catalog

    tr = config.translations_dir
    hans = _optional_catalog(po_path(tr, "zh-Hans", UI_DOMAIN), "zh-Hans")
    hant_overrides = _optional_catalog(po_path(tr, "zh-Hant", UI_DOMAIN), "zh-Hant")
    return {
        "zh-Hans": hans,
        "zh-Hant": convert_catalog(hans, config.opencc_profile, hant_overrides),
        "en": _optional_catalog(po_path(tr, "en", UI_DOMAIN), "en"),
    }


def ui_translations(config: Config) -> dict[str, object]:
    from .catalog import gnu_translations

    return {lang: gnu_translations(catalog) for lang, catalog in ui_catalogs(config).items()}


def content_catalog(doc: Document, lang: str, config: Config):
    """The catalogue an edition is made from: translations, or zh-Hant reviewer overrides."""
    from .catalog import po_path

    if lang == SOURCE_LANG:
        return None
    path = po_path(config.translations_dir, lang, doc.slug)
    catalog = _optional_catalog(path, lang)
    if catalog is not None:
        _check_translations(doc, catalog, path)
    return catalog


def _check_translations(doc: Document, catalog, path: Path) -> None:
    """Translated text meets the same rules as the source: no unsafe links, no dangling notes."""
    from .links import check_link_targets
    from .model import FOOTNOTE_REF
    from .safety import check_text

    labels = {note.label for note in doc.footnotes}
    for seg in doc.segments:
        message = catalog.get(seg.text)
        if message is None or not message.string or message.fuzzy:
            continue
        line = message.lineno or 1
        check_text(message.string, path, line)
        check_link_targets(message.string, doc, path, line)
        for label in FOOTNOTE_REF.findall(message.string):
            if label not in labels:
                raise DiglotError(f"footnote [^{label}] does not exist in the source", path, line)


def make_edition(doc: Document, lang: str, config: Config, catalog=None) -> Document:
    from .catalog import translate
    from .chinese import to_traditional

    if lang == SOURCE_LANG:
        return doc
    catalog = catalog if catalog is not None else content_catalog(doc, lang, config)
    if lang == "zh-Hant":
        return to_traditional(doc, config.opencc_profile, catalog)
    return translate(doc, catalog, lang)


def translated_percent(edition: Document) -> float:
    total = len(edition.segments)
    return 100.0 * (total - len(edition.fallbacks())) / total if total else 100.0


def prepare(config: Config, options: BuildOptions, report: BuildReport) -> list[Edition]:
    """Every publishable edition, materialized (used by tests and tools; builds use plan())."""
    ui = ui_translations(config)
    editions = []
    for doc in read_documents(config):
        for lang in options.languages or config.languages:
            edition = make_edition(doc, lang, config)
            if _publishable(edition, config, options, report):
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
        reason = f"only {percent:.0f}% translated, under min_translated = {config.min_translated}%; not published"
        report.skipped[f"{edition.slug} {lang}"] = reason
        log.warning("%s [%s]: %s", edition.slug, lang, reason)
        return False
    return True


def stable_identifier(doc: Document, lang: str) -> str:
    """One identifier per document and language, stable across builds."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{doc.meta.identifier}#{lang}')}"


# --- planning ---------------------------------------------------------------------

def kinds_for(lang: str, formats: tuple[str, ...]) -> list[str]:
    # Vertical setting (縱排) is a Traditional Chinese reading habit: only zh-Hant gets that e-book.
    return [kind for kind, fmt in KINDS.items() if fmt in formats and (kind != "vertical.epub" or lang == "zh-Hant")]


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


def _templates_digest(config: Config) -> str:
    files = sorted(p for p in config.templates_dir.rglob("*") if p.is_file())
    return digest([(str(p.relative_to(config.templates_dir)), p.read_bytes().hex()) for p in files])


def _fonts_digest(langs) -> str:
    from .fonts import font_files

    return digest(font_files(langs))


def _fonts_used(config: Config, options: BuildOptions) -> dict[str, list[int]]:
    """Font file → stat, for the no-op check: what the PDFs' and e-books' fingerprints saw (fc-match is cached)."""
    if not set(FONT_FORMATS) & set(options.formats or config.formats):
        return {}
    from .fonts import font_files

    return {path: stat for path, _index, stat in font_files(tuple(options.languages or config.languages)) if stat}


def plan_key(config: Config, options: BuildOptions) -> str:
    """What every output depends on besides the files: configuration and options."""
    return digest(__version__, repr(config.__dict__), options.languages, options.formats, options.draft,
                  options.strict, options.embed_fonts)


def plan(config: Config, options: BuildOptions, report: BuildReport) -> list[Job]:
    """One job per output with its fingerprint; reads every input, renders nothing."""
    formats = options.formats or config.formats
    languages = options.languages or config.languages
    common = digest(plan_key(config, options), _engine_versions(), _templates_digest(config))
    ui = {lang: _ui_digest(catalog) for lang, catalog in ui_catalogs(config).items()}
    fonts = _fonts_digest(tuple(languages)) if set(FONT_FORMATS) & set(formats) else ""
    jobs = []
    for doc in read_documents(config):
        source = digest(doc.path.read_bytes().hex())
        published = []
        for lang in languages:
            catalog = content_catalog(doc, lang, config)
            if lang != "zh-Hant" and not _publishable(make_edition(doc, lang, config, catalog), config, options,
                                                      report):
                continue
            published.append((lang, digest(_messages_used(doc, catalog), config.opencc_profile)))
        langs = tuple(lang for lang, _ in published)
        for lang, messages in published:
            for kind in kinds_for(lang, formats):
                extra = langs if kind == "html" else fonts if kind.endswith(FONT_FORMATS) else ""
                rel = f"{lang}/{doc.slug}.{kind}"
                fingerprint = digest(common, source, messages, ui[lang], kind, extra)
                jobs.append(Job(doc.slug, lang, kind, rel, langs, fingerprint))
        jobs += _bilingual_jobs(doc, dict(published), langs, formats, (common, source), ui, fonts)
    return jobs


def _bilingual_jobs(doc: Document, messages: dict, langs, formats, base: tuple, ui: dict, fonts: str) -> list[Job]:
    """output/bilingual/<slug>.<zh>-en.<kind> for each published Chinese edition, when English is published."""
    from .bilingual import CHINESE, KINDS as BILINGUAL_KINDS, output_name

    if "en" not in messages:
        return []
    jobs = []
    for zh in (lang for lang in CHINESE if lang in messages):
        for kind in (k for k in kinds_for(zh, formats) if k in BILINGUAL_KINDS):
            extra = fonts if kind.endswith(FONT_FORMATS) else ""
            fingerprint = digest(*base, messages[zh], messages["en"], ui[zh], ui["en"], kind, extra, "bilingual")
            jobs.append(Job(doc.slug, f"{zh}-en", kind, output_name(doc.slug, zh, kind), langs, fingerprint))
    return jobs


def job_languages(job: Job) -> tuple[str, ...]:
    """The editions a job is made from: one, or a Chinese one and English for a bilingual job."""
    return (job.lang.removesuffix("-en"), "en") if job.rel.startswith("bilingual/") else (job.lang,)


# --- running ----------------------------------------------------------------------

#: Parsed inputs a worker keeps: a few documents' worth (source, editions, UI), the most
#: recently used. Jobs run document by document (_order), so a document is parsed once per
#: worker, and a worker's memory stays flat however many documents the build has.
_CACHE: OrderedDict[tuple, object] = OrderedDict()
CACHE_ENTRIES = 24


def _cached(key: tuple, make: Callable[[], object]):
    """Per-process memo for parsed inputs; keys include the files' stats, so edits invalidate."""
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = _CACHE[key] = make()
    while len(_CACHE) > CACHE_ENTRIES:
        _CACHE.popitem(last=False)
    return value


def _ui_cached(config: Config) -> dict[str, object]:
    from .catalog import gnu_translations
    from .manifest import file_stat

    stats = repr(sorted((str(p), file_stat(p)) for p in config.translations_dir.rglob("ui.po")))
    return _cached(("ui", str(config.root), config.opencc_profile, stats),
                   lambda: {lang: gnu_translations(c) for lang, c in ui_catalogs(config).items()})


def _source_cached(config: Config, slug: str) -> Document:
    from .manifest import file_stat
    from .source import read_document

    path = config.source_dir / f"{slug}.md"
    return _cached(("source", str(path), repr(file_stat(path))), lambda: read_document(path))


def _load_edition(config: Config, slug: str, lang: str) -> Edition:
    """The edition, cached per process while its inputs' stats are unchanged."""
    from .catalog import po_path
    from .manifest import file_stat

    doc = _source_cached(config, slug)
    catalog_path = po_path(config.translations_dir, lang, slug)
    key = ("edition", str(config.root), slug, lang, repr(config.__dict__), id(doc), repr(file_stat(catalog_path)))
    edition = _cached(key, lambda: make_edition(doc, lang, config))
    return Edition(edition, _ui_cached(config)[lang])


def _title_edition(config: Config, slug: str, lang: str) -> Edition:
    """An edition holding only the title: what the index needs, without converting the whole text."""
    doc = _source_cached(config, slug)
    titles = doc.with_segments([doc.title])
    return Edition(make_edition(titles, lang, config), _ui_cached(config)[lang])


@dataclass(frozen=True)
class JobResult:
    job: Job
    data: bytes
    seconds: float
    warnings: tuple[str, ...]
    peak_kb: int = 0  # the worker's peak resident set so far (ru_maxrss)


#: Bounds on each engine call (README, "Limits"): a hostile input fails, it never hangs the build.
JOB_SECONDS = 300
JOB_MEMORY = 4 << 30


@contextmanager
def _time_limit(seconds: int, job: Job):
    """SIGALRM-based limit; only where signals can be used (a process's main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise DiglotError(f"{job.rel}: rendering took longer than {seconds} s; the input is too large or too "
                          "deeply nested")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_job(config: Config, options: BuildOptions, job: Job) -> list[JobResult]:
    """Render one output in memory, and those derived from it, within the time limit.

    Runs in a worker process or on Dask."""
    try:
        with _time_limit(JOB_SECONDS, job):
            results = [_render_job(config, options, job)]
            results += [_derive(results[0], other) for other in job.derived]
            if job.kind.endswith("pdf"):
                # A laid-out book is a large tree of reference cycles, freed only by the cyclic
                # collector, which runs when it likes: free it now, before the next job allocates
                # its own, so a worker's peak memory stays that of one book (flat with the corpus).
                gc.collect()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return [replace(result, peak_kb=peak) for result in results]
    except MemoryError:
        raise DiglotError(f"{job.rel}: rendering needed more than {JOB_MEMORY >> 30} GiB of memory") from None
    except RecursionError:
        raise DiglotError(f"{job.rel}: the document is nested too deeply to render") from None


def _render_job(config: Config, options: BuildOptions, job: Job) -> JobResult:
    from . import publish

    started = time.perf_counter()
    editions = [_load_edition(config, job.slug, lang) for lang in job_languages(job)]
    if job.kind.endswith("pdf"):
        _check_coverage(editions)
    sink = Output(config.output_dir / job.rel, job.lang, job.kind)
    # Reproducible e-books: pandoc dates dcterms:modified and the zip entries from this,
    # the time the editions' inputs last changed, so any machine builds the same bytes.
    os.environ["SOURCE_DATE_EPOCH"] = str(_inputs_changed(config, job))
    if job.rel.startswith("bilingual/"):
        from .bilingual import render_bilingual

        data = render_bilingual(job.kind, editions[0], editions[1], config, options, sink)
    else:
        data = publish.render(job.kind, editions[0], job.langs, config, options, sink)
    return JobResult(job, data, time.perf_counter() - started, tuple(sink.warnings))


def _derive(result: JobResult, job: Job) -> JobResult:
    """An output made from another's bytes instead of a second render (see fold_derived)."""
    from .printshop import print_shop_pdf

    started = time.perf_counter()
    return JobResult(job, print_shop_pdf(result.data), time.perf_counter() - started, ())


def fold_derived(jobs: list[Job]) -> list[Job]:
    """A stale print-shop PDF whose reading PDF is also stale is made from it, in the same job."""
    reading = {(j.slug, j.lang) for j in jobs if j.kind == "pdf"}
    prints = {(j.slug, j.lang): j for j in jobs if j.kind == "print.pdf" and (j.slug, j.lang) in reading}
    made_from_others = set(prints.values())
    return [replace(j, derived=(prints[j.slug, j.lang],)) if j.kind == "pdf" and (j.slug, j.lang) in prints else j
            for j in jobs if j not in made_from_others]


def _check_coverage(editions: list[Edition]) -> None:
    """Every character has a glyph: fallback text is set in the source language's faces."""
    from . import fonts

    for edition in editions:
        doc = edition.doc
        for seg in doc.segments:
            if fonts.missing_characters(seg.text, seg.lang):
                try:
                    fonts.check_coverage(seg.text, seg.lang, f"[{doc.lang}]")
                except DiglotError as exc:
                    raise DiglotError(exc.message, doc.path, seg.line) from None


def _inputs_changed(config: Config, job: Job) -> int:
    from .catalog import po_path

    paths = [config.source_dir / f"{job.slug}.md"]
    paths += [po_path(config.translations_dir, lang, job.slug) for lang in job_languages(job)]
    return max(int(p.stat().st_mtime) for p in paths if p.exists())


def _warm_worker() -> None:
    """Load WeasyPrint and the CJK fonts once per worker, not once per job."""
    from . import pdf

    pdf.warm_up()


#: Imported once by the server workers are forked from, not by every worker: WeasyPrint
#: alone takes about a second to import (its cffi declarations, fontTools).
WORKER_PRELOAD = ["weasyprint", "pikepdf", "diglot.pdf", "diglot.publish", "diglot.bilingual", "diglot.printshop"]


def _worker_context(pdf: bool):
    """Workers fork from multiprocessing's fork server, which imports the engines once.

    start_workers() launches that server as soon as a build knows it has work, so the
    import runs on another core while this process reads and plans."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    if pdf:
        context.set_forkserver_preload(WORKER_PRELOAD)
    return context


def start_workers(config: Config, options: BuildOptions) -> None:
    """Start the worker fork server now (it imports WeasyPrint meanwhile) if PDFs may be built."""
    from multiprocessing import forkserver

    if options.executor == "local" and "pdf" in (options.formats or config.formats):
        _worker_context(pdf=True)
        forkserver.ensure_running()


def _die_with(build: int) -> None:
    """Exit as soon as the build process is gone (SIGKILL, the OOM killer): a worker must not
    outlive it holding memory. Workers are the fork server's children, not the build's, so
    PR_SET_PDEATHSIG alone would not do; a pidfd on the build wakes a watchdog thread."""
    import ctypes
    import select

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: with the fork server
    try:
        handle = os.pidfd_open(build)
    except ProcessLookupError:
        os._exit(1)
    except OSError:  # a kernel before 5.3: look every half second instead
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while _alive(build):
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="diglot-watchdog", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        pass
    return True


def _init_worker(warm: bool, build: int) -> None:
    _die_with(build)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = JOB_MEMORY if hard == resource.RLIM_INFINITY else min(JOB_MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    if warm:
        _warm_worker()
    gc.freeze()  # what is loaded now stays: collections after each book look at that book only


def _order(jobs: list[Job]) -> list[Job]:
    # Document by document (a worker's parsed inputs stay few, see _cached); within one, longest
    # first: PDFs, then EPUBs, then web pages, so the workers stay busy to the end.
    weight = {"pdf": 0, "epub": 1, "html": 2}
    return sorted(jobs, key=lambda j: (j.slug, weight.get(j.kind.rsplit(".", 1)[-1], 3), j.rel))


def execute(config: Config, options: BuildOptions, jobs: list[Job], on_done: Callable[[JobResult], None]) -> None:
    """Run ``jobs`` with the chosen executor, handing each result to ``on_done`` as it arrives."""
    jobs = _order(fold_derived(jobs))
    if options.executor == "dask":
        from .distributed import run_on_dask

        run_on_dask(config, options, jobs, on_done)
        return
    workers = max(1, min(options.jobs or os.cpu_count() or 1, len(jobs)))
    _run_in_pool(config, options, jobs, on_done, workers)


def _run_in_pool(config, options, jobs, on_done, workers: int) -> None:
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # Worker processes even for -j 1: the memory limit applies to them, never to this process.
    warm = any(j.kind.endswith("pdf") for j in jobs)
    with ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context(warm), initializer=_init_worker,
                             initargs=(warm, os.getpid())) as pool:
        pending = {pool.submit(run_job, config, options, job) for job in jobs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                error = future.exception()
                if error is not None:
                    for other in pending:
                        other.cancel()
                    if isinstance(error, BrokenProcessPool):
                        raise DiglotError("a build worker died (killed, or out of memory); outputs already "
                                          "written are whole, run the build again") from None
                    raise error
                for result in future.result():
                    on_done(result)


# --- the build ----------------------------------------------------------------------

def build(config: Config, options: BuildOptions = BuildOptions(),
          progress: Callable[[str, int, int], None] | None = None) -> BuildReport:
    """Build every stale output; return what was built, skipped and fell back."""
    report = BuildReport()
    output_dir = config.output_dir
    _check_output_dir(output_dir)
    with BuildLock(output_dir / ".diglot" / "lock"):
        if remove_stale_temporaries(output_dir):
            log.warning("removed temporary files left by an interrupted build")
        manifest = Manifest(output_dir / ".diglot" / "manifest.json")
        if not options.force:
            manifest = Manifest.load(manifest.path)
        key = plan_key(config, options)
        inputs = manifest.snapshot_inputs(config.root)  # before reading: edits during the build count next time
        if not options.force and manifest.unchanged(config.root, key):
            return _nothing_to_do(manifest, output_dir, report)
        start_workers(config, options)
        if options.strict:
            _check_catalogues(config)
        check_templates(config)
        jobs = plan(config, options, report)
        _withdraw_unpublished(config, manifest, report)
        _run(config, options, jobs, manifest, report, progress)
        _write_index(config, jobs, manifest, report)
        if not options.languages and not options.formats:  # a partial build says nothing of the rest
            manifest.forget_missing({j.rel for j in jobs} | {"index.html"})
        manifest.data.update(plan=key, inputs=inputs, fallbacks=report.fallbacks, skipped=report.skipped,
                             fonts=_fonts_used(config, options))
        manifest.save()
    return report


def _withdraw_unpublished(config: Config, manifest: Manifest, report: BuildReport) -> None:
    """An edition that fell under min_translated must not stay online from an earlier build."""
    for what in report.skipped:
        slug, lang = what.split(" ", 1)
        for rel in [r for r in manifest.data["outputs"] if _made_from(r, slug, lang)]:
            (config.output_dir / rel).unlink(missing_ok=True)
            del manifest.data["outputs"][rel]
            report.withdrawn.append(rel)
            log.warning("removed output/%s: the edition is no longer published", rel)


def _made_from(rel: str, slug: str, lang: str) -> bool:
    if rel.startswith(f"{lang}/{slug}."):
        return True
    bilingual = f"bilingual/{slug}."
    return rel.startswith(bilingual) and (lang == "en" or rel.startswith(f"{bilingual}{lang}-en."))


def _nothing_to_do(manifest: Manifest, output_dir: Path, report: BuildReport) -> BuildReport:
    report.up_to_date = True
    report.fallbacks = dict(manifest.data.get("fallbacks", {}))
    report.skipped = dict(manifest.data.get("skipped", {}))
    for rel, entry in manifest.data["outputs"].items():
        lang = rel.split("/", 1)[0] if "/" in rel else ""
        report.outputs.append(Output(output_dir / rel, lang, rel.split(".", 1)[-1], (entry.get("stat") or [0])[0],
                                     rebuilt=False))
    return report


def _run(config, options, jobs, manifest, report, progress) -> None:
    output_dir = config.output_dir
    stale = [j for j in jobs if not manifest.is_current(output_dir, j.rel, j.fingerprint)]
    for job in jobs:
        if job not in stale:
            entry = manifest.data["outputs"][job.rel]
            report.outputs.append(Output(output_dir / job.rel, job.lang, job.kind, entry["stat"][0], rebuilt=False))
    if not stale:
        return
    if any(j.kind.endswith("pdf") for j in stale):
        from .fonts import check_installed, harfbuzz_subset_available

        # Fallback text uses the source language's faces.
        check_installed(sorted({lang for j in stale for lang in job_languages(j)} | {SOURCE_LANG}))
        if not harfbuzz_subset_available():
            log.warning("libharfbuzz-subset is missing: PDF font subsetting is about 12x slower "
                        "(apt-get install libharfbuzz-subset0)")
    done = 0

    def on_done(result: JobResult) -> None:
        nonlocal done
        path = output_dir / result.job.rel
        atomic_write(path, result.data)
        manifest.record(output_dir, result.job.rel, result.job.fingerprint)
        report.outputs.append(Output(path, result.job.lang, result.job.kind, len(result.data), result.seconds,
                                     list(result.warnings)))
        report.peak_worker_kb = max(report.peak_worker_kb, result.peak_kb)
        done += 1
        if progress:
            progress(result.job.rel, done, len(stale))

    execute(config, options, stale, on_done)


def _write_index(config: Config, jobs: list[Job], manifest: Manifest, report: BuildReport) -> None:
    from . import publish

    sizes = {o.path.relative_to(config.output_dir).as_posix(): o.size for o in report.outputs}
    fingerprint = digest(sorted(sizes.items()), [j.fingerprint for j in jobs], _templates_digest(config))
    path = config.output_dir / "index.html"
    if manifest.is_current(config.output_dir, "index.html", fingerprint):
        report.outputs.append(Output(path, "", "index", path.stat().st_size, rebuilt=False))
        return
    pairs = list(dict.fromkeys((j.slug, j.lang) for j in jobs if not j.rel.startswith("bilingual/")))
    editions = [_title_edition(config, slug, lang) for slug, lang in pairs]
    outputs = [Output(config.output_dir / rel, "", "", size) for rel, size in sizes.items()]
    data = publish.render_index(editions, outputs, config)
    atomic_write(path, data)
    manifest.record(config.output_dir, "index.html", fingerprint)
    report.outputs.append(Output(path, "", "index", len(data)))


#: Files the renderers read besides the Jinja templates (README, "Templates").
TEMPLATE_FILES = ("web/site.css", "print/book.css", "epub/epub.css", "epub/epub-vertical.css", "epub/labels.yaml",
                  "bilingual/web.css", "bilingual/print.css", "bilingual/epub.css")


def check_templates(config: Config) -> None:
    """Every template compiles and every stylesheet is there, before any output is written."""
    from .render import make_environment, render_template_error

    env = make_environment(config.templates_dir)
    errors = []
    for path in sorted(config.templates_dir.rglob("*.j2")):
        name = path.relative_to(config.templates_dir).as_posix()
        try:
            env.parse(path.read_text(encoding="utf-8"), name, str(path))
        except Exception as exc:  # noqa: BLE001 (Jinja's syntax errors and undecodable files alike)
            errors.append(render_template_error(exc, config.templates_dir, name))
    for name in TEMPLATE_FILES:
        if not (config.templates_dir / name).is_file():
            errors.append(DiglotError(f"template not found: {name}", config.templates_dir / name))
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)


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
    probe = output if output.exists() else output.parent
    if not os.access(probe, os.W_OK):
        raise DiglotError(f"{probe} is not writable")
    if output.is_dir():
        # output/.diglot is checked by the lock and the manifest themselves (they refuse links).
        link = next((p for p in output.rglob("*") if p.is_symlink() and ".diglot" not in p.parts), None)
        if link is not None:
            raise DiglotError(f"{link} is a symbolic link; Diglot writes only into real folders inside output/")
