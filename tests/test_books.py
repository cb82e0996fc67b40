"""A book in several files (tests/data/book: source/faq/book.yaml and four chapters), and the
site around it: language indexes, the OPDS catalogue, the sitemap.

What a publisher checks: the contents page's numbers are the pages the chapters start on (and
those are right-hand pages), notes start again at 1 in each chapter, a link to another chapter
lands on it in the web page, the PDF and the EPUB, EPUBCheck and the Nu checker find nothing,
and every EPUB and PDF built is in the catalogue an e-reader app browses. Expected chapter titles
and link targets are read from the fixture's own files.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from conftest import run_cli, sample_project
from judges import epubcheck, html_text, pdf_text, squeeze, vnu

BOOK = "faq"
LANGS = ("zh-Hans", "zh-Hant", "en")
BASE_URL = "https://books.example.org/"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = sample_project("book", tmp_path_factory.mktemp("book") / "project")
    with (root / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write(f'base_url = "{BASE_URL}"\n')
    code, out, err = run_cli(root, "build", "-j", "2")
    assert code == 0, out + err
    return root


def book_yaml(project: Path) -> dict:
    return yaml.safe_load((project / "source" / BOOK / "book.yaml").read_text(encoding="utf-8"))


def chapters(project: Path) -> list[tuple[str, str]]:
    """(file stem, title in the source language) of each chapter, in the book's order."""
    result = []
    for name in book_yaml(project)["chapters"]:
        text = (project / "source" / BOOK / name).read_text(encoding="utf-8")
        result.append((Path(name).stem, re.search(r"^title: (.+)$", text, re.M).group(1)))
    return result


def page_count(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


def page_text(pdf: Path, page: int) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


# --- print ------------------------------------------------------------------------------------

def contents_entries(pdf: Path) -> dict[str, int]:
    """Chapter title → page number, as the contents page prints them (title, dot leaders, number)."""
    entries = {}
    for page in range(1, 4):
        for line in page_text(pdf, page).splitlines():
            found = re.match(r"\s*第(\S+)章\s+(.+?)\s*\.{3,}\s*(\d+)\s*$", line)
            if found:
                entries[found.group(2)] = int(found.group(3))
    return entries


def test_contents_page_numbers_are_the_pages_chapters_start_on(project):
    pdf = project / "output" / "zh-Hans" / f"{BOOK}.pdf"
    entries = contents_entries(pdf)
    titles = [title for _, title in chapters(project)]
    assert list(entries) == titles, f"the contents lists {list(entries)}"
    for number, (title, page) in enumerate(entries.items(), 1):
        numeral = "一二三四五六七八九十"[number - 1]
        heading = squeeze(page_text(pdf, page))
        assert f"第{numeral}章{title}" in heading, f"page {page} does not start chapter {number} {title}"
        assert page % 2 == 1, f"chapter {number} starts on page {page}, a left-hand page (recto: true)"
        before = squeeze(page_text(pdf, page - 1))
        if number > 1 and page - 1 > 1:
            assert title not in before


def test_each_chapter_numbers_its_notes_from_one(project):
    """The page a chapter starts on ends with that chapter's first note, numbered 1."""
    pdf = project / "output" / "zh-Hans" / f"{BOOK}.pdf"
    for stem, title in chapters(project):
        source = (project / "source" / BOOK / f"{stem}.md").read_text(encoding="utf-8")
        first_label = re.search(r"\[\^([^\]]+)\](?!:)", source).group(1)
        first_note = re.search(rf"^\[\^{re.escape(first_label)}\]: (.+)$", source, re.M).group(1)
        page = contents_entries(pdf)[title]
        lines = [squeeze(line) for line in page_text(pdf, page).splitlines() if line.strip()]
        words = squeeze(re.sub(r"`", "", first_note))[:8]
        note_lines = [line for line in lines if words in line]
        assert note_lines, f"the first note of {stem} is not on page {page}"
        assert note_lines[-1].startswith("1"), f"{stem}'s first note is numbered {note_lines[-1][:3]!r}"


def internal_links(pdf: Path) -> list[tuple[int, str, int]]:
    """(page, named destination, page it leads to) of every internal link of the PDF."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        pages = {page.objgen: number for number, page in enumerate(document.pages, 1)}
        names = pikepdf.NameTree(document.Root.Names.Dests)
        targets = {str(name): pages[dest[0].objgen] for name, dest in names.items()}
        links = []
        for number, page in enumerate(document.pages, 1):
            for annot in page.get("/Annots", []):
                dest = annot.get("/Dest")
                if annot.get("/Subtype") == "/Link" and dest is not None:
                    links.append((number, str(dest), targets.get(str(dest), 0)))
    return links


def test_links_to_other_chapters_land_on_them_in_the_pdf(project):
    pdf = project / "output" / "zh-Hans" / f"{BOOK}.pdf"
    contents = contents_entries(pdf)
    starts = {stem: contents[title] for stem, title in chapters(project)}
    body = [(page, dest, target) for page, dest, target in internal_links(pdf) if page > 2]
    assert body, "the chapters' cross references are not links"
    for page, dest, target in body:
        assert target, f"the link on page {page} to {dest} leads nowhere"
        if dest in starts:
            assert target == starts[dest], f"{dest} is on page {starts[dest]}, the link leads to {target}"
    # intro.md links to install.md: that link is on the intro chapter's page
    assert (starts["intro"], "install", starts["install"]) in body


# --- web and EPUB -----------------------------------------------------------------------------

def test_web_page_links_resolve_and_notes_restart(project):
    page = (project / "output" / "en" / f"{BOOK}.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    hrefs = re.findall(r'href="#([^"]+)"', page)
    assert [h for h in hrefs if h not in ids] == []
    for stem, _ in chapters(project):
        assert f'href="#{stem}"' in page, f"the contents does not lead to chapter {stem}"
    sections = re.findall(r'<section class="chapter".*?(?=<section class="chapter"|</main>)', page, re.S)
    assert len(sections) == len(chapters(project))
    for section in sections:
        calls = re.findall(r'role="doc-noteref"[^>]*>\[?(\d+)', section) or \
            re.findall(r'<sup[^>]*><a[^>]*href="#fn-[^"]+"[^>]*>(\d+)', section)
        assert calls and calls[0] == "1", f"a chapter's first note call is {calls[:1]}"


def test_epub_links_reach_the_other_chapter_files(project):
    with zipfile.ZipFile(project / "output" / "en" / f"{BOOK}.epub") as epub:
        texts = {Path(n).name: epub.read(n).decode("utf-8") for n in epub.namelist() if n.endswith(".xhtml")}
    ids = {name: set(re.findall(r'\sid="([^"]+)"', text)) for name, text in texts.items()}
    crossings = 0
    for name, text in texts.items():
        for target, anchor in re.findall(r'href="(ch\d+\.xhtml)#([^"]+)"', text):
            assert anchor in ids[target], f"{name} links to {target}#{anchor}, which is not there"
            crossings += target != name
    assert crossings >= 4, "the chapters' links to one another are missing"
    headings = [h for t in texts.values() for h in re.findall(r"<h1[^>]*>(Chapter \d+)", t)]
    assert headings == [f"Chapter {n}" for n in range(1, len(chapters(project)) + 1)], \
        "each chapter is its own file, titled with its number"


def test_every_book_output_passes_epubcheck_and_the_nu_checker(project, tmp_path):
    books = sorted((project / "output").rglob("*.epub"))
    assert len(books) == 6  # three languages, Traditional vertical, two bilingual
    problems = epubcheck(books, tmp_path)
    assert {b.name: p for b, p in problems.items() if p} == {}
    pages = sorted((project / "output").rglob("*.html"))
    assert vnu(pages) == []


# --- the site ---------------------------------------------------------------------------------

def test_each_language_has_its_own_index_in_its_own_language(project):
    output = project / "output"
    english_title = None
    for lang in LANGS:
        index = output / lang / "index.html"
        markup = index.read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in markup
        for href in re.findall(r'href="([^"#]+)"', markup):
            if not href.startswith(("http:", "https:", "data:")):
                assert (index.parent / href).resolve().exists(), f"{lang}/index.html links to {href}"
        assert f'href="{BOOK}.pdf"' in markup or f'href="../{lang}/{BOOK}.pdf"' in markup
        if lang == "en":
            english_title = html_text(markup)
    assert "frequently asked questions" in english_title
    assert "所有語言" in html_text((output / "zh-Hant" / "index.html").read_text(encoding="utf-8"))
    root = (output / "index.html").read_text(encoding="utf-8")
    for lang in LANGS:
        assert f'href="{lang}/index.html"' in root


def test_opds_catalogue_lists_every_ebook_and_pdf(project):
    output = project / "output"
    feed = etree.parse(str(output / "opds.xml")).getroot()
    assert feed.tag == f"{ATOM}feed"
    acquisitions = {}
    for entry in feed.iter(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}") is not None
        assert entry.find("{http://purl.org/dc/terms/}language") is not None
        for link in entry.iter(f"{ATOM}link"):
            if link.get("rel") == "http://opds-spec.org/acquisition/open-access":
                acquisitions[link.get("href")] = (link.get("type"), int(link.get("length")))
            else:
                assert (output / link.get("href")).exists(), link.get("href")
    built = [p for p in output.rglob("*") if p.suffix in (".epub", ".pdf")]
    assert sorted(acquisitions) == sorted(p.relative_to(output).as_posix() for p in built)
    for path in built:
        kind, length = acquisitions[path.relative_to(output).as_posix()]
        assert length == path.stat().st_size
        assert kind == ("application/epub+zip" if path.suffix == ".epub" else "application/pdf")
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert book_yaml(project)["title"] in titles


def test_sitemap_lists_every_page_with_its_translations(project):
    output = project / "output"
    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = etree.parse(str(output / "sitemap.xml")).getroot()
    locs = {url.findtext(f"{sm}loc"): url for url in root.iter(f"{sm}url")}
    pages = sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html"))
    assert sorted(locs) == sorted(BASE_URL + rel for rel in pages)
    english = locs[f"{BASE_URL}en/{BOOK}.html"]
    langs = {link.get("hreflang") for link in english.iter("{http://www.w3.org/1999/xhtml}link")}
    assert langs == set(LANGS)


# --- translators ------------------------------------------------------------------------------

def test_each_chapter_has_its_own_catalogue(project):
    for stem, _ in chapters(project):
        assert (project / "translations" / BOOK / f"{stem}.pot").is_file()
        assert (project / "translations" / "en" / "LC_MESSAGES" / BOOK / f"{stem}.po").is_file()


def test_a_new_chapter_joins_through_extract_update_and_init(tmp_path):
    root = sample_project("book", tmp_path / "project")
    (root / "source" / BOOK / "faq-more.md").write_text("---\ntitle: 更多\n---\n\n新的一章。\n", encoding="utf-8")
    book = root / "source" / BOOK / "book.yaml"
    book.write_text(book.read_text(encoding="utf-8") + "  - faq-more.md\n", encoding="utf-8")
    before = (root / "translations" / "en" / "LC_MESSAGES" / BOOK / "intro.po").read_bytes()
    for command in (["extract"], ["update"], ["init", "en"]):
        code, out, err = run_cli(root, *command)
        assert code == 0, out + err
    catalogue = root / "translations" / "en" / "LC_MESSAGES" / BOOK / "faq-more.po"
    assert catalogue.is_file(), "init did not start the new chapter's catalogue"
    assert 'msgid "新的一章。"' in catalogue.read_text(encoding="utf-8")
    assert (root / "translations" / "en" / "LC_MESSAGES" / BOOK / "intro.po").read_bytes() == before


def test_a_link_to_a_missing_chapter_names_the_file_and_line(tmp_path):
    root = sample_project("book", tmp_path / "project")
    chapter = root / "source" / BOOK / "publish.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("(intro.md)", "(preface.md)"), encoding="utf-8")
    code, out, err = run_cli(root, "build", "--format", "html")
    assert code == 1
    assert "Traceback" not in err
    line = next(n for n, text in enumerate(chapter.read_text(encoding="utf-8").splitlines(), 1) if "preface.md" in text)
    assert re.search(rf"publish\.md:{line}\b.*preface\.md", err), err


def test_check_reports_what_build_would_refuse_in_sources_all_at_once(tmp_path):
    root = sample_project("book", tmp_path / "project")
    code, out, err = run_cli(root, "check")
    assert code == 0, out + err  # the fixture builds (see the project fixture)
    chapter = root / "source" / BOOK / "publish.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("(intro.md)", "(preface.md)"), encoding="utf-8")
    (root / "source" / "notes.md").write_text(
        "---\ntitle: 注\nlang: zh-Hans\nsubtitle: 多余\n---\n\n正文[^a]。\n\n[^a]: 一\n[^a]: 二\n\n<!-- 未闭合\n",
        encoding="utf-8")
    code, out, err = run_cli(root, "check")
    assert code == 1 and "Traceback" not in err
    link_line = next(n for n, t in enumerate(chapter.read_text(encoding="utf-8").splitlines(), 1) if "preface" in t)
    for expected in (rf"source/faq/publish\.md:{link_line}: error: .*preface\.md",
                     r"source/notes\.md:4: error: .*'subtitle'"):
        assert re.search(expected, out), out
    build_code, build_out, build_err = run_cli(root, "build")
    assert build_code == 1 and not (root / "output" / "en").exists()
    assert "preface.md" in build_err and "subtitle" in build_err


def test_check_finds_a_character_no_installed_face_has(tmp_path):
    from diglot import fonts

    # A CJK Extension B ideograph no installed face has (fontconfig's fallback included).
    char = next(chr(c) for c in range(0x20000, 0x2A6E0) if fonts.missing_characters(chr(c), "zh-Hans"))
    root = sample_project("book", tmp_path / "project")
    chapter = root / "source" / BOOK / "intro.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("## 谁会用到它", f"## 谁会用到它\n\n生僻字 {char}。"),
                       encoding="utf-8")
    code, out, err = run_cli(root, "check")
    assert code == 1
    line = next(n for n, t in enumerate(chapter.read_text(encoding="utf-8").splitlines(), 1) if char in t)
    assert re.search(rf"source/faq/intro\.md:{line}: error: .*U\+{ord(char):04X}", out), out


def test_check_accepts_a_script_an_installed_fallback_face_has(tmp_path):
    """Vai (ꔀ) is in no Chinese face, but Noto Sans Vai is installed: drawn by fontconfig's fallback."""
    root = sample_project("book", tmp_path / "project")
    chapter = root / "source" / BOOK / "intro.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("## 谁会用到它", "## 谁会用到它\n\n瓦伊文 ꔀ。"),
                       encoding="utf-8")
    code, out, err = run_cli(root, "check")
    assert "U+A500" not in out + err, out + err
