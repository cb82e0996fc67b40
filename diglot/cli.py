"""Command line: parse arguments, load the configuration, call the library.

The only place that prints, configures logging and picks exit codes:
0 success, 1 build or input failure, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from .config import FORMATS, find_root, load_config
from .errors import DiglotError
from .model import LANGUAGES

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="diglot",
        description="Publish a Simplified Chinese source and its gettext catalogues as web pages, "
                    "print-ready PDFs and EPUB 3 books in zh-Hans, zh-Hant and English.",
    )
    parser.add_argument("-C", "--project", type=Path, default=None,
                        help="project folder (default: the nearest folder with a source/ folder)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each step")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = sub.add_parser("build", help="build every edition into output/ (the default command)",
                           description="Build every edition of every document in source/ into output/.")
    _build_arguments(build)
    return parser


def _build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", action="append", choices=list(LANGUAGES), dest="languages",
                        help="build only this language (repeatable; default: all configured)")
    parser.add_argument("--format", action="append", choices=list(FORMATS), dest="formats",
                        help="build only this format (repeatable; default: all configured)")
    parser.add_argument("--strict", action="store_true",
                        help="fail if any message falls back to the source text")
    parser.add_argument("--draft", action="store_true",
                        help="highlight text that falls back to the source language")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help") and "build" not in argv:
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


def _insert_default_command(argv: list[str]) -> list[str]:
    # `diglot` and `diglot --strict` mean `diglot build …`; global options stay in front.
    globals_ = []
    rest = list(argv)
    while rest and rest[0] in ("-q", "--quiet", "-v", "--verbose", "-C", "--project"):
        option = rest.pop(0)
        globals_.append(option)
        if option in ("-C", "--project") and rest:
            globals_.append(rest.pop(0))
    return [*globals_, "build", *rest]


def _configure_logging(args) -> None:
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    if not args.verbose:
        for noisy in ("weasyprint", "fontTools"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


def _run(args) -> int:
    root = find_root(args.project or Path.cwd())
    config = load_config(root)
    if args.command in (None, "build"):
        return _build(args, config)
    raise DiglotError(f"unknown command {args.command}")


def _build(args, config) -> int:
    from .builder import BuildOptions, build

    options = BuildOptions(
        languages=tuple(args.languages) if getattr(args, "languages", None) else None,
        formats=tuple(args.formats) if getattr(args, "formats", None) else None,
        strict=getattr(args, "strict", False), draft=getattr(args, "draft", False),
    )
    started = time.perf_counter()
    report = build(config, options)
    if not args.quiet:
        _print_report(report, config.root, time.perf_counter() - started)
    return EXIT_OK


def _print_report(report, root: Path, seconds: float) -> None:
    for output in report.outputs:
        rel = output.path.relative_to(root)
        print(f"  {rel}  {output.size / 1024:,.0f} KB  {output.seconds:.2f}s")
        for warning in output.warnings:
            print(f"    warning: {warning}")
    for lang, count in sorted(report.fallbacks.items()):
        print(f"{lang}: {count} messages fell back to the source text")
    for what, reason in report.skipped.items():
        print(f"skipped {what}: {reason}")
    print(f"built {len(report.outputs)} files in {seconds:.1f}s")
