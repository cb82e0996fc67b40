"""A real Chinese technical chapter in every format: the Debian Reference's chapter 10 (数据管理).

Tables of packages, shell sessions, hundreds of links turned into notes, admonitions with their
icons, translated block for block by its English (tests/realdocs.py). Built as a user would:
the web pages and e-books of every edition (zh-Hans, zh-Hant by OpenCC, en, bilingual), and the
PDFs of zh-Hans and en (the bilingual PDFs of a chapter this long take minutes: their layout
is checked on the shorter sample projects). The judges: EPUBCheck, the Nu HTML checker,
pdftotext and pdfplumber, against the source file itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from judges import epubcheck, pdf_text, squeeze, vnu

import realdocs

CHAPTER = "ch10"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    import shutil

    assert realdocs.available(CHAPTER), "`make test` installs the Debian Reference (debian-reference-zh-cn, -en)"
    root = realdocs.chapter_project(CHAPTER, tmp_path_factory.mktemp("real") / "project", "第 10 章 数据管理")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copy2(REPO / "translations" / "ui.pot", root / "translations" / "ui.pot")
    for po in (REPO / "translations").glob("*/LC_MESSAGES/ui.po"):
        (root / po.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(po, root / po.relative_to(REPO))
    for args in (("--format", "html", "--format", "epub"), ("--format", "pdf", "--lang", "zh-Hans"),
                 ("--format", "pdf", "--lang", "en")):
        code, out, err = run_cli(root, "-q", "build", "-j", "2", *args, timeout=1200)
        assert code == 0, out + err
    return root


def source(project: Path) -> str:
    return (project / "source" / f"{CHAPTER}.md").read_text(encoding="utf-8")


def fences(text: str) -> list[list[str]]:
    blocks, current = [], None
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line.strip())
    return blocks


def test_the_chapter_is_a_real_technical_document(project):
    text = source(project)
    assert len(re.findall(r"(?m)^\|[ :-]*-[ :|-]*\|$", text)) >= 10, "tables"
    assert len(fences(text)) >= 20, "code blocks"
    assert len(re.findall(r"(?m)^\[\^[^\]]+\]:", text)) >= 50, "footnotes"
    assert len(re.findall(r"(?m)^!\[", text)) >= 2, "figures"


def test_epubcheck_reports_nothing_on_any_e_book(project, tmp_path):
    books = sorted((project / "output").rglob("*.epub"))
    assert len(books) == 6  # zh-Hans, zh-Hant (+ vertical), en, two bilingual
    for book, messages in epubcheck(books, tmp_path).items():
        assert not messages, f"{book.name}:\n" + "\n".join(messages[:20])


def test_nu_html_checker_finds_nothing_on_any_page(project):
    found = vnu(sorted((project / "output").rglob("*.html")))
    assert not found, "\n".join(found[:20])


def test_every_table_and_code_block_is_one_in_the_web_page(project):
    text = source(project)
    tables = len(re.findall(r"(?m)^\|[ :-]*-[ :|-]*\|$", text))
    codes = len(fences(text))
    for lang in ("zh-Hans", "zh-Hant", "en"):
        page = (project / "output" / lang / f"{CHAPTER}.html").read_text(encoding="utf-8")
        assert page.count("<table ") == tables and page.count("<pre") == codes, lang
    notes = len(re.findall(r"(?m)^\[\^[^\]]+\]:", text))
    page = (project / "output" / "zh-Hans" / f"{CHAPTER}.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<li id="fn-', page)) == notes


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_every_code_line_prints_whole_and_nothing_passes_the_page_edge(project, lang):
    import pdfplumber

    path = project / "output" / lang / f"{CHAPTER}.pdf"
    # -layout: pdftotext's reading mode joins a line that ends in "-" to the next (dehyphenation)
    printed = squeeze(pdf_text(path, layout=True).replace("↪", ""))
    missing = [line for block in fences(source(project)) for line in block if line and squeeze(line) not in printed]
    assert not missing, missing[:10]
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            over = [c["text"] for c in page.chars if c["x1"] > page.width - 40]
            assert not over, (page.page_number, "".join(over[:40]))


def test_every_table_cell_prints(project):
    # without asterisks: emphasis markers in the source, and literal ones in code on both sides
    printed = squeeze(pdf_text(project / "output" / "zh-Hans" / f"{CHAPTER}.pdf", raw=True)).replace("*", "")
    cells = []
    for line in source(project).splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[ :|-]+\|", line):
            for cell in line.strip().strip("|").split("|"):
                # the text on each side of a note call (the PDF prints the call's number there)
                for piece in re.split(r"\[\^[^\]]+\]", cell):
                    plain = re.sub(r"`|\*|\\", "", piece)
                    cells.append(squeeze(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", plain)))
    missing = [cell for cell in cells if cell and cell not in printed]
    assert not missing, missing[:10]
