"""Command line: parse arguments, load the configuration, call the library.

The only place that prints, configures logging and picks exit codes:
0 success, 1 build or input failure, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from pathlib import Path

from .config import FORMATS, PAPERS, PDF_VARIANTS, find_root, load_config
from .errors import DiglotError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("build", "extract", "update", "init", "stats", "check", "review", "import", "serve", "xliff")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="diglot",
        description="Publish Markdown sources and their gettext catalogues as web pages, print-ready PDFs "
                    "and EPUB 3 books in every configured language (Chinese derived by OpenCC where it can be), "
                    "with bilingual side-by-side editions.",
    )
    parser.add_argument("-C", "--project", type=Path, default=None,
                        help="project folder (default: the nearest folder with a source/ folder)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each step")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = sub.add_parser("build", help="build every edition into output/ (the default command)",
                           description="Build every edition of every document in source/ into output/.")
    _build_arguments(build)
    sub.add_parser("extract", help="write translations/<doc>.pot and translations/ui.pot from sources and templates",
                   description="Extract every source block and template string into POT files (Babel).")
    update = sub.add_parser("update", help="merge the POT files into every language's .po (fuzzy, obsolete, stable lines)",
                            description="Merge the POT files into every catalogue: changed text becomes fuzzy with "
                                        "the previous msgid (#|), removed text is kept as obsolete (#~); files are "
                                        "written unwrapped, only when they change, and only when every one merges.")
    update.add_argument("--force", action="store_true",
                        help="merge even a POT that would make over half of a catalogue's translations obsolete")
    init = sub.add_parser("init", help="start the catalogues of a new language",
                          description="Create translations/<locale>/LC_MESSAGES/*.po for a new language.")
    init.add_argument("lang", help="BCP 47 language tag, e.g. en or fr")
    stats = sub.add_parser("stats", help="translated / fuzzy / untranslated messages per document and language",
                           description="Report translation progress; with --min, fail when a language is under it.")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.add_argument("--derived", action="store_true",
                       help="with --json: the derived editions' review state instead of the catalogues' progress")
    stats.add_argument("--min", type=float, metavar="PERCENT",
                       help="exit 1 when any language has fewer translated messages than PERCENT")
    check = sub.add_parser("check", help="quality checks on every catalogue, as path:line messages",
                           description="Check every catalogue: PO syntax (and msgfmt -c), URLs, e-mail addresses, "
                                       "numbers, footnote references, Markdown, HTML, glossary terms and, for "
                                       "zh-Hant overrides, Simplified-only characters. Exit 1 on any error.")
    check.add_argument("--strict", action="store_true", help="treat warnings (glossary) as errors too")
    review = sub.add_parser("review", help="write what readers of a derived edition (zh-Hant …) read, block by block",
                            description="Write output/review/<locale>/<document>.po for a derived edition: per block "
                                        "the source (msgid), the text readers get (msgstr), OpenCC's own text and the "
                                        "phrase rules that changed it, or the override that replaced it (a stale "
                                        "override is fuzzy). Open it in Poedit.")
    review.add_argument("lang", help="the derived edition's BCP 47 tag, e.g. zh-Hant")
    review.add_argument("-o", "--output", type=Path, help="folder to write to (default: output/review/<locale>/)")
    imp = sub.add_parser("import", help="turn PDF-extracted text (.txt) or a Word file (.docx) into source/<slug>.md",
                         description="Import a .txt (text extracted from a PDF) or .docx file into source/<slug>.md "
                                     "and report every guess made (headings, footnotes, joins across page gaps) "
                                     "with its line in the input, so an editor checks only those.")
    imp.add_argument("file", type=Path, help="the .txt or .docx file")
    imp.add_argument("--slug", help="document name (default: from the file name)")
    imp.add_argument("--title", help="document title (default: the first line, or the Word file's title)")
    imp.add_argument("--encoding", help="input encoding when it isn't UTF-8 and can't be detected (gbk, big5, …)")
    imp.add_argument("--force", action="store_true", help="overwrite an existing source/<slug>.md")
    _xliff_arguments(sub)
    serve = sub.add_parser("serve", help="serve output/ on localhost, rebuild on change and reload the page",
                           description="Build, serve output/ on localhost, and rebuild what changed when a "
                                       "source, catalogue or template changes; open pages reload themselves.")
    _build_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    return parser


def _xliff_arguments(sub) -> None:
    xliff = sub.add_parser("xliff", help="export one language's catalogues as XLIFF 1.2, or import one back",
                           description="XLIFF 1.2 for translation agencies whose tools do not read PO: 'export' "
                                       "writes every catalogue of a language into one file, 'import' merges its "
                                       "translations and fuzzy states back into the existing .po files.")
    actions = xliff.add_subparsers(dest="xliff_action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write output/xliff/<locale>.xlf for a language",
                                description="Write every catalogue of LANG as one XLIFF 1.2 file, a <file> per "
                                            "document (and ui.po).")
    export.add_argument("lang", help="BCP 47 language tag, e.g. en or zh-Hans")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="where to write it (default: output/xliff/<locale>.xlf)")
    imp = actions.add_parser("import", help="merge an XLIFF file's translations into the .po files",
                             description="Set msgstr and the fuzzy flag of the messages an XLIFF 1.2 file names; "
                                         "units the catalogues lack are reported and skipped; a .po file is "
                                         "written only when it changes, and none is on any error.")
    imp.add_argument("file", type=Path, help="the .xlf file the agency returned")


def _build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", action="append", dest="languages", metavar="TAG",
                        help="build only this language, a BCP 47 tag of the project's (repeatable; default: all)")
    parser.add_argument("--format", action="append", choices=list(FORMATS), dest="formats",
                        help="build only this format (repeatable; default: all configured)")
    parser.add_argument("--strict", action="store_true",
                        help="fail if any message falls back to the source text")
    parser.add_argument("--draft", action="store_true",
                        help="highlight text that falls back to the source language")
    parser.add_argument("--embed-fonts", action="store_true",
                        help="embed subsets of the fonts in the EPUBs (a few hundred KB per Chinese book)")
    parser.add_argument("--paper", choices=PAPERS, help="PDF paper size (default: the configuration's, A4)")
    parser.add_argument("--pdf-variant", choices=PDF_VARIANTS,
                        help="PDF standard: tagged PDF/UA-1 (default) or PDF/A-3b for archiving")
    parser.add_argument("--force", action="store_true", help="rebuild everything, ignoring the build manifest")
    parser.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                        help="worker processes (default: one per CPU; 1 builds in this process)")
    parser.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="run jobs locally or on a Dask cluster (default: local)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: start a LocalCluster)")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    argv = _insert_default_command(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    _configure_logging(args)
    try:
        return _run(args)
    except DiglotError as exc:
        print(f"error: {exc}" if exc.path is None else str(exc), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted; outputs already written are complete, the rest are unchanged", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"error: {_os_error(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # the last resort: one line for a bug, the traceback on request
        if args.verbose:
            traceback.print_exc()
            print(f"error: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        else:
            print(f"error: internal error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)",
                  file=sys.stderr)
        return EXIT_FAILED


def _os_error(exc: OSError) -> str:
    """'path: No space left on device': what the system refused, and where (a full disk, a
    read-only mount, a folder where a file should be), without the Python around it."""
    reason = exc.strerror or str(exc)
    path = exc.filename2 if exc.filename2 is not None else exc.filename  # a rename's target, not its temporary file
    return reason if path is None else f"{path}: {reason}"


def _insert_default_command(argv: list[str]) -> list[str]:
    """`diglot` and `diglot --strict` mean `diglot build …`; global options may stand anywhere."""
    globals_, rest = [], []
    items = iter(argv)
    for item in items:
        if item in ("-q", "--quiet", "-v", "--verbose"):
            globals_.append(item)
        elif item in ("-C", "--project"):
            globals_ += [item, next(items, "")]
        else:
            rest.append(item)
    if rest and (rest[0] in COMMANDS or rest[0] in ("-h", "--help")):
        return [*globals_, *rest]
    return [*globals_, "build", *rest]


def _configure_logging(args) -> None:
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    if not args.verbose:
        for noisy in ("weasyprint", "fontTools", "watchfiles", "distributed"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


def _configured(args, config):
    """The configuration with the command line's overrides (--paper, --pdf-variant)."""
    from dataclasses import replace

    if getattr(args, "paper", None):
        config = replace(config, paper=args.paper)
    if getattr(args, "pdf_variant", None):
        config = replace(config, pdf_variant=args.pdf_variant)
    return config


def _run(args) -> int:
    root = find_root(args.project or Path.cwd())
    config = _configured(args, load_config(root))
    if args.command in (None, "build"):
        return _build(args, config)
    commands = {"extract": _extract, "update": _update, "init": _init, "stats": _stats, "check": _check,
                "serve": _serve, "import": _import, "review": _review, "xliff": _xliff}
    return commands[args.command](args, config)


def _import(args, config) -> int:
    from .importer import format_report, import_file

    written, result = import_file(args.file, config.source_dir, slug=args.slug, title=args.title,
                                  encoding=args.encoding, force=args.force)
    if not args.quiet:
        print(format_report(args.file, result))
        print(f"wrote {written.relative_to(config.root)} ({len(result.guesses)} guesses to check)")
    return EXIT_OK


def _xliff(args, config) -> int:
    from .languages import language
    from .xliff import export, import_xliff

    if args.xliff_action == "export":
        try:
            language(args.lang)
        except DiglotError as exc:
            print(f"usage error: xliff export {args.lang}: {exc.message}", file=sys.stderr)
            return EXIT_USAGE
        path, counts = export(config, args.lang, args.output)
        if not args.quiet:
            shown = path.relative_to(config.root) if path.is_relative_to(config.root) else path
            print(f"wrote {shown} ({counts['translated']} translated, {counts['fuzzy']} fuzzy, "
                  f"{counts['untranslated']} untranslated)")
        return EXIT_OK
    result = import_xliff(config, args.file)
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    _say_written(result.changed, config.root, args.quiet, "catalogues are up to date")
    if not args.quiet and result.changed:
        print(f"{result.messages} messages changed")
    return EXIT_OK


#: How long the preview waits for its file watcher to start before its first build.
WATCH_READY_SECONDS = 5


def _serve(args, config) -> int:
    import threading

    from .builder import build
    from .serve import is_private, make_server, watch_and_rebuild

    options = _build_options(args)
    server, reloads = make_server(config.output_dir, args.host, args.port)

    def rebuild() -> None:
        # What a build started now would see, not what this process saw at its start: the
        # configuration as pyproject.toml is now (it is watched), the fonts installed now.
        from .fonts import forget_installed

        forget_installed()
        build(_configured(args, load_config(config.root)), options)

    # Watching first, then the first build: an edit made while it runs, or just after, is built.
    stop, watching, built = threading.Event(), threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch_and_rebuild, daemon=True, name="diglot-watch",
                               args=(config, rebuild, reloads, stop, watching, built))
    watcher.start()
    watching.wait(WATCH_READY_SECONDS)
    try:
        build(config, options)
    except BaseException:
        stop.set()
        server.server_close()
        raise
    built.set()
    host = f"[{args.host}]" if ":" in args.host else args.host
    if not is_private(server):
        print(f"warning: listening on {args.host}, not only on this computer: anyone who can reach it on the "
              f"network can read output/ (--host 127.0.0.1 keeps the preview private)", file=sys.stderr)
    print(f"serving {config.output_dir} at http://{host}:{server.server_address[1]}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return EXIT_OK


def _say_written(paths, root: Path, quiet: bool, nothing: str) -> None:
    if quiet:
        return
    for path in paths:
        print(f"wrote {path.relative_to(root)}")
    if not paths:
        print(nothing)


def _extract(args, config) -> int:
    from .workflow import extract

    _say_written(extract(config), config.root, args.quiet, "templates are up to date")
    return EXIT_OK


def _update(args, config) -> int:
    from .workflow import update

    _say_written(update(config, force=args.force), config.root, args.quiet, "catalogues are up to date")
    return EXIT_OK


def _init(args, config) -> int:
    from .languages import language
    from .workflow import init

    try:
        language(args.lang)
    except DiglotError as exc:
        print(f"usage error: init {args.lang}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    _say_written(init(config, args.lang), config.root, args.quiet, "")
    return EXIT_OK


def _stats(args, config) -> int:
    import json

    from .review import review_stats
    from .workflow import stats

    results = stats(config)
    if not args.json:
        print(f"{'document':<32} {'lang':<8} {'translated':>10} {'fuzzy':>6} {'untransl.':>9} {'%':>6} {'chars':>11} "
              f"{'memory':>6}")
        for s in results:
            print(f"{s.domain:<32} {s.lang:<8} {s.translated:>10} {s.fuzzy:>6} {s.untranslated:>9} "
                  f"{s.percent:>5.1f}% {s.chars_translated:>5}/{s.chars_total:<5} {s.from_memory:>6}")
    derived = review_stats(config) if args.derived or not args.json else []
    if args.json:  # one shape of row per list: catalogues, or (--derived) derived editions
        rows = [r.as_dict() for r in derived] if args.derived else [s.as_dict() for s in results]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif derived:
        print(f"\n{'derived edition':<32} {'lang':<8} {'from':<8} {'blocks':>6} {'overridden':>10} {'stale':>5} "
              f"{'by rules':>8} {'rules':>5} {'unused':>6}")
        for r in derived:
            print(f"{r.domain:<32} {r.lang:<8} {r.base:<8} {r.blocks:>6} {r.overridden:>10} {r.stale:>5} "
                  f"{r.changed_by_rules:>8} {r.rules:>5} {len(r.rules_unused):>6}")
        for r in derived:
            for rule in r.rules_unused if args.verbose else ():
                print(f"  {r.domain} [{r.lang}]: rule {rule} matches no block")
    under = [s for s in results if args.min is not None and s.percent < args.min]
    for s in under:
        print(f"{s.domain} [{s.lang}]: {s.percent:.1f}% translated, under --min {args.min:g}%", file=sys.stderr)
    return EXIT_FAILED if under else EXIT_OK


def _review(args, config) -> int:
    from .review import export_review

    _say_written(export_review(config, args.lang, args.output), config.root, args.quiet, "")
    return EXIT_OK


def _check(args, config) -> int:
    from .workflow import check

    findings = check(config)
    for finding in findings:
        print(finding.__str__().replace(str(config.root) + "/", ""))
    errors = [f for f in findings if f.severity == "error" or args.strict]
    if not args.quiet:
        warnings = len(findings) - len([f for f in findings if f.severity == "error"])
        print(f"{len([f for f in findings if f.severity == 'error'])} errors, {warnings} warnings", file=sys.stderr)
    return EXIT_FAILED if errors else EXIT_OK


def _build_options(args):
    from .builder import BuildOptions

    from .languages import canonical

    options = BuildOptions(
        languages=tuple(canonical(t) for t in args.languages) if getattr(args, "languages", None) else None,
        formats=tuple(args.formats) if getattr(args, "formats", None) else None,
        strict=getattr(args, "strict", False), draft=getattr(args, "draft", False),
        force=getattr(args, "force", False), jobs=getattr(args, "jobs", 0),
        embed_fonts=getattr(args, "embed_fonts", False),
        executor=getattr(args, "executor", "local"), scheduler=getattr(args, "scheduler", None),
    )
    if options.jobs < 0:
        raise DiglotError("-j must be 0 (one per CPU) or more")
    return options


def _build(args, config) -> int:
    from .builder import build

    options = _build_options(args)
    started = time.perf_counter()
    from .progress import reporter

    with reporter(quiet=args.quiet) as progress:
        report = build(config, options, progress)
    if not args.quiet:
        _print_report(report, config.root, time.perf_counter() - started, args.verbose)
    return EXIT_OK


def _print_report(report, root: Path, seconds: float, verbose: bool) -> None:
    from .progress import print_table

    print_table(report, root, verbose)
    for lang, count in sorted(report.fallbacks.items()):
        print(f"{lang}: {count} messages fell back to the source text")
    for what, reason in report.skipped.items():
        print(f"skipped {what}: {reason}")
    if report.up_to_date:
        print(f"nothing to do: all {len(report.outputs)} outputs are up to date ({seconds:.2f}s)")
    else:
        import resource

        main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
        memory = f"; peak worker memory {report.peak_worker_kb / 1024:,.0f} MB" if report.peak_worker_kb else ""
        memory += f"; main process {main_mb:,.0f} MB"
        print(f"built {len(report.rebuilt)} of {len(report.outputs)} files in {seconds:.1f}s{memory}")
