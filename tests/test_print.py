"""The print book: type area, clreq typography, footnotes, bookmarks, fonts, PDF/UA, print-shop boxes.

Builds a temporary copy of the project once (PDFs only) and measures the PDFs with
pdfplumber, pdfminer and poppler. ``pytest -s tests/test_print.py`` prints the figures.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from diglot.typography import NO_LINE_START, is_cjk_letter, type_area

pdfplumber = pytest.importorskip("pdfplumber")

REPO = Path(__file__).resolve().parents[1]
SLUG = "igf-2018-cybersecurity"
LANGS = ("zh-Hans", "zh-Hant", "en")
CHINESE = ("zh-Hans", "zh-Hant")
#: A line ends "flush" within this distance of the type area's right edge (pt).
FLUSH_TOLERANCE = 1.0
#: Share of non-last lines of Chinese paragraphs that must end flush.
FLUSH_REQUIRED = 0.95


# --- the build ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def print_build(tmp_path_factory) -> Path:
    """output/ of a copy of the project built with ``--format pdf`` (and the print-shop variant)."""
    from diglot.cli import main

    root = tmp_path_factory.mktemp("print") / "project"
    root.mkdir()
    for part in ("source", "templates", "translations", "pyproject.toml"):
        src = REPO / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / part)
    assert main(["-C", str(root), "-q", "build", "--format", "pdf"]) == 0
    return root / "output"


def pdf_of(output: Path, lang: str, kind: str = "pdf") -> Path:
    path = output / lang / f"{SLUG}.{kind}"
    assert path.is_file(), f"{path} was not built"
    return path


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


# --- measuring lines -----------------------------------------------------------------------

@dataclass
class Line:
    page: int
    top: float
    x0: float
    x1: float
    size: float
    text: str = ""
    last: bool = False  # the last line of its paragraph


@dataclass
class Fragment:
    """The part of one paragraph (P) on one page."""

    page: int
    lines: list[Line] = field(default_factory=list)
    in_item: bool = False
    new_item: bool = False  # a list item that starts on this page (it has its bullet, Lbl)


def _blocks(nodes: list[dict], item: tuple[bool, bool] = (False, False)):
    """Headings and paragraphs of a page's structure tree, in reading order."""
    for node in nodes:
        kind = node.get("type", "")
        if re.fullmatch(r"H[1-6]?", kind):
            yield ("H", [], item)
        elif kind == "P":
            yield ("P", list(_mcids(node)), item)
        else:
            if kind == "LI":
                item = (True, any(child.get("type") == "Lbl" for child in node.get("children", [])))
            yield from _blocks(node.get("children", []), item)


def _mcids(node: dict):
    yield from node.get("mcids") or ()
    for child in node.get("children", []):
        yield from _mcids(child)


def _lines(chars: list[dict], page: int) -> list[Line]:
    """Group characters into lines; small raised characters (footnote calls) join their line."""
    if not chars:
        return []
    body = max(c["size"] for c in chars)
    lines: list[Line] = []
    for char in sorted((c for c in chars if c["size"] > 0.8 * body), key=lambda c: (round(c["bottom"]), c["x0"])):
        if lines and abs(lines[-1].top - char["top"]) < 0.3 * body:
            line = lines[-1]
            line.x0, line.x1 = min(line.x0, char["x0"]), max(line.x1, char["x1"])
            line.text += char["text"]
        else:
            lines.append(Line(page, char["top"], char["x0"], char["x1"], char["size"], char["text"]))
    for char in (c for c in chars if c["size"] <= 0.8 * body):
        middle = (char["top"] + char["bottom"]) / 2
        for line in lines:
            if line.top - 0.5 * body <= middle <= line.top + line.size:
                line.x1 = max(line.x1, char["x1"])
    return lines


def paragraph_lines(path: Path, skip_pages: int = 1) -> list[Line]:
    """Lines of the paragraphs (P) of the body pages, each knowing whether it ends its paragraph.

    WeasyPrint tags each page's part of a paragraph as its own P; a part that ends a page
    continues on the next one unless that page starts with a heading, a new list item or
    (Chinese) an indented first line."""
    area = type_area("A4")
    fragments: list[tuple[str, Fragment | None]] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            if number <= skip_pages:
                continue
            by_mcid: dict[int, list[dict]] = {}
            for char in page.chars:
                if char.get("mcid") is not None:
                    by_mcid.setdefault(char["mcid"], []).append(char)
            for kind, mcids, (in_item, new_item) in _blocks(page.structure_tree):
                if kind == "H":
                    fragments.append(("H", None))
                    continue
                chars = [c for m in mcids for c in by_mcid.get(m, ())]
                lines = _lines(chars, number)
                if lines:
                    fragments.append(("P", Fragment(number, lines, in_item, new_item)))
    result: list[Line] = []
    for index, (kind, fragment) in enumerate(fragments):
        if fragment is None:
            continue
        following = fragments[index + 1] if index + 1 < len(fragments) else ("H", None)
        fragment.lines[-1].last = _ends_paragraph(fragment, following, area)
        result.extend(fragment.lines)
    return result


def _ends_paragraph(fragment: Fragment, following: tuple[str, Fragment | None], area) -> bool:
    kind, after = following
    if after is None or after.page == fragment.page:
        return True
    if after.in_item:
        return after.new_item
    first = after.lines[0]
    if is_cjk_letter(first.text[:1]):
        return first.x0 - area.inside > 0.5 * first.size  # clreq: a paragraph starts indented
    # English paragraphs are not indented: a justified (flush) line did not end its paragraph.
    return area.right_edge - fragment.lines[-1].x1 > FLUSH_TOLERANCE


def flush_share(path: Path) -> tuple[float, int, int, list[Line]]:
    edge = type_area("A4").right_edge
    candidates = [line for line in paragraph_lines(path) if not line.last]
    ragged = [line for line in candidates if abs(edge - line.x1) > FLUSH_TOLERANCE]
    flush = len(candidates) - len(ragged)
    return (flush / len(candidates) if candidates else 1.0), flush, len(candidates), ragged


# --- tests -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_no_line_starts_with_a_closing_mark(print_build, lang):
    text = run("pdftotext", "-layout", str(pdf_of(print_build, lang)), "-")
    bad = [line for line in text.splitlines() if line.strip() and line.lstrip()[0] in NO_LINE_START]
    assert not bad, f"{lang}: lines start with a mark that may not start a line: {bad}"


@pytest.mark.parametrize("lang", LANGS)
def test_justified_lines_end_on_the_type_area_edge(print_build, lang):
    share, flush, total, ragged = flush_share(pdf_of(print_build, lang))
    edge = type_area("A4").right_edge
    print(f"\n{lang}: {flush}/{total} non-last paragraph lines end within {FLUSH_TOLERANCE} pt of the "
          f"type area's right edge (x = {edge:.2f} pt): {share:.1%}")
    for line in ragged:
        print(f"  page {line.page}: ends at {line.x1:.2f} ({line.x1 - edge:+.2f} pt): {line.text[-12:]}")
    if lang in CHINESE:
        assert share >= FLUSH_REQUIRED, f"{lang}: only {share:.1%} of the lines are flush"


def test_type_area_is_whole_characters():
    for paper in ("A4", "A5", "letter"):
        area = type_area(paper)
        assert area.width == pytest.approx(area.chars * area.grid_size)
        assert area.inside + area.width + area.outside == pytest.approx(area.paper_width)
        assert area.top + area.height + area.bottom == pytest.approx(area.paper_height)
        assert 0 < area.top < area.bottom


def test_chinese_body_lines_hold_whole_characters(print_build):
    """Full lines of pure Han text fill the measure: the right edge lies on the character grid."""
    area = type_area("A4")
    lines = [line for line in paragraph_lines(pdf_of(print_build, "zh-Hans")) if not line.last]
    widest = max(line.x1 for line in lines)
    assert widest == pytest.approx(area.right_edge, abs=FLUSH_TOLERANCE)
    assert area.width / area.grid_size == area.chars


@pytest.mark.parametrize("lang", LANGS)
def test_fonts_embedded_subset_and_regional(print_build, lang):
    report = run("pdffonts", str(pdf_of(print_build, lang))).splitlines()[2:]
    assert report, f"{lang}: no fonts"
    for row in report:
        name, fields = row.split()[0], row.split()
        emb, sub = fields[-5], fields[-4]
        assert (emb, sub) == ("yes", "yes"), f"{lang}: {name} is not embedded and subset"
        assert "JP" not in name, f"{lang}: a Japanese face was used: {name}"
        if "CJK" in name:
            region = {"zh-Hans": "SC", "zh-Hant": "TC"}.get(lang)
            assert region and f"CJK-{region}" in name, f"{lang}: unexpected CJK face {name}"


@pytest.mark.parametrize("lang", LANGS)
def test_bookmarks_one_per_heading_and_language(print_build, lang):
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    path = pdf_of(print_build, lang)
    with path.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        titles = [title for _level, title, *_ in document.get_outlines()]
        catalog = document.catalog
        lang_tag = catalog["Lang"].decode() if isinstance(catalog["Lang"], bytes) else str(catalog["Lang"])
        assert "StructTreeRoot" in catalog and "MarkInfo" in catalog
        assert "DisplayDocTitle" in str(catalog.get("ViewerPreferences"))
    assert lang_tag == lang
    with pdfplumber.open(path) as pdf:
        headings = [node for page in pdf.pages for node in _walk(page.structure_tree)
                    if re.fullmatch(r"H[1-6]?", node.get("type", ""))]
    # Each heading is tagged once per page it is on; all fit on one page here.
    assert len(titles) == len(headings), f"{lang}: {len(titles)} bookmarks for {len(headings)} headings"
    assert all(title and not title[-1].isdigit() for title in titles[:1]), titles[:1]


def _walk(nodes: list[dict]):
    for node in nodes:
        yield node
        yield from _walk(node.get("children", []))


@pytest.mark.parametrize("lang", LANGS)
def test_metadata(print_build, lang):
    info = dict(line.split(":", 1) for line in run("pdfinfo", str(pdf_of(print_build, lang))).splitlines()
                if ":" in line)
    info = {key.strip(): value.strip() for key, value in info.items()}
    assert info["Tagged"] == "yes"
    assert info["Title"] and not info["Title"][-1].isdigit()
    assert info["Author"] == "Internet Governance Forum"
    assert info["Subject"]
    assert info["CreationDate"].startswith("Thu Nov  1") and "2018" in info["CreationDate"]
    assert info["Page size"].startswith("595.276 x 841.89")


@pytest.mark.parametrize("lang", LANGS)
def test_footnotes_on_the_page_of_their_calls(print_build, lang):
    path = pdf_of(print_build, lang)
    with pdfplumber.open(path) as pdf:
        pages = [(page.chars, page.extract_text() or "") for page in pdf.pages]
    notes = {}
    for number, (chars, text) in enumerate(pages, start=1):
        for match in re.finditer(r"^(\d+)\. ", text, re.MULTILINE):
            notes[int(match.group(1))] = number
    area = type_area("A4")
    calls = {}
    for number, (chars, _text) in enumerate(pages, start=1):
        # A call is a small digit raised above the text beside it, inside the type area.
        inside = [c for c in chars if area.top <= c["top"] and c["bottom"] <= area.top + area.height]
        for char in inside:
            if char["text"].isdigit() and _raised(char, inside):
                calls.setdefault(int(char["text"]), number)
    assert sorted(notes) == [1, 2], f"{lang}: footnotes found: {notes}"
    assert calls == notes, f"{lang}: calls on pages {calls}, notes on pages {notes}"


def _raised(char: dict, chars: list[dict]) -> bool:
    neighbours = [c for c in chars if abs(c["x1"] - char["x0"]) < 1 and c["size"] > 1.3 * char["size"]]
    return any(char["bottom"] < c["bottom"] - 1 for c in neighbours)


def test_han_latin_gap_without_space_characters(print_build):
    path = pdf_of(print_build, "zh-Hans")
    gaps = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars = page.chars
            for i in range(len(chars) - 3):
                if "".join(c["text"] for c in chars[i:i + 3]) == "IGF" and is_cjk_letter(chars[i + 3]["text"]):
                    after = chars[i + 3]
                    gaps.append((after["x0"] - chars[i + 2]["x1"]) / after["size"])
            assert " IGF" not in "".join(c["text"] for c in chars).replace("\n", "")
            text = page.extract_text() or ""
            assert "\u2005" not in text and "\u2009" not in text and "\u200a" not in text
    print(f"\nzh-Hans: Han–Latin gaps after 'IGF': {', '.join(f'{g:.3f} em' for g in gaps)}")
    assert gaps and all(gap >= 0.2 for gap in gaps)
    assert "IGF消息" in re.sub(r"\s", "", run("pdftotext", str(path), "-"))


def test_squeezed_punctuation_is_half_width(print_build):
    """。“ in the zh-Hans body: the full stop is set half-width (clreq §3.1.6)."""
    path = pdf_of(print_build, "zh-Hans")
    widths = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars = page.chars
            for a, b in zip(chars, chars[1:]):
                if a["text"] + b["text"] in ("。“", "）、", "）。") and abs(a["top"] - b["top"]) < 1:
                    widths.append((b["x0"] - a["x0"]) / a["size"])
    print(f"\nzh-Hans: advance of squeezed marks: {', '.join(f'{w:.2f} em' for w in widths)}")
    assert widths and all(0.45 <= w <= 0.65 for w in widths)


@pytest.mark.parametrize("lang", LANGS)
def test_print_shop_variant(print_build, lang):
    """output/<lang>/<slug>.print.pdf: TrimBox = A4, 3 mm bleed on each side, crop marks in the bleed at
    the trim lines, and the reading PDF's pages unchanged: same page count, same text on each page."""
    reading, shop = pdf_of(print_build, lang), pdf_of(print_build, lang, "print.pdf")
    boxes = _page_boxes(shop)
    trim, bleed, media = boxes["TrimBox"], boxes["BleedBox"], boxes["MediaBox"]
    assert trim[2] - trim[0] == pytest.approx(595.28, abs=0.5)
    assert trim[3] - trim[1] == pytest.approx(841.89, abs=0.5)
    bleed_pt = 3 * 72 / 25.4
    for box in (bleed, media):
        assert trim[0] - box[0] == pytest.approx(bleed_pt, abs=0.5)
        assert box[2] - trim[2] == pytest.approx(bleed_pt, abs=0.5)
        assert trim[1] - box[1] == pytest.approx(bleed_pt, abs=0.5)
        assert box[3] - trim[3] == pytest.approx(bleed_pt, abs=0.5)

    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(shop))).group(1))
    assert pages == int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(reading))).group(1))
    for page in range(1, pages + 1):
        text = [run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-") for pdf in (shop, reading)]
        assert text[0] == text[1], f"page {page} differs from the reading PDF"

    with pdfplumber.open(shop) as pdf:
        for page in pdf.pages:
            # In PDF coordinates: pdfplumber gives x as is and y shifted by the MediaBox's negative origin.
            segments = [(line["x0"], line["y0"] - page.bbox[1], line["x1"], line["y1"] - page.bbox[1])
                        for line in page.lines]
            marks = [seg for seg in segments if not (trim[0] - 0.1 <= min(seg[0], seg[2]) <= max(seg[0], seg[2])
                                                     <= trim[2] + 0.1 and trim[1] - 0.1 <= min(seg[1], seg[3])
                                                     <= max(seg[1], seg[3]) <= trim[3] + 0.1)]
            assert len(marks) == 8, f"page {page.page_number}: {len(marks)} lines in the bleed, 8 crop marks expected"
            for ax, ay, bx, by in marks:  # each continues a trim line outside the page, within the bleed
                vertical = ax == pytest.approx(bx) and any(ax == pytest.approx(x, abs=0.1) for x in trim[::2])
                horizontal = ay == pytest.approx(by) and any(ay == pytest.approx(y, abs=0.1) for y in trim[1::2])
                assert vertical or horizontal, (ax, ay, bx, by)
                assert all(media[0] - 0.1 <= x <= media[2] + 0.1 for x in (ax, bx))
                assert all(media[1] - 0.1 <= y <= media[3] + 0.1 for y in (ay, by))


def test_print_shop_marks_are_artifacts_outside_the_structure(print_build):
    """PDF/UA: the crop marks are marked content of type Artifact, so no reader announces them."""
    import pikepdf

    with pikepdf.open(pdf_of(print_build, "zh-Hans", "print.pdf")) as pdf:
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        for page in pdf.pages:
            operators = [str(instruction.operator) for instruction in pikepdf.parse_content_stream(page)]
            tail = operators[len(operators) - operators[::-1].index("BDC") - 1:]
            assert tail[-2:] == ["EMC", "Q"] and "S" in tail  # the marks: stroked inside the last BDC … EMC
            bdc = [i for i in pikepdf.parse_content_stream(page) if str(i.operator) == "BDC"][-1]
            assert str(bdc.operands[0]) == "/Artifact"


def _page_boxes(path: Path) -> dict[str, list[float]]:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    with path.open("rb") as handle:
        page = next(PDFPage.create_pages(PDFDocument(PDFParser(handle))))
        return {name: [float(v) for v in resolve1(page.attrs[name])] for name in ("MediaBox", "BleedBox", "TrimBox")}


# --- the markup (diglot.typography), without a build -------------------------------------------

SAMPLES = [
    ("这是向社区投入开放的IGF消息的初稿。如需提供信息反馈，请写信至igf@un.org", "zh-Hans"),
    ("提供保障。“要么接受，要么放弃”的办法（BPO）、健康和民间团体）。", "zh-Hans"),
    ("保障。「要麼接受」（見上），「對」。", "zh-Hant"),
    ('见<a href="https://example.org/中文IGF?a=1&amp;b=2" title="“x”。">链接IGF</a>和<code>git中a</code>。', "zh-Hans"),
    ('承诺<span class="footnote"><span>这是IGF消息。</span></span>，都有助于网络稳定的问题。', "zh-Hans"),
    ("A &amp; B &lt;tag&gt; “quoted ‘twice’” text, 2018.", "en"),
]


def _text(html: str) -> str:
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html))


def _tags(html: str) -> list[str]:
    return [tag for tag in re.findall(r"<[^>]+>", html) if not re.fullmatch(r'</?span( class="[a-z -]+")?>', tag)]


@pytest.mark.parametrize("html, lang", SAMPLES)
def test_typeset_adds_spans_only(html, lang):
    from diglot.typography import typeset

    out, _stats = typeset(html, lang)
    assert _text(out) == _text(html), "the text changed"
    assert _tags(out) == _tags(html), "tags or attributes changed"


def test_typeset_marks_what_clreq_asks():
    from diglot.typography import typeset

    out, stats = typeset(SAMPLES[0][0], "zh-Hans")
    assert '<span class="nobr">的<span class="latin gap-before gap-after">IGF</span>消</span>' in out
    assert '<span class="nobr">至<span class="latin gap-before">igf@un.org</span></span>' in out
    assert (stats.gaps, stats.squeezed) == (3, 0)
    out, stats = typeset(SAMPLES[1][0], "zh-Hans")
    assert '<span class="squeeze">。</span>“' in out
    assert 'BPO<span class="squeeze">）</span>、' in out
    assert (stats.gaps, stats.squeezed) == (0, 3)
    # Centred stops in Taiwan faces: the opening bracket after them loses its blank half.
    out, _ = typeset(SAMPLES[2][0], "zh-Hant")
    assert '保障。<span class="squeeze">「</span>' in out
    assert typeset(SAMPLES[-1][0], "en")[0] == SAMPLES[-1][0]


def test_paragraph_tail_is_kept_together():
    from diglot.typography import typeset

    out, stats = typeset("隐私保护对于公民社会的运作和有意义地参与公共生活至关重要。", "zh-Hans")
    assert out.endswith('<span class="nobr">重要。</span>') and stats.tails == 1
    assert typeset("物联网", "zh-Hans")[1].tails == 0  # a short heading needs none


def test_weasyprint_version_is_pinned():
    from diglot.errors import DiglotError
    from diglot.pdf import PATCHED_WEASYPRINT, check_weasyprint_version

    check_weasyprint_version(PATCHED_WEASYPRINT)
    with pytest.raises(DiglotError, match=r"WeasyPrint 71\.0 is installed.*weasyprint==70\.0"):
        check_weasyprint_version("71.0")


def test_chinese_emphasis_is_bold_not_slanted():
    import io

    from diglot.pdf import write_pdf
    from diglot.render import language_css, make_environment

    html = ('<html lang="zh-Hans"><head><title>t</title></head><body class="lang-zh-Hans"><main>'
            '<p>这是<em>强调</em>文字</p></main></body></html>')
    templates = REPO / "templates"
    faces = language_css(make_environment(templates), templates, "print", ["zh-Hans"])
    data, _ = write_pdf(html, [templates / "print" / "book.css"], REPO, [templates], css_strings=(faces,), variant=None)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        chars = {c["text"]: c for c in pdf.pages[0].chars}
    assert "Bold" in chars["强"]["fontname"] and "Bold" not in chars["这"]["fontname"]
    assert chars["强"]["matrix"][2] == 0, "a slanted (fake italic) Han glyph"


@pytest.mark.parametrize("lang", LANGS)
def test_running_head_is_the_plain_title(print_build, lang):
    area = type_area("A4")
    with pdfplumber.open(pdf_of(print_build, lang)) as pdf:
        title = pdf.metadata["Title"]
        page = pdf.pages[2]
        head = page.crop((0, 0, page.width / 2 + 40, area.top)).extract_text()
    assert head.replace(" ", "") == title.replace(" ", ""), f"{lang}: running head {head!r}"


@pytest.mark.parametrize("lang, bullet", [("zh-Hans", "●"), ("zh-Hant", "●"), ("en", "•")])
def test_bullets_are_visible_and_centred(print_build, lang, bullet):
    with pdfplumber.open(pdf_of(print_build, lang)) as pdf:
        page = pdf.pages[2]
        marks = [c for c in page.chars if c["text"] == bullet]
        assert marks, f"{lang}: no {bullet} bullet"
        for mark in marks:
            line = [c for c in page.chars if c["x0"] > mark["x1"] and abs(c["bottom"] - mark["bottom"]) < 6
                    and c["size"] > mark["size"] * 0.9 and c["text"] != bullet]
            text_middle = (line[0]["top"] + line[0]["bottom"]) / 2
            mark_middle = (mark["top"] + mark["bottom"]) / 2
            assert mark["size"] >= 5, f"{lang}: bullet of {mark['size']:.1f} pt"
            assert abs(mark_middle - text_middle) < 0.35 * line[0]["size"], f"{lang}: bullet off-centre"


def test_pdf_a_3b_is_selectable_and_pdf_ua_1_is_the_default(project_copy):
    from conftest import run_cli

    def xmp(pdf: Path) -> str:
        return subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout

    pdf = project_copy / "output" / "en" / f"{SLUG}.pdf"
    code, _, err = run_cli(project_copy, "-q", "build", "--lang", "en", "--format", "pdf")
    assert code == 0, err
    assert 'pdfuaid:part="1"' in xmp(pdf)
    code, _, err = run_cli(project_copy, "-q", "build", "--lang", "en", "--format", "pdf", "--pdf-variant", "pdf/a-3b")
    assert code == 0, err
    archival = xmp(pdf)
    assert 'pdfaid:part="3"' in archival and 'pdfaid:conformance="B"' in archival
