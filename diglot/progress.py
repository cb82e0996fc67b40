"""Progress and the final table, for the CLI: rich on a terminal, plain lines otherwise (CI)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path


def _is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def reporter(quiet: bool = False):
    """Yield a ``progress(label, done, total)`` callback for the builder."""
    if quiet:
        yield None
        return
    if not _is_terminal():
        def plain(label: str, done: int, total: int) -> None:
            print(f"[{done}/{total}] {label}", file=sys.stderr, flush=True)
        yield plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=_console()) as bar:
        task = bar.add_task("building", total=None)

        def fancy(label: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"built {label}")
        yield fancy


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _human(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size} B"


def print_table(report, root: Path, verbose: bool = False) -> None:
    """Outputs with size, time and warnings; unchanged ones only with --verbose."""
    rows = [o for o in report.outputs if o.rebuilt or verbose] + list(report.parts)
    if not rows:
        return
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table("output", "size", "time", "warnings", box=None)
        for o in rows:
            time_text = f"{o.seconds:.2f}s" if o.rebuilt else "unchanged"
            table.add_row(str(o.path.relative_to(root)), _human(o.size), time_text, "; ".join(o.warnings))
        Console().print(table)
        return
    for o in rows:
        time_text = f"{o.seconds:.2f}s" if o.rebuilt else "unchanged"
        print(f"  {o.path.relative_to(root)}  {_human(o.size)}  {time_text}")
        for warning in o.warnings:
            print(f"    warning: {warning}")
