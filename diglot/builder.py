"""The build: the only module that knows the stage order and the output folder.

A build checks every input first (nothing is written if one is bad), plans one job per
output (diglot.plan), runs only the stale ones (diglot.workers), writes each result
atomically as it arrives, withdraws editions no longer published, and writes the indexes and feeds.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from .config import Config
from .errors import DiglotError, DiglotErrors
from .files import BuildLock, atomic_write, remove_stale_temporaries
from .manifest import Manifest, digest
from .plancache import SummaryCache
from .plan import (
    BuildOptions, Job, Summary, document_languages, fold_derived, fonts_used, plan, plan_key, summaries, templates_digest,
)
from .report import BuildReport, Output
from .workers import JobResult, order, run_local, start_workers

log = logging.getLogger("diglot.build")

__all__ = ["BuildOptions", "BuildReport", "Output", "build", "check_templates"]


def build(config: Config, options: BuildOptions = BuildOptions(),
          progress: Callable[[str, int, int], None] | None = None) -> BuildReport:
    """Build every stale output; return what was built, skipped and fell back."""
    report = BuildReport()
    output_dir = config.output_dir
    _check_output_dir(output_dir)
    _check_options(config, options)
    with BuildLock(output_dir / ".diglot" / "lock"):
        if remove_stale_temporaries(output_dir):
            log.warning("removed temporary files left by an interrupted build")
        manifest = Manifest(output_dir / ".diglot" / "manifest.json")
        if not options.force:
            manifest = Manifest.load(manifest.path)
        key = plan_key(config, options)
        inputs = manifest.snapshot_inputs(config.root)  # before reading: edits during the build count next time
        if not options.force and manifest.unchanged(config.root, key, inputs):
            return _nothing_to_do(manifest, output_dir, report)
        if options.strict:
            _check_catalogues(config)
        cache = SummaryCache(output_dir / ".diglot" / "summaries.json")
        if not options.force:  # --force parses every source anew
            cache = SummaryCache.load(cache.path)
        check_templates(config, cache)
        # The workers' fork server imports WeasyPrint on another core while sources are parsed;
        # planned from the cache alone (a build after a touch), it is started only if a job needs it.
        docs = summaries(config, options, report, cache, parsing=lambda: start_workers(config, options))
        jobs = plan(config, options, report, cache, docs=docs)
        cache.save()  # what planning learnt holds whatever rendering does
        del cache  # (its copy of every summary: the build keeps docs, not both)
        _withdraw_unpublished(config, manifest, report)
        sources = document_languages(jobs)
        try:
            _run(config, options, jobs, manifest, report, progress, sources)
        except BaseException:
            # Outputs written so far are whole and recorded under the previous plan and inputs
            # (which no longer match, so the next build plans again): it redoes only the rest.
            manifest.save()
            raise
        site = _write_site(config, jobs, docs, manifest, report)
        if not options.languages and not options.formats:  # a partial build says nothing of the rest
            manifest.forget_missing({j.rel for j in jobs} | {p.rel for j in jobs for p in j.parts} | set(site))
        manifest.data.update(plan=key, inputs=inputs, fallbacks=report.fallbacks, skipped=report.skipped,
                             warnings=report.warnings,
                             fonts=fonts_used(config, options, sources))
        manifest.save()
    return report


def _check_options(config: Config, options: BuildOptions) -> None:
    unknown = [lang for lang in options.languages or () if lang not in config.languages]
    if unknown:
        raise DiglotError(f"--lang {', '.join(unknown)}: not a language of this project "
                          f"(languages in pyproject.toml: {', '.join(config.languages)})")


def _withdraw_unpublished(config: Config, manifest: Manifest, report: BuildReport) -> None:
    """An edition that fell under min_translated must not stay online from an earlier build."""
    for what in report.skipped:
        slug, lang = what.split(" ", 1)
        for rel in [r for r, entry in manifest.data["outputs"].items() if _made_from(r, entry, slug, lang)]:
            (config.output_dir / rel).unlink(missing_ok=True)
            del manifest.data["outputs"][rel]
            report.withdrawn.append(rel)
            log.warning("removed output/%s: the edition is no longer published", rel)


def _made_from(rel: str, entry: dict, slug: str, lang: str) -> bool:
    if "editions" in entry:
        return entry.get("slug") == slug and lang in entry["editions"]
    return rel.startswith(f"{lang}/{slug}.")


def _nothing_to_do(manifest: Manifest, output_dir: Path, report: BuildReport) -> BuildReport:
    report.up_to_date = True
    report.fallbacks = dict(manifest.data.get("fallbacks", {}))
    report.skipped = dict(manifest.data.get("skipped", {}))
    report.warnings = list(manifest.data.get("warnings", []))
    for warning in report.warnings:  # still true of the inputs: said again until they are fixed
        log.warning("%s", warning)
    for rel, entry in manifest.data["outputs"].items():
        if rel.startswith(".diglot/"):  # a book's parts (diglot.parts): the build's, not published
            continue
        lang = rel.split("/", 1)[0] if "/" in rel else ""
        report.outputs.append(Output(output_dir / rel, lang, rel.split(".", 1)[-1], (entry.get("stat") or [0])[0],
                                     rebuilt=False))
    return report


#: How often a build records its finished outputs in the manifest: a build killed outright (SIGKILL,
#: the OOM killer) then loses at most this much work, and saving stays rare at thousands of outputs.
SAVE_SECONDS = 5.0


def _run(config, options, jobs: list[Job], manifest, report, progress, sources) -> None:
    output_dir = config.output_dir
    stale = [j for j in jobs if not manifest.is_current(output_dir, j.rel, j.fingerprint)]
    stale_paths = {j.rel for j in stale}  # by output path: a set, at thousands of outputs
    for job in jobs:
        if job.rel not in stale_paths:
            entry = manifest.data["outputs"][job.rel]
            report.outputs.append(Output(output_dir / job.rel, job.lang, job.kind, entry["stat"][0], rebuilt=False))
    if not stale:
        return
    if any(j.kind.endswith("pdf") for j in stale):
        from .fonts import check_installed, harfbuzz_subset_available

        # Fallback text uses its own (the source) language's faces.
        check_installed(list(dict.fromkeys([lang for j in stale for lang in j.editions] + list(sources))))
        if not harfbuzz_subset_available():
            log.warning("libharfbuzz-subset is missing: PDF font subsetting is about 12x slower "
                        "(apt-get install libharfbuzz-subset0)")
    done, saved = 0, time.monotonic()
    joins = _Joins(output_dir, manifest, reuse=not options.force)
    tasks = [task for job in order(fold_derived(stale)) for task in joins.tasks(job)]
    total = len(stale) + joins.parts

    # This process's own jobs, by output: what a result records is kept to the end of the build,
    # in these objects' strings, not in copies unpickled with each result.
    planned = {j.rel: j for job in stale for j in (job, *job.derived, *job.parts)}

    def on_done(result: JobResult) -> list:
        nonlocal done, saved
        job = planned.get(result.job.rel, result.job)
        path = output_dir / job.rel
        atomic_write(path, result.data)
        extra = {"slug": job.slug, "editions": list(job.editions)}
        if job.part:
            extra["part"] = job.part
        if result.front_pages and not job.part:
            extra["front_pages"] = result.front_pages
        if result.pieces:
            joins.keep(job, result.pieces)
        if result.lines:
            atomic_write(_lines_path(output_dir, job), result.lines)
        manifest.record(output_dir, job.rel, job.fingerprint, extra)
        made = Output(path, job.lang, job.kind, len(result.data), result.seconds, list(result.warnings))
        (report.parts if job.part else report.outputs).append(made)
        report.peak_worker_kb = max(report.peak_worker_kb, result.peak_kb)
        done += 1
        if time.monotonic() - saved > SAVE_SECONDS:
            manifest.save()  # under the previous plan and inputs: see build()
            saved = time.monotonic()
        if progress:
            progress(job.rel, done, total)
        return joins.done(job, result.front_pages) if job.part else []

    execute(config, options, tasks, on_done)


#: The pieces a book's join keeps for the next (diglot.parts.Piece).
PIECES = ("front", "folios")


class _Joins:
    """Books laid out in parts (diglot.parts): a stale book's PDF is made from its parts, of which
    only the stale ones are rendered (an edit to one chapter renders that chapter); its join runs
    once the last of them is in, from the parts' files in output/.diglot/parts/."""

    def __init__(self, output_dir: Path, manifest: Manifest, reuse: bool = True):
        self.output_dir, self.manifest = output_dir, manifest
        self.reuse = reuse  # the last joins' pieces (--force: everything laid out anew)
        self.waiting: dict[str, set[str]] = {}  # book's output → its parts still being rendered
        self.books: dict[str, Job] = {}
        self.book_of: dict[str, str] = {}  # part → its book's output
        self.parts = 0  # parts to render
        self.guesses: dict[str, int] = {}  # book's output → its front matter's length, guessed by a part

    def tasks(self, job: Job) -> list:
        if not job.parts:
            return [(job, ())]
        stale = [part for part in job.parts if not self.manifest.is_current(self.output_dir, part.rel,
                                                                             part.fingerprint)]
        if not stale:
            return [self._join(job)]
        self.waiting[job.rel], self.books[job.rel] = {part.rel for part in stale}, job
        self.book_of.update((part.rel, job.rel) for part in stale)
        self.parts += len(stale)
        if not self._front_hint(job) and not (self.reuse and self._pieces(job)):
            stale[0] = replace(stale[0], front_pages=-1)  # no guess at the front's length: its first part makes one
        if self.reuse:  # each part's last lines (--force: weighed anew)
            stale = [replace(part, lines=_read_or_empty(_lines_path(self.output_dir, part))) for part in stale]
        return [(part, ()) for part in stale]

    def done(self, part: Job, front_pages: int = 0) -> list:
        book = self.book_of.pop(part.rel)
        self.waiting[book].discard(part.rel)
        if front_pages > 0:
            self.guesses[book] = front_pages
        return [] if self.waiting[book] else [self._join(self.books.pop(book))]

    def _front_hint(self, job: Job) -> int:
        """The last join's front matter length (the manifest's), or 0."""
        last = self.manifest.data["outputs"].get(job.rel) or {}
        front = last.get("front_pages") if isinstance(last, dict) else None
        return front if isinstance(front, int) and 0 < front < 10_000 else 0  # (any other value is no hint)

    def _join(self, job: Job) -> tuple:
        front = self._front_hint(job) or self.guesses.pop(job.rel, 0)
        if front:
            job = replace(job, front_pages=front)
        pieces = tuple((path.stem.split("-", 1)[0], path.stem.split("-", 1)[1], path.read_bytes())
                       for path in (self._pieces(job) if self.reuse else ()))
        return replace(job, pieces=pieces), tuple((self.output_dir / part.rel).read_bytes() for part in job.parts)

    def _pieces(self, job: Job) -> list[Path]:
        """The last join's pieces (diglot.parts.Piece), kept beside the parts as <name>-<key>.pdf."""
        folder = (self.output_dir / job.parts[0].rel).parent
        return [path for name in PIECES for path in sorted(folder.glob(f"{name}-*.pdf"))]

    def keep(self, job: Job, pieces: tuple) -> None:
        """Keep what the join of ``job`` laid out anew for the next join, instead of the last ones."""
        for name, key, data in pieces:
            folder = (self.output_dir / job.parts[0].rel).parent
            atomic_write(folder / f"{name}-{key}.pdf", data)
            for old in folder.glob(f"{name}-*.pdf"):
                if old.stem != f"{name}-{key}":
                    old.unlink(missing_ok=True)


def _lines_path(output_dir: Path, part: Job) -> Path:
    """Where the lines of a book's part (diglot.pdf.LineMemory) are kept: beside its PDF."""
    return (output_dir / part.rel).with_suffix(".lines.json")


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def execute(config: Config, options: BuildOptions, tasks: list, on_done: Callable[[JobResult], list]) -> None:
    """Run ``tasks`` ((job, parts) pairs: diglot.workers.Task) with the chosen executor (worker
    processes here, or a Dask cluster), handing each result to ``on_done`` as it arrives, and
    running the tasks it returns (a book's join) too."""
    if options.executor == "dask":
        from .distributed import run_on_dask

        run_on_dask(config, options, tasks, on_done)
    else:
        run_local(config, options, tasks, on_done)


def _write_site(config: Config, jobs: list[Job], docs: list[Summary], manifest: Manifest, report: BuildReport
                ) -> list[str]:
    """The pages that list the others: output/index.html (every language), output/<lang>/index.html
    (one language's, in its own UI language), output/opds.xml (the e-book catalogue) and, with
    base_url, output/sitemap.xml, from the planner's summaries (``docs``: no source is read
    again). Each is rewritten only when what it lists changed; returns their paths under output/."""
    output_dir = config.output_dir
    prefix = len(str(output_dir)) + 1  # (string slices: pathlib's relative_to, at thousands of outputs, costs)
    sizes = {str(o.path)[prefix:]: o.size for o in report.outputs}
    listed = digest(sorted(sizes.items()), [(j.rel, j.content) for j in jobs], config.base_url)
    web = digest(listed, templates_digest(config, "site"))  # the index pages are made with the templates
    pairs = list(dict.fromkeys((j.slug, j.lang) for j in jobs if len(j.editions) == 1))
    published = list(dict.fromkeys(lang for _, lang in pairs))
    pages = {"index.html": None, **{f"{lang}/index.html": lang for lang in published}, "opds.xml": "opds"}
    if config.base_url:
        pages["sitemap.xml"] = "sitemap"
    fingerprints = {rel: listed if what in ("opds", "sitemap") else web for rel, what in pages.items()}
    stale = {rel for rel in pages if not manifest.is_current(output_dir, rel, fingerprints[rel])}
    if not stale:
        for rel, what in pages.items():
            report.outputs.append(Output(output_dir / rel, _page_lang(what), _page_kind(rel),
                                         (output_dir / rel).stat().st_size, rebuilt=False))
        return list(pages)
    from . import feeds, publish  # (Jinja, only when a page is made)
    from .workers import _ui_cached

    listed_of = {doc.slug: doc.listings for doc in docs}
    listings = [listed_of[slug][lang] for slug, lang in pairs]
    ui = _ui_cached(config)
    updated = max((int((output_dir / rel).stat().st_mtime) for rel in sizes if (output_dir / rel).exists()),
                  default=0)
    for rel, what in pages.items():
        if rel not in stale:
            report.outputs.append(Output(output_dir / rel, _page_lang(what), _page_kind(rel),
                                         (output_dir / rel).stat().st_size, rebuilt=False))
            continue
        if what == "opds":
            data = feeds.opds_feed(listings, sizes, config.base_url, updated, config.pairs)
        elif what == "sitemap":
            data = feeds.sitemap(_site_pages(sizes, published), config.base_url)
        else:
            data = publish.render_index(listings, sizes, config, what, ui.get(what) if what else None)
        path = output_dir / rel
        known = rel in manifest.data["outputs"]  # not after --force or a damaged manifest: then rewrite all
        atomic_write(path, data, keep_same=known)  # unchanged pages keep their date
        manifest.record(output_dir, rel, fingerprints[rel])
        report.outputs.append(Output(path, _page_lang(what), _page_kind(rel), path.stat().st_size))
    return list(pages)


def _page_lang(what: str | None) -> str:
    return what if what not in (None, "opds", "sitemap") else ""


def _page_kind(rel: str) -> str:
    return "index" if rel.endswith("index.html") else rel.rsplit(".", 1)[0]


def _site_pages(sizes: dict[str, int], published: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Every web page and index with the same page in the other languages."""
    by_slug: dict[str, list[tuple[str, str]]] = {}
    for rel in sizes:
        lang, _, name = rel.partition("/")
        if lang in published and name.endswith(".html") and name != "index.html":
            by_slug.setdefault(name, []).append((lang, rel))
    indexes = [(lang, f"{lang}/index.html") for lang in published] + [("x-default", "index.html")]
    pages = {"index.html": indexes, **{f"{lang}/index.html": indexes for lang in published}}
    for versions in by_slug.values():
        for _, rel in versions:
            pages[rel] = versions if len(versions) > 1 else []
    for rel in sorted(sizes):
        if rel.startswith("bilingual/") and rel.endswith(".html"):
            pages[rel] = []
    return pages


#: Files the renderers read besides the Jinja templates (README, "Templates").
TEMPLATE_FILES = ("web/site.css", "print/book.css", "epub/epub.css", "epub/epub-vertical.css", "epub/labels.yaml",
                  "bilingual/web.css", "bilingual/print.css", "bilingual/epub.css")


def check_templates(config: Config, cache=None) -> None:
    """Every template compiles and every stylesheet is there, before any output is written; with
    the planner's cache, compiled again only when a file of templates/ changed since it passed."""
    errors = [*_links_leaving(config.templates_dir, config.root),
              *_links_leaving(config.source_dir, config.root, deep=False),
              *_links_leaving(config.translations_dir, config.root, deep=False),
              *_locale_folders(config.translations_dir)]
    if errors:  # read nothing through such a link, not even to compile it
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    key = None
    if cache is not None:
        from .plan import cache_context
        from .plancache import folder_key

        key = folder_key(config, config.templates_dir, cache_context(config), cache.tree)
        if cache.get(":templates", key) is not None:
            return
    from .render import make_environment, render_template_error  # (Jinja: only when compiling)

    env = make_environment(config.templates_dir, config.root)
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
    if cache is not None:
        cache.put(":templates", key, {})


def _links_leaving(folder: Path, root: Path, deep: bool = True):
    """An error for ``folder`` if it is a link leading out of the project, and (``deep``) for every
    entry in it that is such a link or not a regular file: a template linked to /etc/passwd would be
    published. Sources and catalogues are checked file by file as they are read."""
    from .safety import confined

    if folder.is_symlink() and not folder.resolve().is_relative_to(root.resolve()):
        yield DiglotError(f"the folder is a symbolic link to {folder.resolve()}, outside the project; Diglot "
                          "reads only files inside the project", folder)
        return
    for path in sorted(folder.rglob("*")) if deep else ():
        if path.is_dir() and not path.is_symlink():
            continue
        try:
            confined(path, root)
        except DiglotError as exc:
            yield exc


def _locale_folders(translations: Path):
    """An error for each translations/<folder>/LC_MESSAGES whose folder names no language: its
    catalogues would never be published (a typo such as fr_FX), and reading them would fail."""
    from .catalog import locale_folder_problem
    from .languages import language, tag_of_locale

    for folder in sorted(translations.glob("*/LC_MESSAGES")):
        try:
            language(tag_of_locale(folder.parent.name))
        except DiglotError as exc:
            yield DiglotError(locale_folder_problem(folder, exc.message), folder.parent)


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
