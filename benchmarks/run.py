#!/usr/bin/env python3
"""Diglot's benchmark: each figure as a ratio against a reference measured in the same run.

    .venv/bin/python benchmarks/run.py [--quick]
    .venv/bin/python benchmarks/run.py [--books] [--dask] [--scale 1000]   # only those figures

Works in a temporary copy of the project; never touches output/. Goals
(issues "Build engine" and "Performance at a publisher's scale"): cold ≤ 0.4 ×
raw tools in sequence; no-op ≤ 0.05 × cold; a touch-only build (every input's
mtime new, no content changed, as in a fresh CI checkout) ≤ 2 × no-op; one
English msgstr changed ≤ 0.5 × cold with only English and bilingual outputs
rebuilt; -j 2 ≤ 0.65 × -j 1; time per document flat within 15 % from N=5 to
N=50 documents, peak memory per worker flat, and the main process's peak
within 20 %. Issue "Performance at a publisher's scale" adds --books (a 10-chapter
book of about 200 pages: -j 2 ≤ 0.60 × -j 1, seconds per page flat within 15 %,
one paragraph changed ≤ 0.25 × cold), --dask (2 local Dask workers ≤ 1.3 × the
local executor's 2 processes, N=20) and --scale N (the main process's peak at
N documents ≤ 1.2 × N=5's, a touch-only build ≤ 2 × a no-op at N). Each ratio's figure and reference run interleaved (A B A B A B)
and the spread of the three rounds' ratios is printed; a figure whose spread
crosses its goal is flagged UNSTABLE (the machine was busy: run it again).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SLUG = "igf-2018-cybersecurity"


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("source", "templates", "translations"):
        shutil.copytree(REPO / name, dest / name)
    shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")
    return dest


def timed(cmd: list[str], cwd: Path | None = None, report: dict | None = None) -> float:
    """Wall-clock seconds of ``cmd``; with ``report``, fill it with the per-output seconds the build printed."""
    started = time.perf_counter()
    run = subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seconds = time.perf_counter() - started
    if report is not None:
        # The closing table, one line per rebuilt output: "  output/<rel>  46 KB  0.52s".
        for match in re.finditer(r"^\s+output/(\S+)\s.*\s([\d.]+)s$", run.stdout, re.M):
            report[match.group(1)] = float(match.group(2))
    return seconds


def diglot(project: Path, *args: str, report: dict | None = None) -> float:
    quiet = [] if report is not None else ["-q"]
    return timed([PYTHON, str(REPO / "build.py"), "-C", str(project), *quiet, *args], report=report)


def raw_tools_commands(project: Path, work: Path) -> dict[tuple[str, str], list[str]]:
    """(edition, kind) → the command a publisher would run by hand for it, in a fresh process.

    The inputs are what Diglot itself hands the engines, captured instead of rendered:
    the print HTML and stylesheets for WeasyPrint (single-language and bilingual), the
    Markdown for pandoc; a web page costs one Jinja template load.
    """
    sys.path.insert(0, str(REPO))
    from diglot import bilingual, publish
    from diglot.editions import prepare
    from diglot.report import Output
    from diglot.config import load_config
    from diglot.epub import READER
    from diglot.render import epub_context, render_template

    config = load_config(project)
    pandoc = str(Path(__import__("pypandoc").get_pandoc_path()))
    editions = {e.doc.lang: e for e in prepare(config)}
    commands = {}
    for lang, edition in editions.items():
        doc, env = edition.doc, publish._environment(config, edition.ui)
        stem = work / f"{lang}-{doc.slug}"
        sink = Output(stem.with_suffix(".pdf"), lang, "pdf")
        commands[(lang, "pdf")] = _weasyprint(lambda: publish.render_pdf(edition, config, None, sink), stem)
        markdown = render_template(env, "epub/book.md.j2", config.templates_dir, **epub_context(doc))
        stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
        commands[(lang, "epub")] = [pandoc, "-f", READER, "-t", "epub3", "--metadata", f"title={doc.slug}",
                                    "-o", str(stem.with_suffix(".epub")), str(stem.with_suffix(".md"))]
        script = ("import jinja2,sys; jinja2.Environment(loader=jinja2.FileSystemLoader(sys.argv[1]))"
                  ".get_template('web/page.html.j2')")
        commands[(lang, "html")] = [PYTHON, "-c", script, str(config.templates_dir)]
    for a, b in config.pairs:
        stem = work / f"{a}-{b}-bilingual"
        sink = Output(stem.with_suffix(".pdf"), a, "pdf")
        commands[(f"{a}-{b}", "pdf")] = _weasyprint(
            lambda: bilingual.render_pdf(editions[a], editions[b], config, sink), stem)
        commands[(f"{a}-{b}", "epub")] = commands[(a, "epub")]
        commands[(f"{a}-{b}", "html")] = commands[(a, "html")]
    return commands


def _weasyprint(render, stem: Path) -> list[str]:
    """Run Diglot's renderer with WeasyPrint swapped out; return the equivalent CLI call."""
    import diglot.pdf
    from diglot import publish

    captured = {}

    def capture(html, stylesheets, base_dir, roots, *, css_strings=(), **_options):
        captured.update(html=html, sheets=list(stylesheets), css=list(css_strings))
        return b"", []

    originals = diglot.pdf.write_pdf, publish.write_pdf
    diglot.pdf.write_pdf = publish.write_pdf = capture
    try:
        render()
    finally:
        diglot.pdf.write_pdf, publish.write_pdf = originals
    html = stem.with_suffix(".print.html")
    html.write_text(captured["html"], encoding="utf-8")
    sheets = list(captured["sheets"])
    for index, css in enumerate(captured["css"]):
        sheets.append(stem.with_suffix(f".{index}.css"))
        sheets[-1].write_text(css, encoding="utf-8")
    styles = [arg for sheet in sheets for arg in ("-s", str(sheet))]
    return [PYTHON, "-m", "weasyprint", *styles, str(html), str(stem.with_suffix(".pdf"))]


def edition_and_kind(rel: str) -> tuple[str, str]:
    """('zh-Hans', 'pdf') for zh-Hans/x.print.pdf, ('zh-Hans-en', 'epub') for bilingual/x.zh-Hans-en.epub."""
    folder, name = rel.split("/", 1)
    kind = "pdf" if name.endswith(".pdf") else "epub" if name.endswith(".epub") else "html"
    if folder == "bilingual":
        folder = name.split(".")[1]
    return folder, kind


#: Every timing is the best of this many runs, the references as much as the figures:
#: the machines are shared, and a neighbour's load only ever adds time.
REPEAT = 3


#: Rounds of each interleaved pair (A B A B …): figure and reference see the same machine load.
INTERLEAVE = 3


def interleaved(figure: Callable[[], float], reference: Callable[[], float]) -> tuple[float, float, float, float]:
    """Best figure, best reference, and the lowest and highest ratio of one round to the next
    (the spread: a figure whose spread crosses its goal is not trustworthy on this machine now)."""
    values, references, ratios = [], [], []
    for _ in range(INTERLEAVE):
        value, ref = figure(), reference()
        values.append(value)
        references.append(ref)
        ratios.append(value / ref if ref else float("inf"))
    return min(values), min(references), min(ratios), max(ratios)


def touch_inputs(project: Path) -> None:
    """What a fresh CI checkout does: every input gets a new mtime, no content changes."""
    now = time.time()
    for folder in ("source", "translations", "templates"):
        for path in (project / folder).rglob("*"):
            if path.is_file():
                __import__("os").utime(path, (now, now))


def best(measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(REPEAT))


def measure_raw(project: Path, outputs: list[str]) -> float:
    """The raw tools in sequence, one fresh run per output the cold build made (each the best of REPEAT)."""
    with tempfile.TemporaryDirectory() as tmp:
        commands = raw_tools_commands(project, Path(tmp))
        return sum(best(lambda: timed(commands[edition_and_kind(rel)])) for rel in sorted(outputs))


def mtimes(project: Path) -> dict[str, int]:
    out = project / "output"
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
            and ".diglot" not in p.parts}


ENGLISH_VARIANTS = ("Overarching Messages", "General Messages", "Overall Messages")


def change_one_english_msgstr(project: Path, attempt: int = 0) -> None:
    """A translator's edit of one msgstr (each attempt a different wording of the same message)."""
    po = project / "translations/en/LC_MESSAGES" / f"{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    old, new = ENGLISH_VARIANTS[attempt % 3], ENGLISH_VARIANTS[(attempt + 1) % 3]
    po.write_text(text.replace(f'msgstr "{old}"', f'msgstr "{new}"', 1), encoding="utf-8")


def synthetic_corpus(root: Path, n: int) -> Path:
    """N documents made from the real one (distinct slugs, same text and translations)."""
    project = copy_project(root / f"corpus-{n}")
    source = (project / "source" / f"{SLUG}.md").read_text(encoding="utf-8")
    for folder in ("translations/en/LC_MESSAGES", "translations/zh_Hant/LC_MESSAGES"):
        po = (project / folder / f"{SLUG}.po").read_bytes()
        for i in range(1, n):
            (project / folder / f"doc-{i:03d}.po").write_bytes(po)
    for i in range(1, n):
        text = re.sub(r"^identifier: .*$", f"identifier: urn:diglot:synthetic-{i}", source, count=1, flags=re.M)
        (project / "source" / f"doc-{i:03d}.md").write_text(text, encoding="utf-8")
    return project


def corpus_figures(root: Path, n: int, formats: list[str]) -> tuple[float, float, float]:
    """Seconds per document, and the build's report of its workers' and its main process's
    peak resident set (MB)."""
    project = synthetic_corpus(root, n)
    args = [a for f in formats for a in ("--format", f)]
    cmd = [PYTHON, str(REPO / "build.py"), "-C", str(project), "-j", "2", *args]
    started = time.perf_counter()
    run = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seconds = time.perf_counter() - started
    memory = re.search(r"peak worker memory ([\d,]+) MB", run.stdout)
    main = re.search(r"main process ([\d,]+) MB", run.stdout)
    return (seconds / n, float(memory.group(1).replace(",", "")) if memory else float("nan"),
            float(main.group(1).replace(",", "")) if main else float("nan"))


def scale_figures(root: Path, n: int) -> list[tuple]:
    """At a publisher's scale (web pages only, so N=1,000 builds in minutes): the main process's
    peak against N=5, and a touch-only build against a no-op, interleaved, at N."""
    _, _, main5 = corpus_figures(root, 5, ["html"])
    project = synthetic_corpus(root, n)
    html = ("--format", "html")
    started = time.perf_counter()
    report = subprocess.run([PYTHON, str(REPO / "build.py"), "-C", str(project), *html], check=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    cold = time.perf_counter() - started
    main_n = float(re.search(r"main process ([\d,]+) MB", report).group(1).replace(",", ""))
    # The cold build wrote thousands of files: their write-back to disk would overlap the first
    # measured build (it did: 2.08 x against 1.89-1.90 x in the next rounds, nothing rebuilt).
    __import__("os").sync()
    touched = interleaved(lambda: (touch_inputs(project), diglot(project, *html))[1], lambda: diglot(project, *html))
    return [(f"main process peak memory N={n} / N=5 (web pages)", main_n, main5, main_n / main5, main_n / main5, 1.2),
            (f"touch-only build / no-op build, N={n} (cold {cold:.0f} s)", *touched, 2.0)]


def long_book(root: Path, chapters: int, paragraphs: int, mode: str = "auto") -> Path:
    """A project holding one book (zh-Hans, PDF only) of ``chapters`` chapters of the real text,
    each ``paragraphs`` paragraphs long (about 3.5 A4 pages per 20), with a note and a link each."""
    text = (REPO / "source" / f"{SLUG}.md").read_text(encoding="utf-8")
    body = re.sub(r"<!--.*?-->", "", text.split("---", 2)[2], flags=re.S)
    lines = [line.strip().removeprefix("- ") for line in body.splitlines()]
    pool = [re.sub(r"\[\^[^\]]+\]", "", line) for line in lines if line and not line.startswith(("#", "[^"))]
    project = root / f"book-{chapters}x{paragraphs}-{mode}"
    (project / "source" / "long").mkdir(parents=True)
    shutil.copytree(REPO / "templates", project / "templates")
    (project / "translations").mkdir()
    shutil.copy2(REPO / "translations" / "ui.pot", project / "translations" / "ui.pot")
    (project / "pyproject.toml").write_text('[tool.diglot]\nlanguages = ["zh-Hans"]\nformats = ["pdf"]\n'
                                            f'pdf_parts = "{mode}"\n', encoding="utf-8")
    names = [f"c{number:03d}.md" for number in range(1, chapters + 1)]
    (project / "source" / "long" / "book.yaml").write_text(
        "title: 长文档\nlang: zh-Hans\nchapters:\n" + "".join(f"  - {name}\n" for name in names), encoding="utf-8")
    taken = 0
    for number, name in enumerate(names, start=1):
        out = [f"---\ntitle: 第{number}部分\n---\n"]
        for index in range(paragraphs):
            if index % 6 == 0:
                out.append(f"## 小节 {number}.{index // 6 + 1}\n")
            line = pool[taken % len(pool)]
            taken += 1
            if index == 0:
                line += f"[^n] 参见[下一章]({names[number % chapters]})。"
            out.append(line + "\n")
        out.append("[^n]: 本章的注释。\n")
        (project / "source" / "long" / name).write_text("\n".join(out), encoding="utf-8")
    return project


def pdf_pages(project: Path) -> int:
    import pikepdf

    with pikepdf.open(project / "output" / "zh-Hans" / "long.pdf") as pdf:
        return len(pdf.pages)


def book_figures(root: Path, sizes: tuple[int, ...]) -> list[tuple]:
    """Books laid out in parts (diglot/parts.py): -j 2 / -j 1 for a 10-chapter book of about 200
    pages; seconds per page at each of ``sizes`` chapters of ~20 pages (-j 2); one paragraph
    changed in one chapter / cold."""
    rows = []
    big = long_book(root, 10, 120)
    rows.append(("book ~200 p. in parts: -j 2 / -j 1 (cold)",
                 *interleaved(lambda: diglot(big, "--force", "-j", "2"), lambda: diglot(big, "--force", "-j", "1")),
                 0.60))
    whole = long_book(root, 10, 120, "never")
    rows.append(("book ~200 p.: in parts / whole (-j 2, cold)",
                 *interleaved(lambda: diglot(big, "--force", "-j", "2"), lambda: diglot(whole, "--force", "-j", "2")),
                 1.0))
    per_page = {}
    for chapters in sizes:
        project = long_book(root, chapters, 120)
        seconds = best(lambda: diglot(project, "--force", "-j", "2"))
        per_page[chapters] = (seconds / pdf_pages(project), pdf_pages(project))
    small = min(sizes)
    for chapters in sizes[1:]:  # flat: within 15 % either way
        value, reference = per_page[chapters][0], per_page[small][0]
        rows.append((f"s/page, {per_page[chapters][1]} p. / {per_page[small][1]} p. (parts, -j 2)",
                     value, reference, value / reference, value / reference, (0.85, 1.15)))
    if len(sizes) >= 3:  # what each page added costs, from the middle size on against below it
        (a, b, c) = sorted(sizes)[:3]
        seconds = {n: per_page[n][0] * per_page[n][1] for n in (a, b, c)}
        low = (seconds[b] - seconds[a]) / (per_page[b][1] - per_page[a][1])
        high = (seconds[c] - seconds[b]) / (per_page[c][1] - per_page[b][1])
        rows.append((f"added s/page, {per_page[b][1]}→{per_page[c][1]} p. / {per_page[a][1]}→{per_page[b][1]} p.",
                     high, low, high / low, high / low, (0.85, 1.15)))
    chapter = big / "source" / "long" / "c005.md"
    attempts = iter(range(100))

    def one_paragraph() -> float:
        text = chapter.read_text(encoding="utf-8")
        chapter.write_text(text.replace("\n## 小节 5.2", f"\n新增第{next(attempts)}句。\n\n## 小节 5.2", 1),
                           encoding="utf-8")
        return diglot(big, "-j", "2")

    rows.append(("book: one paragraph in one chapter / cold (-j 2)",
                 *interleaved(one_paragraph, lambda: diglot(big, "--force", "-j", "2")), 0.25))
    return rows


def dask_figure(root: Path, n: int = 20) -> tuple:
    """Dask with 2 local workers (a LocalCluster) against the local executor's 2 processes, cold,
    on a corpus of ``n`` documents in every format, interleaved."""
    project = synthetic_corpus(root / "dask", n)
    dask = ("--force", "--executor", "dask", "-j", "2")
    return (f"Dask, 2 local workers / local -j 2, N={n}",
            *interleaved(lambda: diglot(project, *dask), lambda: diglot(project, "--force", "-j", "2")), 1.3)


def main() -> int:
    # Every run imports Diglot's compiled modules, as on a user's machine: where the environment
    # forbids writing bytecode (PYTHONDONTWRITEBYTECODE, common in containers) each build would
    # compile them again, and a no-op build compiles fewer of them than a touch-only one.
    __import__("os").environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="corpus N=5 and N=20 instead of N=50")
    parser.add_argument("--scale", type=int, metavar="N",
                        help="only the main process's memory and a touch-only build at N documents (web pages)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--books", action="store_true", help="only the figures of books laid out in parts")
    parser.add_argument("--dask", action="store_true", help="only the Dask / local executor figure (N=20)")
    args = parser.parse_args()
    rows = []
    if args.books or args.dask or args.scale:  # the figures asked for, alone
        with tempfile.TemporaryDirectory(prefix="diglot-bench-") as tmp:
            if args.books:
                rows += book_figures(Path(tmp), (1, 5) if args.quick else (1, 5, 25))
            if args.dask:
                rows.append(dask_figure(Path(tmp)))
            if args.scale:
                rows += scale_figures(Path(tmp), args.scale)
        results = _print_rows(rows)
        if args.json:
            args.json.write_text(json.dumps({"results": results}, indent=1))
        return 0
    with tempfile.TemporaryDirectory(prefix="diglot-bench-") as tmp:
        root = Path(tmp)
        project = copy_project(root / "project")
        cold = best(lambda: diglot(project, "--force"))  # the first run starts from nothing
        # the editions (not the indexes, feeds and images, which no raw tool makes)
        built = [rel for rel in mtimes(project) if "/" in rel and not rel.startswith("media/")]
        raw = measure_raw(project, built)
        rows.append((f"cold build ({len(built)} outputs) / raw tools in sequence", cold, raw, cold / raw,
                     cold / raw, 0.4))
        # Each figure below is measured interleaved with its reference (A B A B A B).
        noop = interleaved(lambda: diglot(project), lambda: diglot(project, "--force"))
        rows.append(("no-op build / cold build", *noop, 0.05))
        touched = interleaved(lambda: (touch_inputs(project), diglot(project))[1], lambda: diglot(project))
        rows.append(("touch-only build / no-op build", *touched, 2.0))
        before = mtimes(project)
        change_one_english_msgstr(project)
        diglot(project)
        after = mtimes(project)
        rebuilt = sorted(k for k in after if after[k] != before.get(k))
        attempts = iter(range(1, 100))

        def english_change() -> float:
            change_one_english_msgstr(project, next(attempts))
            return diglot(project)

        rows.append(("one English msgstr changed / cold build",
                     *interleaved(english_change, lambda: diglot(project, "--force")), 0.5))
        css = project / "templates" / "web" / "site.css"
        before = mtimes(project)
        css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
        diglot(project)
        after = mtimes(project)
        css_rebuilt = sorted(k for k in after if after[k] != before.get(k))
        work: dict[str, float] = {}  # output → seconds of rendering in its worker, -j 1
        diglot(project, "--force", "-j", "1", report=work)
        rows.append(("-j 2 / -j 1 (cold)", *interleaved(lambda: diglot(project, "--force", "-j", "2"),
                                                         lambda: diglot(project, "--force", "-j", "1")), 0.65))
        big = 20 if args.quick else 50
        per5, mem5, main5 = corpus_figures(root, 5, ["pdf", "html", "epub"])
        per_big, mem_big, main_big = corpus_figures(root, big, ["pdf", "html", "epub"])
        rows += [(f"time per document N={big} / N=5", per_big, per5, per_big / per5, per_big / per5, 1.15),
                 (f"peak worker memory N={big} / N=5", mem_big, mem5, mem_big / mem5, mem_big / mem5, 1.15),
                 (f"main process peak memory N={big} / N=5", main_big, main5, main_big / main5, main_big / main5,
                  1.2)]
    results = _print_rows(rows)
    print(f"outputs rebuilt after templates/web/site.css changed: {', '.join(css_rebuilt)}")
    print(f"outputs rebuilt after one English msgstr changed: {', '.join(rebuilt)}")
    # However fast the engine, the English rebuild cannot cost less than its share of the rendering work.
    share = sum(work.get(rel, 0.0) for rel in rebuilt) / sum(work.values()) if work else float("nan")
    print(f"their share of the cold build's rendering work (-j 1, per-output seconds): {share:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "rebuilt": rebuilt, "css_rebuilt": css_rebuilt, "work": work,
                                         "rebuilt_work_share": share}, indent=1))
    return 0


def _print_rows(rows) -> list[dict]:
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{__import__('os').cpu_count()} CPUs")
    print(f"{'figure':<46} {'value':>9} {'reference':>10} {'ratio':>7} {'spread':>13} {'goal':>6}  ")
    results = []
    for name, value, reference, low, high, goal in rows:
        ratio = value / reference if reference else float("inf")
        floor, goal = goal if isinstance(goal, tuple) else (0.0, goal)  # (a, b): within, else at most
        verdict = "ok" if floor <= ratio <= goal else "MISSED"
        if low <= goal < high or low < floor <= high:
            verdict += " (UNSTABLE: the spread crosses the goal; the machine is busy)"
        spread = f"{low:.3f}–{high:.3f}" if high != low else "–"
        shown = f"{floor:.2f}–{goal:.2f}" if floor else f"{goal:.2f}"
        print(f"{name:<46} {value:>9.3f} {reference:>10.3f} {ratio:>7.3f} {spread:>13} {shown:>6}  {verdict}")
        results.append({"figure": name, "value": value, "reference": reference, "ratio": ratio,
                        "goal": [floor, goal] if floor else goal, "spread": [low, high]})
    return results


if __name__ == "__main__":
    sys.exit(main())
