"""Real documents' Markdown in every format (tests/data/constructs): tables, figures, lists,
code, anchors, notes called twice, emoji, a document whose top headings are level two.

The judges: EPUBCheck and the Nu HTML checker on every output; html.parser on the pages and
the EPUB's XHTML; pdftotext and pdfplumber on the PDFs. What must appear is read from the
source file itself (its table rows, its code lines), not from Diglot's model.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_cli, sample_project
from judges import epubcheck, html_text, pdf_fonts, pdf_text, squeeze, vnu

MANUAL, README = "manual", "readme"
LANGS = ("zh-Hans", "zh-Hant", "en")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = sample_project("constructs", tmp_path_factory.mktemp("constructs") / "project")
    code, out, err = run_cli(root, "build", "-j", "2")
    assert code == 0, out + err
    return root


def out(project: Path, lang: str, slug: str, kind: str) -> Path:
    return project / "output" / lang / f"{slug}.{kind}"


def source_text(project: Path) -> str:
    return (project / "source" / f"{MANUAL}.md").read_text(encoding="utf-8")


def table_rows(project: Path) -> list[list[list[str]]]:
    """The source's pipe tables, read line by line: tables → rows → cells (code ticks dropped)."""
    tables, current = [], []
    for line in source_text(project).splitlines():
        if line.startswith("|"):
            cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def code_lines(project: Path) -> list[str]:
    lines, inside = [], False
    for line in source_text(project).splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line)
    return lines


class Cells(HTMLParser):
    """The text of every table cell of a page (th and td), and the elements' attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.elements: list[tuple[str, dict]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(markup: str) -> Cells:
    parser = Cells()
    parser.feed(markup)
    return parser


def epub_xhtml(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        return "".join(book.read(n).decode("utf-8") for n in sorted(book.namelist())
                       if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", n))


# --- the judges on everything ---------------------------------------------------------------

def test_epubcheck_reports_nothing_on_any_e_book(project, tmp_path):
    books = sorted((project / "output").rglob("*.epub"))
    assert len(books) == 12  # 2 documents × (3 editions, 1 vertical, 2 bilingual)
    for book, messages in epubcheck(books, tmp_path).items():
        assert not messages, f"{book.relative_to(project)}:\n" + "\n".join(messages)


def test_nu_html_checker_finds_nothing_on_any_page(project):
    found = vnu(sorted((project / "output").rglob("*.html")))
    assert not found, "\n".join(found)


# --- tables ---------------------------------------------------------------------------------

def test_every_cell_is_a_table_cell_in_the_web_page_and_the_e_book(project):
    expected = [squeeze(cell) for table in table_rows(project) for row in table for cell in row]
    assert len(expected) > 300
    for lang in ("zh-Hans", "zh-Hant"):
        for markup in (out(project, lang, MANUAL, "html").read_text(encoding="utf-8"),
                       epub_xhtml(out(project, lang, MANUAL, "epub"))):
            cells = [squeeze(c) for c in parse(markup).cells]
            assert len(cells) == len(expected), lang
            if lang == "zh-Hans":
                assert cells == expected


def test_every_cell_prints_in_the_pdf(project):
    text = squeeze(pdf_text(out(project, "zh-Hans", MANUAL, "pdf")))
    missing = [cell for table in table_rows(project) for row in table for cell in row if squeeze(cell) not in text]
    assert not missing, missing


def test_the_english_edition_translates_every_cell(project):
    page = parse(out(project, "en", MANUAL, "html").read_text(encoding="utf-8"))
    assert {"Package", "Purpose", "Size (KB)", "Afrikaans", "Amharic", "left to right", "right to left"} <= set(page.cells)
    assert not any(re.search(r"[\u4e00-\u9fff]", cell) for cell in page.cells), "a cell left in Chinese"


def test_tables_are_numbered_with_their_captions(project):
    for lang, label in (("zh-Hans", "表 2"), ("en", "Table 2")):
        page = out(project, lang, MANUAL, "html").read_text(encoding="utf-8")
        captions = re.findall(r"<caption>(.*?)</caption>", page, re.S)
        assert len(captions) == 2 and label in html_text(captions[1]), captions
        assert label.replace(" ", "") in squeeze(pdf_text(out(project, lang, MANUAL, "pdf")))


def test_a_long_table_repeats_its_header_on_each_page_and_never_splits_a_row(project):
    import pdfplumber

    rows = table_rows(project)[1][1:]  # the language table, without its header
    pages_with_rows = set()
    with pdfplumber.open(out(project, "zh-Hans", MANUAL, "pdf")) as pdf:
        for number, page in enumerate(pdf.pages):
            words = page.extract_words()
            text = squeeze(page.extract_text() or "")
            found = [row for row in rows if any(w["text"] == row[0] for w in words) and squeeze(row[1]) in text]
            if not found:
                continue
            pages_with_rows.add(number)
            assert all(squeeze(h) in text for h in ("代码", "语言", "文字", "方向")), f"page {number + 1} lacks the header"
            for row in found:  # every cell of the row on one line of this page
                code = next(w for w in words if w["text"] == row[0])
                line = squeeze("".join(w["text"] for w in words if abs(w["top"] - code["top"]) < 3))
                assert all(squeeze(cell) in line for cell in row), (number + 1, row, line)
    assert len(pages_with_rows) >= 2, "the long table should run over pages"


# --- figures ----------------------------------------------------------------------------------

def test_figures_show_the_edition_s_own_image_copied_for_the_web(project):
    for lang, chart in (("zh-Hans", "chart.png"), ("zh-Hant", "chart.zh-Hant.png"), ("en", "chart.png")):
        images = [attrs for tag, attrs in parse(out(project, lang, MANUAL, "html").read_text(encoding="utf-8")).elements
                  if tag == "img"]
        assert [Path(a["src"]).name for a in images] == ["flow.svg", chart], lang
        for attrs in images:
            assert (out(project, lang, MANUAL, "html").parent / attrs["src"]).is_file()
            assert attrs["alt"]
    en = html_text(out(project, "en", MANUAL, "html").read_text(encoding="utf-8"))
    assert "Figure 2 Pages of each edition" in " ".join(en.split())


def test_svg_figures_hold_no_script_and_no_outside_reference_in_any_output(project):
    web = (project / "output" / "media" / "images" / "flow.svg").read_text(encoding="utf-8")
    with zipfile.ZipFile(out(project, "zh-Hans", MANUAL, "epub")) as book:
        svgs = [book.read(n).decode("utf-8") for n in book.namelist() if n.startswith("EPUB/media/")
                and n.endswith(".svg") and "源文件" in book.read(n).decode("utf-8")]
        opf = book.read("EPUB/content.opf").decode("utf-8")
    assert svgs and 'media-type="image/png"' in opf and 'media-type="image/svg+xml"' in opf
    for svg in (web, *svgs):
        assert "<script" not in svg and "onload" not in svg and "javascript:" not in svg
        assert "example.com" not in svg and "@import" not in svg
        assert "源文件" in svg and "<marker" in svg  # the drawing itself is kept


def test_figures_print_at_most_the_measure_wide(project):
    import pdfplumber

    with pdfplumber.open(out(project, "zh-Hans", MANUAL, "pdf")) as pdf:
        images = [(image, page.width) for page in pdf.pages for image in page.images]
        drawn = [page for page in pdf.pages if page.curves or page.rects]
    assert images, "the PNG figure is not in the PDF"
    for image, width in images:
        assert image["x0"] >= 50 and image["x1"] <= width - 50, image
    assert drawn, "the SVG figure is not drawn"


# --- lists, inline, code ---------------------------------------------------------------------

def test_an_ordered_list_keeps_its_start_in_every_format(project):
    assert '<ol start="5"' in out(project, "zh-Hans", MANUAL, "html").read_text(encoding="utf-8")
    assert '<ol start="5"' in epub_xhtml(out(project, "zh-Hans", MANUAL, "epub"))
    text = pdf_text(out(project, "zh-Hans", MANUAL, "pdf"), layout=True)
    assert re.search(r"5\.\s+打开", text) and re.search(r"6\.\s+发布", text), "the PDF renumbered the list"


def test_task_and_definition_lists_in_every_format(project):
    page = out(project, "zh-Hans", MANUAL, "html").read_text(encoding="utf-8")
    assert page.count("☑") == 2 and page.count("☐") == 1 and 'aria-label="已完成"' in page
    assert re.search(r"<dt>术语</dt>", page)
    book = epub_xhtml(out(project, "zh-Hans", MANUAL, "epub"))
    assert book.count("☑") == 2 and "<dt>术语</dt>" in book
    text = pdf_text(out(project, "zh-Hans", MANUAL, "pdf"))
    assert text.count("☑") == 2 and "☐" in text


def test_strikethrough_sub_superscript_and_line_breaks_in_every_format(project):
    page = out(project, "en", MANUAL, "html").read_text(encoding="utf-8")
    assert "H<sub>2</sub>O" in page and "m<sup>2</sup>" in page and "<s>The old term</s>" in page
    assert re.search(r"two lines:<br ?/?>\s*Haidian", page)
    book = epub_xhtml(out(project, "en", MANUAL, "epub"))
    assert "H<sub>2</sub>O" in book and "<del>The old term</del>" in book and "<br />" in book
    text = pdf_text(out(project, "en", MANUAL, "pdf"), layout=True)
    assert re.search(r"two lines:\s*\n\s*Haidian District", text), "the hard line break is lost in print"
    assert "~" not in squeeze(text) and "^2^" not in text


def test_code_lines_print_whole_and_nothing_passes_the_page_edge(project):
    import pdfplumber

    for lang in LANGS:
        path = out(project, lang, MANUAL, "pdf")
        text = squeeze(pdf_text(path).replace("↪", ""))
        for line in code_lines(project):
            assert squeeze(line) in text, (lang, line)
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                over = [c["text"] for c in page.chars if c["x1"] > page.width - 40]
                assert not over, (lang, page.page_number, over[:10])


def test_emoji_print_in_the_emoji_face_and_only_emoji_do(project):
    import pdfplumber

    path = out(project, "zh-Hans", MANUAL, "pdf")
    assert any("Emoji" in f.name for f in pdf_fonts(path))
    with pdfplumber.open(path) as pdf:
        emoji = {c["text"] for page in pdf.pages for c in page.chars if "Emoji" in c["fontname"]}
    assert emoji == {"😀"}, emoji


# --- headings and anchors -----------------------------------------------------------------------

def ids(markup: str) -> list[str]:
    """The text's heading ids (the page's own headings, contents and notes, left out)."""
    return [i for i in re.findall(r'<h[1-6][^>]* id="([^"]+)"', markup) if i not in ("toc-title", "notes-title")]


def test_anchors_come_from_the_source_text_and_are_the_same_in_every_edition(project):
    pages = {lang: out(project, lang, MANUAL, "html").read_text(encoding="utf-8") for lang in LANGS}
    assert ids(pages["zh-Hans"])[:3] == ["install", "系统软件包", "命令一览"]
    assert ids(pages["zh-Hans"]) == ids(pages["zh-Hant"]) == ids(pages["en"])
    readme = {lang: out(project, lang, README, "html").read_text(encoding="utf-8") for lang in LANGS}
    assert ids(readme["en"]) == ["what-it-does", "quick-start", "requirements", "see-also"]
    for lang, page in readme.items():
        for target in re.findall(r'href="#([^"]+)"', page):
            assert f'id="{target}"' in page, (lang, target)


def test_a_document_topped_by_level_two_headings_has_contents_everywhere(project):
    page = out(project, "en", README, "html").read_text(encoding="utf-8")
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert html_text(toc).split() == ["Contents", "What", "it", "does", "Quick", "start", "Requirements", "See", "also"]
    assert "<h2" in page and "<h4" not in page  # the top level is the first section level, nothing skipped
    with zipfile.ZipFile(out(project, "zh-Hans", README, "epub")) as book:
        nav = book.read("EPUB/nav.xhtml").decode("utf-8")
    assert [html_text(a) for a in re.findall(r'<a href="text/ch\d+\.xhtml#[^"]+">(.*?)</a>', nav)] == \
        ["它做什么", "快速上手", "系统要求", "另见"]
    contents = pdf_text(out(project, "en", README, "pdf")).split("\f")[1]
    assert all(word in contents for word in ("What it does", "Quick start", "Requirements", "See also"))


# --- footnotes ------------------------------------------------------------------------------------

def test_a_note_called_twice_is_one_note_with_one_number_on_the_web_and_in_print(project):
    page = out(project, "zh-Hans", MANUAL, "html").read_text(encoding="utf-8")
    calls = re.findall(r'<a href="#fn-make"[^>]*>(\d+)</a>', page)
    assert calls == ["1", "1"]
    assert len(re.findall(r'<li id="fn-', page)) == 5
    text = pdf_text(out(project, "zh-Hans", MANUAL, "pdf"))
    assert squeeze(text).count("同时安装系统软件包和Python包") == 1
    assert re.search(r"make\s*test\s*1", text), "the second call does not print the note's number"
