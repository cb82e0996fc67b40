"""The EPUBs in real reading systems: epub.js in the system's Chromium (Playwright), and Calibre.

What a reader sees: the whole cover, text inside its pages, the vertical edition vertical, headings
not justified, night mode legible in both languages; what Calibre (and so stores' tools) read.
epub.js and JSZip: tests/node_modules (npm ci --prefix tests); Calibre: scripts/system-packages.sh test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest

from test_browser import CHROMIUM, CHROMIUM_ARGS, TESTS, serve

SLUG = "igf-2018-cybersecurity"
#: Every published EPUB: main language, file under output/.
BOOKS = {
    "zh-Hans": ("zh-Hans", f"zh-Hans/{SLUG}.epub"),
    "zh-Hant": ("zh-Hant", f"zh-Hant/{SLUG}.epub"),
    "en": ("en", f"en/{SLUG}.epub"),
    "zh-Hant.vertical": ("zh-Hant", f"zh-Hant/{SLUG}.vertical.epub"),
    "bilingual.zh-Hans": ("zh-Hans", f"bilingual/{SLUG}.zh-Hans-en.epub"),
    "bilingual.zh-Hant": ("zh-Hant", f"bilingual/{SLUG}.zh-Hant-en.epub"),
}
SCRIPTS = {"epub.min.js": TESTS / "node_modules" / "epubjs" / "dist" / "epub.min.js",
           "jszip.min.js": TESTS / "node_modules" / "jszip" / "dist" / "jszip.min.js"}
WIDTH, HEIGHT = 600, 800  # a reader's page, one page at a time
#: The cover's two background colours (templates/epub/cover.svg.j2) and its proportions.
COVER_COLOURS = ((0x16, 0x32, 0x4F), (0x0F, 0x24, 0x39))
COVER_RATIO, BAND_SHARE = 1600 / 2560, 360 / 2560
#: A reading system's night mode: the page black, the text white; the book's own colours otherwise.
NIGHT = {"body": {"color": "#ffffff", "background": "#000000"}}

READER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>reader</title>
<link rel="icon" href="data:,">
<script src="jszip.min.js"></script><script src="epub.min.js"></script>
<style>html, body { margin: 0; background: #fff; } #viewer { width: %dpx; height: %dpx; }</style>
</head><body><div id="viewer"></div></body></html>
""" % (WIDTH, HEIGHT)

OPEN = """async ([url, width, height]) => {
    if (window.rendition) { window.rendition.destroy(); window.book.destroy(); }
    window.book = ePub(url, {openAs: "epub"});
    window.rendition = book.renderTo("viewer", {width, height, spread: "none"});
    await rendition.display();
    return {direction: book.package.metadata.direction, spine: book.spine.spineItems.map(item => item.href)};
}"""

#: Shows ``href`` and waits until epub.js has laid it out with its fonts (it moves the page once more).
SHOW = """async href => {
    await rendition.display(href);
    const contents = rendition.getContents()[0];
    await contents.document.fonts.ready;
    for (let i = 0; i < 3; i++) await new Promise(resolve => requestAnimationFrame(resolve));
    return contents;
}"""

NEXT = """async () => {
    await rendition.next();
    await rendition.getContents()[0].document.fonts.ready;
    for (let i = 0; i < 3; i++) await new Promise(resolve => requestAnimationFrame(resolve));
}"""

#: The text of the shown document, line by line (client rects of its text), against its pages:
#: epub.js sets a document in columns one page wide (pages run down the screen in vertical text).
PAGES = """async (href) => {
    const contents = await (%s)(href), doc = contents.document, win = contents.window;
    const layout = rendition.manager.layout;
    const vertical = win.getComputedStyle(doc.body).writingMode.startsWith("vertical");
    const [page, across] = vertical ? [layout.height, layout.width] : [layout.delta, layout.height];
    const clipped = [], lines = [];
    const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.data.trim()) continue;
        const range = doc.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) {
            if (r.width === 0 || r.height === 0) continue;
            lines.push({w: r.width, h: r.height, x: r.left});
            const [start, end, from, to] = vertical ? [r.top, r.bottom, r.left, r.right] : [r.left, r.right, r.top, r.bottom];
            const first = Math.floor((start + 0.5) / page);
            if (end > (first + 1) * page + 0.5 || from < -0.5 || to > across + 0.5)
                clipped.push(node.data.trim().slice(0, 40) + ` [${Math.round(start)}..${Math.round(end)}]`);
        }
    }
    return {vertical, writingMode: win.getComputedStyle(doc.documentElement).writingMode, clipped, lines,
            pages: Math.round((vertical ? doc.documentElement.scrollHeight : doc.documentElement.scrollWidth) / page)};
}""" % SHOW

#: Alignment and hyphenation of every heading and everything inside one.
HEADINGS = """async (href) => {
    const contents = await (%s)(href), doc = contents.document, win = contents.window;
    return [...doc.querySelectorAll("h1, h2, h3, h4, h1 *, h2 *, h3 *, h4 *")].map(el => {
        const style = win.getComputedStyle(el);
        return {tag: el.tagName, lang: (el.closest("[lang]") || doc.documentElement).getAttribute("lang"),
                align: style.textAlign, hyphens: style.hyphens, text: el.textContent.trim().slice(0, 30)};
    });
}""" % SHOW

#: WCAG contrast of every element with text of its own against what is behind it, by language.
CONTRAST = """async (href) => {
    const contents = await (%s)(href), doc = contents.document, win = contents.window;
    const rgba = value => { const m = value.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
    const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
    const background = el => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
            const colour = rgba(win.getComputedStyle(e).backgroundColor);
            if (colour[3] > 0) layers.push(colour);
            if (colour[3] === 1) break;
        }
        return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
    };
    const luminance = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                             return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const found = [];
    for (const el of doc.body.querySelectorAll("*")) {
        const own = [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim());
        const box = el.getBoundingClientRect();
        if (!own || box.width === 0 || box.height === 0) continue;
        const back = background(el), fore = over(rgba(win.getComputedStyle(el).color), back);
        const [a, b] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
        found.push({lang: (el.closest("[lang]") || doc.documentElement).getAttribute("lang"),
                    ratio: (a + 0.05) / (b + 0.05), tag: el.tagName, cls: el.className, text: el.textContent.trim().slice(0, 30)});
    }
    return found;
}""" % SHOW


# --- fixtures -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def shelf(built_project, tmp_path_factory) -> Path:
    """The built EPUBs beside a reader page with epub.js, as a reading app's web view would have them."""
    folder = tmp_path_factory.mktemp("shelf")
    missing = [str(path) for path in SCRIPTS.values() if not path.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: npm ci --prefix tests")
    for name, path in SCRIPTS.items():
        shutil.copy(path, folder / name)
    for which, (_lang, rel) in BOOKS.items():
        shutil.copy(built_project / "output" / rel, folder / f"{which}.epub")
    (folder / "reader.html").write_text(READER, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: $DIGLOT_SCREENSHOTS, or a temporary folder."""
    folder = Path(os.environ.get("DIGLOT_SCREENSHOTS") or tmp_path_factory.mktemp("reading-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Reader:
    """epub.js in one Chromium page, a book open in it."""

    def __init__(self, page, url: str):
        self.page, self.url = page, url
        self.problems: list[str] = []
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.goto(url + "reader.html")

    def open(self, which: str) -> dict:
        self.which = which
        return self.page.evaluate(OPEN, [f"{self.url}{which}.epub", WIDTH, HEIGHT])

    def show(self, script: str, href: str):
        return self.page.evaluate(script, href)

    def screenshot(self, path: Path) -> bytes:
        return self.page.locator("#viewer").screenshot(path=str(path))


@pytest.fixture(scope="module")
def reader(shelf):
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/system-packages.sh test)")
    with serve(shelf) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        yield Reader(page, url)
        browser.close()


def text_documents(spine: list[str]) -> list[str]:
    return [href for href in spine if href != "text/cover.xhtml"]


# --- epub.js in Chromium ---------------------------------------------------------------

def cover_box(png: bytes) -> tuple[tuple[int, int, int, int], float] | None:
    """Where the cover is in a screenshot (its background colours' bounding box) and the share of
    its height at the foot that is the publisher band."""
    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB")
    masks = []
    for colour in COVER_COLOURS:
        mask = Image.new("L", image.size, 0)
        mask.putdata([255 if sum(abs(a - b) for a, b in zip(p, colour)) < 24 else 0 for p in image.get_flattened_data()])
        masks.append(mask)
    top, band = (mask.getbbox() for mask in masks)
    if top is None or band is None:
        return None
    box = (min(top[0], band[0]), min(top[1], band[1]), max(top[2], band[2]), max(top[3], band[3]))
    return box, (band[3] - band[1]) / (box[3] - box[1])


@pytest.mark.parametrize("which", BOOKS)
def test_cover_and_two_pages_as_epubjs_shows_them(reader, shots, which):
    """The cover whole (its proportions and its publisher band at the foot, nothing cut off), then
    the first section's pages with every line of text inside its page."""
    info = reader.open(which)
    assert info["spine"][0] == "text/cover.xhtml", "the cover comes first"
    found = cover_box(reader.screenshot(shots / f"{which}-cover.png"))
    assert found, f"no cover on the first page (see {shots / f'{which}-cover.png'})"
    (left, top, right, bottom), band = found
    assert left >= 0 and top >= 0 and right <= WIDTH and bottom <= HEIGHT
    assert bottom - top >= 0.85 * HEIGHT, f"the cover is {bottom - top}px high in an {HEIGHT}px page"
    assert (right - left) / (bottom - top) == pytest.approx(COVER_RATIO, rel=0.02), "the cover is cut or squeezed"
    assert band == pytest.approx(BAND_SHARE, rel=0.1), "the publisher band at the foot is cut off"
    first = text_documents(info["spine"])[2]  # after the title page and the contents
    page = reader.show(PAGES, first)
    reader.screenshot(shots / f"{which}-page1.png")
    assert page["lines"] and not page["clipped"], page["clipped"]
    reader.page.evaluate(NEXT)
    reader.screenshot(shots / f"{which}-page2.png")
    assert not reader.problems, reader.problems


@pytest.mark.parametrize("which", BOOKS)
def test_no_line_of_text_is_cut_by_a_page_edge(reader, which):
    info = reader.open(which)
    for href in text_documents(info["spine"]):
        page = reader.show(PAGES, href)
        assert page["lines"], f"{href}: no text"
        assert not page["clipped"], f"{which} {href}: lines cut by a page edge: {page['clipped'][:5]}"


def test_vertical_edition_reads_in_vertical_columns_right_to_left(reader, shots):
    info = reader.open("zh-Hant.vertical")
    assert info["direction"] == "rtl", "page progression right to left"
    pages = [reader.show(PAGES, href) for href in text_documents(info["spine"])]
    assert all(p["writingMode"] == "vertical-rl" for p in pages)
    lines = [line for p in pages for line in p["lines"] if max(line["w"], line["h"]) > 200]
    assert lines and all(line["h"] > line["w"] for line in lines), "long lines run down the page"
    body = reader.show(PAGES, text_documents(info["spine"])[2])
    xs = [line["x"] for line in body["lines"] if line["h"] > 200]
    assert xs == sorted(xs, reverse=True), "each line is left of the one before"
    horizontal = reader.open("zh-Hant")
    assert reader.show(PAGES, text_documents(horizontal["spine"])[2])["writingMode"] == "horizontal-tb"


@pytest.mark.parametrize("which", BOOKS)
def test_headings_are_neither_justified_nor_hyphenated(reader, which):
    info = reader.open(which)
    found = [h for href in text_documents(info["spine"]) for h in reader.show(HEADINGS, href)]
    assert found
    wrong = [h for h in found if h["align"] == "justify" or h["hyphens"] == "auto"]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("which", BOOKS)
def test_night_mode_keeps_every_language_legible(reader, shots, which):
    """With the reading system's night colours (white on black), every text of the book, in each
    of its languages, has a contrast of at least 4.5:1 (WCAG AA): the book sets no colours of its own."""
    lang, _rel = BOOKS[which]
    info = reader.open(which)
    reader.page.evaluate("night => { rendition.themes.register('night', night); rendition.themes.select('night'); }",
                         NIGHT)
    found = [e for href in text_documents(info["spine"]) for e in reader.show(CONTRAST, href)]
    reader.show(PAGES, text_documents(info["spine"])[2])
    reader.screenshot(shots / f"{which}-night.png")
    languages = {e["lang"] for e in found}
    assert {lang, "en"} <= languages if which.startswith("bilingual") else lang in languages, languages
    low = [e for e in found if e["ratio"] < 4.5]
    worst = {language: min(e["ratio"] for e in found if e["lang"] == language) for language in languages}
    assert not low, f"contrast below 4.5:1 by language {worst}: {low[:5]}"


# --- Calibre ------------------------------------------------------------------------------

def ebook_meta(book: Path, *args: str) -> str:
    if shutil.which("ebook-meta") is None:
        pytest.fail("Calibre's ebook-meta is missing: apt-get install calibre (scripts/system-packages.sh test)")
    proc = subprocess.run(["ebook-meta", str(book), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("which", BOOKS)
def test_calibre_finds_the_cover_author_and_languages(built_project, tmp_path, which):
    """Calibre, headless, as a library or a store's ingestion reads the book."""
    from PIL import Image

    lang, rel = BOOKS[which]
    book = built_project / "output" / rel
    cover = tmp_path / "cover.img"
    out = ebook_meta(book, "--get-cover", str(cover))
    assert cover.is_file() and cover.stat().st_size > 10_000, out
    image = Image.open(cover)
    assert (image.format, image.size) == ("PNG", (1600, 2560))
    fields = dict(re.findall(r"^(\S[^:]*?)\s*: (.*)$", out, re.M))
    assert fields["Author(s)"] == "Internet Governance Forum", "Calibre shows 'Unknown' without a dc:creator"
    expected = ["zho", "eng"] if which.startswith("bilingual") else ["eng" if lang == "en" else "zho"]
    assert [code.strip() for code in fields["Languages"].split(",")] == expected
