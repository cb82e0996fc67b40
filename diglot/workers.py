"""Running jobs: render each in a worker process (or on Dask) within time and memory bounds.

In: jobs from diglot.plan. Out: JobResults (the output's bytes) handed to a callback as they
arrive. Workers fork from a server that imported WeasyPrint once, keep a few documents'
parsed inputs, free each book's layout when it is written, and die with the build.
"""

from __future__ import annotations

import gc
import os
import resource
import signal
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable

from .config import Config
from .editions import Edition, catalogue_files, edition_recipes, make_edition, source_files, ui_translations
from .errors import DiglotError
#: Bounds on each engine call (README, "Limits"): a hostile input fails, it never hangs the build.
from .limits import JOB_MEMORY, JOB_SECONDS, limit_memory
from .model import Document
from .plan import BuildOptions, Job
from .report import Output


@dataclass(frozen=True)
class JobResult:
    job: Job
    data: bytes
    seconds: float
    warnings: tuple[str, ...]
    peak_kb: int = 0  # the worker's peak resident set so far (ru_maxrss)
    front_pages: int = 0  # a book joined from parts: its front matter's length (the next join's guess);
    # a part asked for one (Job.front_pages -1): the front matter's length laid out with rough numbers
    pieces: tuple = ()  # and the pieces its join laid out anew (diglot.parts.Piece), for the next join
    lines: bytes = b""  # a part: its paragraphs' lines (diglot.pdf.LineMemory), for its next layout


# --- parsed inputs, per process ------------------------------------------------------------------

#: Parsed inputs a worker keeps: a few documents' worth (source, editions, UI), the most
#: recently used. Jobs run document by document (order), so a document is parsed once per
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
    from .manifest import file_stat

    stats = repr(sorted((str(p), file_stat(p)) for p in config.translations_dir.rglob("ui.po")))
    return _cached(("ui", str(config.root), repr(config.__dict__), stats), lambda: ui_translations(config))


def source_cached(config: Config, slug: str) -> Document:
    """The document or book ``slug``, parsed once per process while its files are unchanged."""
    from .editions import publication_path, read_publication
    from .manifest import file_stat

    path = publication_path(config, slug)
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    stats = repr([(str(f), file_stat(f)) for f in files])
    return _cached(("source", str(path), stats), lambda: read_publication(path, config))


def load_edition(config: Config, slug: str, lang: str) -> Edition:
    """The edition, cached per process while its inputs' stats are unchanged (its base's too)."""
    from .manifest import file_stat

    doc = source_cached(config, slug)
    recipe = edition_recipes(doc, config).get(lang)
    base = load_edition(config, slug, recipe.base).doc if recipe is not None and recipe.derived else None
    key = ("edition", str(config.root), slug, lang, repr(config.__dict__), id(doc), id(base),
           repr([file_stat(path) for path in catalogue_files(config, doc, [lang])]))
    edition = _cached(key, lambda: make_edition(doc, lang, config, base=base))
    return Edition(edition, _ui_cached(config)[lang])


# --- one job ----------------------------------------------------------------------------------

@contextmanager
def _time_limit(seconds: int, job: Job):
    """SIGALRM-based limit; only where signals can be used (a process's main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        _kill_children()  # pandoc, run by pypandoc: it would go on working for a render given up
        raise DiglotError(f"{job.rel}: rendering took longer than {seconds} s; the input is too large or too "
                          "deeply nested")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _kill_children() -> None:
    """Kill this process's child processes (Linux's /proc/self/task/*/children)."""
    try:
        pids = {int(pid) for task in os.scandir("/proc/self/task")
                for pid in open(f"{task.path}/children", encoding="ascii").read().split()}
    except OSError:
        return
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_job(config: Config, options: BuildOptions, job: Job, parts: tuple[bytes, ...] = ()) -> list[JobResult]:
    """Render one output in memory, and those derived from it, within the time limit; a book laid
    out in parts (job.parts) is joined from ``parts``, its parts' PDFs.

    Runs in a worker process or on Dask."""
    try:
        with _time_limit(JOB_SECONDS, job):
            results = [_render_job(config, options, job, parts)]
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


def _render_job(config: Config, options: BuildOptions, job: Job, parts: tuple[bytes, ...] = ()) -> JobResult:
    from . import publish

    started = time.perf_counter()
    if job.kind == "media":  # a figure's image for the web pages, an SVG sanitized
        from .media import image_bytes

        return JobResult(job, image_bytes(config.source_dir, job.rel.removeprefix("media/")),
                         time.perf_counter() - started, ())
    editions = [load_edition(config, job.slug, lang) for lang in job.editions]
    if job.kind.endswith("pdf") and not job.part:  # a book in parts: checked once, by its join
        check_coverage(editions)
    sink = Output(config.output_dir / job.rel, job.lang, job.kind)
    # Reproducible e-books: pandoc dates dcterms:modified and the zip entries from this,
    # the time the editions' inputs last changed, so any machine builds the same bytes.
    os.environ["SOURCE_DATE_EPOCH"] = str(_inputs_changed(config, job, editions[0].doc))
    front, pieces, lines = 0, (), b""
    if job.part:  # a book laid out in parts: one of them, or their join
        from .parts import render_part
        from .pdf import LineMemory

        memory = LineMemory(job.layout, job.lines)
        data = render_part(editions[0], config, job.part, sink, memory)
        lines = memory.dumps()
        job = replace(job, lines=b"")  # (not sent back)
        if job.front_pages < 0:  # its join has no guess at the front matter's length: make one
            from .parts import front_length

            front = front_length(editions[0], config, data)
    elif job.parts:
        from .parts import join_book

        data, front, pieces = join_book(editions[0], config, list(parts), sink, job.front_pages, job.layout,
                                        job.pieces)
        job = replace(job, pieces=())  # (not sent back)
    elif job.bilingual:
        from .bilingual import render_bilingual

        data = render_bilingual(job.kind, editions[0], editions[1], config, options, sink)
    else:
        data = publish.render(job.kind, editions[0], job.langs, config, options, sink)
    return JobResult(job, data, time.perf_counter() - started, tuple(sink.warnings), front_pages=front,
                     pieces=pieces, lines=lines)


def _derive(result: JobResult, job: Job) -> JobResult:
    """An output made from another's bytes instead of a second render (see plan.fold_derived)."""
    from .publish import derive

    started = time.perf_counter()
    return JobResult(job, derive(job.kind, result.data), time.perf_counter() - started, ())


def check_coverage(editions: list[Edition]) -> None:
    """Every character has a glyph: fallback text is set in its own language's faces."""
    from . import fonts
    from .render import text_languages

    for edition in editions:
        doc = edition.doc
        also = text_languages(doc)
        for seg in doc.segments:
            if fonts.missing_characters(seg.text, seg.lang, also):
                try:
                    fonts.check_coverage(seg.text, seg.lang, f"{seg.kind} [{doc.lang}]", also)
                except DiglotError as exc:
                    raise DiglotError(exc.message, seg.file or doc.path, seg.line) from None


def _inputs_changed(config: Config, job: Job, doc: Document) -> int:
    recipes = edition_recipes(doc, config)
    langs, seen = list(job.editions), set()
    while langs:  # each edition's catalogue, and its base's
        lang = langs.pop()
        if lang not in seen:
            seen.add(lang)
            recipe = recipes.get(lang)
            if recipe is not None and recipe.derived:
                langs.append(recipe.base)
    paths = source_files(config, doc) + catalogue_files(config, doc, sorted(seen))
    return max(int(p.stat().st_mtime) for p in paths if p.exists())


# --- worker processes ----------------------------------------------------------------------------

def warm_worker() -> None:
    """Load WeasyPrint and the faces once per worker, not once per job."""
    from . import pdf

    pdf.warm_up()


#: Imported once by the server workers are forked from, not by every worker: WeasyPrint
#: alone takes about a second to import (its cffi declarations, fontTools).
WORKER_PRELOAD = ["weasyprint", "pikepdf", "diglot.pdf", "diglot.publish", "diglot.bilingual", "diglot.printshop",
                  "diglot.preload"]


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
    limit_memory(JOB_MEMORY)
    if warm:
        from . import pdf

        if not pdf.WARM:  # (warmed up in the fork server, diglot.preload, unless that failed)
            warm_worker()
    gc.freeze()  # what is loaded now stays: collections after each book look at that book only


def order(jobs: list[Job]) -> list[Job]:
    # Document by document (a worker's parsed inputs stay few, see _cached); within one, longest
    # first: PDFs, then EPUBs, then web pages, so the workers stay busy to the end.
    weight = {"pdf": 0, "epub": 1, "html": 2}
    return sorted(jobs, key=lambda j: (j.slug, weight.get(j.kind.rsplit(".", 1)[-1], 3), j.rel))


#: What an executor runs: a job, and the PDFs of its parts when it joins a book laid out in parts.
Task = tuple  # (Job, tuple[bytes, ...])
#: Called with each result as it arrives; returns the tasks it makes possible (a book's join, once
#: its last part is in), which the executor runs too.
OnDone = Callable[[JobResult], "list[Task] | None"]


def run_local(config: Config, options: BuildOptions, tasks: list[Task], on_done: OnDone) -> None:
    """Run ``tasks`` in worker processes on this machine, handing each result to ``on_done``."""
    workers = max(1, min(options.jobs or os.cpu_count() or 1, len(tasks)))
    _run_in_pool(config, options, tasks, on_done, workers)


#: Tasks submitted per worker process and not yet finished (the local pool's queue depth).
IN_FLIGHT = 4


def _run_in_pool(config, options, tasks, on_done, workers: int) -> None:
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # Worker processes even for -j 1: the memory limit applies to them, never to this process.
    warm = any(job.kind.endswith("pdf") for job, _parts in tasks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context(warm), initializer=_init_worker,
                             initargs=(warm, os.getpid())) as pool:
        # A few tasks per worker in flight, not every task submitted at once: at thousands of
        # outputs each waiting future costs this process memory, and each wait() walks them all.
        queue, pending = deque(tasks), set()
        while queue or pending:
            while queue and len(pending) < IN_FLIGHT * workers:
                job, parts = queue.popleft()
                pending.add(pool.submit(run_job, config, options, job, parts))
            done, pending = wait(pending, return_when=FIRST_COMPLETED)  # write each as it arrives
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
                    queue.extendleft(reversed(on_done(result) or ()))  # a book's join goes next
