"""The print book: type area, clreq typography, footnotes, bookmarks, fonts, PDF/UA, print-shop boxes.

Builds a temporary copy of the project once (PDFs only) and measures the PDFs with
pdfplumber, pdfminer and poppler. ``pytest -s tests/test_print.py`` prints the figures.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path

import pytest

from diglot.typography import CLOSING, NO_LINE_START, STOPS, is_cjk_letter, type_area

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
    end: dict = field(default_factory=dict)  # the last character

    def flush(self, edge: float) -> bool:
        """Ends on the edge: its last character does, or is a line-end mark set half width (or
        hanging its blank half) whose full-width box straddles the edge."""
        if abs(edge - self.x1) <= FLUSH_TOLERANCE:
            return True
        return self.text[-1:] in CLOSING + STOPS and self.end.get("x0", edge) < edge < self.x1


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
            line.end = char
        else:
            lines.append(Line(page, char["top"], char["x0"], char["x1"], char["size"], char["text"], end=char))
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
    return not fragment.lines[-1].flush(area.right_edge)


def flush_share(path: Path) -> tuple[float, int, int, list[Line]]:
    edge = type_area("A4").right_edge
    candidates = [line for line in paragraph_lines(path) if not line.last]
    ragged = [line for line in candidates if not line.flush(edge)]
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
    lines = [line for line in paragraph_lines(pdf_of(print_build, "zh-Hans"))
             if not line.last and is_cjk_letter(line.text[-1])]
    widest = max(line.x1 for line in lines)
    assert widest == pytest.approx(area.right_edge, abs=FLUSH_TOLERANCE)
    assert area.width / area.grid_size == area.chars


def _ink_right(char: dict, family: str) -> float:
    """Where the ink of a PDF character ends, from its glyph's outline in the system font."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    path, index = run("fc-match", "-f", "%{file}\t%{index}", family).split("\t")
    font = TTFont(path, fontNumber=int(index), lazy=True)
    glyphs = font.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[font.getBestCmap()[ord(char["text"])]].draw(pen)
    return char["x0"] + pen.bounds[2] / font["head"].unitsPerEm * char["size"]


@pytest.mark.parametrize("lang", CHINESE)
def test_line_end_marks_meet_the_margin(print_build, lang):
    """clreq: a comma or stop that ends a justified line is set half width, its ink on the margin
    (an SC mark's blank half goes; a centred TC mark's remaining quarter stands past the margin)."""
    edge = type_area("A4").right_edge
    family = {"zh-Hans": "Noto Serif CJK SC", "zh-Hant": "Noto Serif CJK TC"}[lang]
    ends = [line for line in paragraph_lines(pdf_of(print_build, lang)) if not line.last and line.text[-1] in "，。、；："]
    gaps = [edge - _ink_right(line.end, family) for line in ends]
    print(f"\n{lang}: ink of {len(ends)} line-end marks, pt inside the margin: {', '.join(f'{g:.1f}' for g in gaps)}")
    assert ends and all(-0.5 <= gap <= 1.0 for gap in gaps)


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
    """output/<lang>/<slug>.print.pdf: TrimBox = A4, BleedBox 3 mm beyond it, MediaBox a slug beyond
    that; crop marks continue the trim lines in the slug and leave the bleed clear; and the reading
    PDF's pages unchanged: same page count, same text on each page."""
    reading, shop = pdf_of(print_build, lang), pdf_of(print_build, lang, "print.pdf")
    boxes = _page_boxes(shop)
    trim, bleed, media = boxes["TrimBox"], boxes["BleedBox"], boxes["MediaBox"]
    assert trim[2] - trim[0] == pytest.approx(595.28, abs=0.5)
    assert trim[3] - trim[1] == pytest.approx(841.89, abs=0.5)
    bleed_pt = 3 * 72 / 25.4
    for near, far, distance in ((trim, bleed, bleed_pt), (bleed, media, 10 * 72 / 25.4)):
        assert [near[0] - far[0], near[1] - far[1], far[2] - near[2], far[3] - near[3]] == pytest.approx(
            [distance] * 4, abs=0.1)

    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(shop))).group(1))
    assert pages == int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(reading))).group(1))
    for page in range(1, pages + 1):
        text = [run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-") for pdf in (shop, reading)]
        assert text[0] == text[1], f"page {page} differs from the reading PDF"

    with pdfplumber.open(shop) as pdf:
        for page in pdf.pages:
            marks = _marks_outside(page, trim)
            assert len(marks) == 8, f"page {page.page_number}: {len(marks)} lines beyond the trim, 8 crop marks expected"
            for ax, ay, bx, by in marks:  # each continues a trim line, in the slug
                vertical = ax == pytest.approx(bx) and any(ax == pytest.approx(x, abs=0.1) for x in trim[::2])
                horizontal = ay == pytest.approx(by) and any(ay == pytest.approx(y, abs=0.1) for y in trim[1::2])
                assert vertical or horizontal, (ax, ay, bx, by)
                assert all(media[0] - 0.1 <= x <= media[2] + 0.1 for x in (ax, bx))
                assert all(media[1] - 0.1 <= y <= media[3] + 0.1 for y in (ay, by))
                outside_bleed = (min(ax, bx) >= bleed[2] - 0.1 or max(ax, bx) <= bleed[0] + 0.1
                                 or min(ay, by) >= bleed[3] - 0.1 or max(ay, by) <= bleed[1] + 0.1)
                assert outside_bleed, f"a crop mark in the bleed: {(ax, ay, bx, by)}"


def _marks_outside(page, trim: list[float]) -> list[tuple[float, float, float, float]]:
    """Lines drawn beyond the trim, in PDF coordinates (pdfplumber shifts y by the MediaBox's origin)."""
    segments = [(line["x0"], line["y0"] - page.bbox[1], line["x1"], line["y1"] - page.bbox[1]) for line in page.lines]
    return [seg for seg in segments if not (trim[0] - 0.1 <= min(seg[0], seg[2]) <= max(seg[0], seg[2]) <= trim[2] + 0.1
                                            and trim[1] - 0.1 <= min(seg[1], seg[3]) <= max(seg[1], seg[3])
                                            <= trim[3] + 0.1)]


def test_print_shop_registration_targets_and_grey_bar_on_request(print_build, tmp_path):
    """Optional slug marks: registration targets in the /All separation, a grey step bar; all in the
    slug, none in the bleed or on the page."""
    import pikepdf

    from diglot.printshop import Marks, print_shop_pdf

    shop = tmp_path / "marks.pdf"
    shop.write_bytes(print_shop_pdf(pdf_of(print_build, "zh-Hans").read_bytes(), marks=Marks(True, True)))
    with pikepdf.open(shop) as pdf:
        page = pdf.pages[0]
        spaces = [page.Resources.ColorSpace[name] for name in page.Resources.ColorSpace.keys()]
        assert any(str(space[0]) == "/Separation" and str(space[1]) == "/All" for space in spaces)
    boxes = _page_boxes(shop)
    bleed, trim = boxes["BleedBox"], boxes["TrimBox"]
    with pdfplumber.open(shop) as pdf:
        page = pdf.pages[0]
        # In PDF coordinates (pdfplumber shifts y by the MediaBox's origin); the page's own rules aside.
        shapes = [(c["x0"], c["y0"] - page.bbox[1], c["x1"], c["y1"] - page.bbox[1]) for c in page.curves + page.rects]
        slug = [s for s in shapes if s[2] <= trim[0] or s[0] >= trim[2] or s[3] <= trim[1] or s[1] >= trim[3]]
        assert len(page.curves) == 4 and len(slug) == 4 + 5, "four targets, five grey steps"
        for x0, y0, x1, y1 in slug:
            assert x1 <= bleed[0] or x0 >= bleed[2] or y1 <= bleed[1] or y0 >= bleed[3], (x0, y0, x1, y1)


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


def test_footnote_call_is_glued_to_the_word_before_and_the_mark_after():
    from diglot.typography import typeset

    out, stats = typeset(SAMPLES[4][0], "zh-Hans")
    assert '<span class="nobr">诺<span class="footnote">' in out and "</span></span>，</span>都" in out
    assert stats.calls == 1
    out, _ = typeset('the Internet<span class="note-call">2</span> all', "en")
    assert out == 'the <span class="nobr">Internet<span class="note-call">2</span></span> all'
    out, _ = typeset('（BPO）<span class="footnote">x</span>）。后', "zh-Hans")
    assert _text(out) == "（BPO）x）。后" and out.count("<span") == out.count("</span>")
    assert '<span class="footnote">x</span><span class="squeeze">）</span>。</span>' in out


def _set_paragraph(text: str, chars: int) -> list[list[dict]]:
    """``text`` set as one justified zh-Hans paragraph ``chars`` characters wide: its lines' characters."""
    import io

    from diglot.pdf import write_pdf
    from diglot.typography import typeset

    # On the title page's kind of page (no running heads, no folio): only the paragraph's lines.
    html = (f'<html lang="zh-Hans"><head><title>t</title></head><body class="lang-zh-Hans"><main style="page: title">'
            f'<p style="width: {chars * 10.5}pt; font-size: 10.5pt; text-indent: 0">{typeset(text, "zh-Hans")[0]}</p>'
            f'</main></body></html>')
    data, _ = write_pdf(html, [REPO / "templates" / "print" / "book.css"], REPO, [REPO / "templates"], variant=None)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        rows: dict[int, list[dict]] = {}
        for char in pdf.pages[0].chars:
            rows.setdefault(round(char["top"]), []).append(char)
    return [sorted(rows[top], key=lambda c: c["x0"]) for top in sorted(rows)]


HAN = "网络安全和隐私往往是相互交织和相互依存的它们会影响人们对数字空间的信任并可能限制其增长"


def test_a_line_takes_in_a_character_by_compressing_its_marks():
    """clreq line adjustment: 字， would not fit; the line-end comma and then a pause mark inside the
    line are set half width, so that the line keeps it rather than being spaced out."""
    text = HAN[:9] + "、" + HAN[9:18] + "字，" + HAN[18:30] + "。"
    lines = _set_paragraph(text, 20)
    first = "".join(c["text"] for c in lines[0])
    assert first == HAN[:9] + "、" + HAN[9:18] + "字，", first
    pause = next(i for i, c in enumerate(lines[0]) if c["text"] == "、")
    assert (lines[0][pause + 1]["x0"] - lines[0][pause]["x0"]) / 10.5 == pytest.approx(0.5, abs=0.02)
    gaps = [b["x0"] - a["x1"] for a, b in zip(lines[0][:8], lines[0][1:9])]
    assert max(gaps) < 0.03 * 10.5, "the line is compressed, not spaced out"


def test_a_one_character_last_line_gets_a_second_when_the_line_above_can_give_it():
    """The tail rule: 题。 alone on a last line takes a character from the line above when that
    line then stretches little (a wide measure); on a narrow one the short line stays."""
    wide = _set_paragraph(HAN[:38] + "题。", 38)
    assert len(wide) == 2 and "".join(c["text"] for c in wide[1]) == HAN[37] + "题。"
    narrow = _set_paragraph(HAN[:20] + "题。", 20)
    assert "".join(c["text"] for c in narrow[-1]) == "题。"
    assert len(narrow[0]) == 20


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


# --- smaller PDFs: fonts cut to the glyphs shown (diglot.pdffonts) ------------------------------

@pytest.fixture(scope="module")
def unshrunk_and_shrunk(tmp_path_factory) -> tuple[Path, Path]:
    """The zh-Hant–en bilingual PDF (CFF CJK faces, TrueType Latin ones) as WeasyPrint writes it
    (its subsets keeping glyph ids), and as Diglot publishes it: its CJK faces subset by HarfBuzz
    to their glyphs alone (diglot.pdf, _compact_cid_subset), every font cut down (pdffonts)."""
    from conftest import copy_project

    import diglot.pdf
    from diglot.bilingual import render_bilingual
    from diglot.builder import BuildOptions, Output
    from diglot.workers import load_edition as _load_edition
    from diglot.config import load_config
    from diglot.pdffonts import shrink_fonts

    root = copy_project(tmp_path_factory.mktemp("fonts") / "project")
    config = load_config(root)
    zh, en = _load_edition(config, SLUG, "zh-Hant"), _load_edition(config, SLUG, "en")
    keep = diglot.pdf.shrink_fonts, diglot.pdf._compact_cid_subset
    diglot.pdf.shrink_fonts = lambda data: data  # WeasyPrint's own output, for comparison
    diglot.pdf._compact_cid_subset = lambda original: original
    try:
        data = render_bilingual("pdf", zh, en, config, BuildOptions(), Output(root / "x.pdf", "zh-Hant", "pdf"))
    finally:
        diglot.pdf.shrink_fonts, diglot.pdf._compact_cid_subset = keep
    unshrunk, shrunk = root / "unshrunk.pdf", root / "shrunk.pdf"
    unshrunk.write_bytes(data)
    shrunk.write_bytes(render_bilingual("pdf", zh, en, config, BuildOptions(), Output(root / "y.pdf", "zh-Hant", "pdf")))
    assert shrink_fonts(data) != data  # (and WeasyPrint's own subsets are cut down too)
    return unshrunk, shrunk


def test_shrunk_fonts_keep_every_page_pixel_for_pixel(unshrunk_and_shrunk, tmp_path):
    """pdftoppm at 100 dpi (without anti-aliasing, whose rounding differs between font formats):
    every page of the shrunk PDF is the same image as WeasyPrint's."""
    unshrunk, shrunk = unshrunk_and_shrunk
    images = {}
    for pdf in unshrunk_and_shrunk:
        run("pdftoppm", "-r", "100", "-gray", "-aa", "no", "-aaVector", "no", str(pdf), str(tmp_path / pdf.stem))
        images[pdf] = sorted(tmp_path.glob(f"{pdf.stem}-*.pgm"))
    assert len(images[shrunk]) == len(images[unshrunk]) > 2
    for before, after in zip(images[unshrunk], images[shrunk]):
        assert before.read_bytes() == after.read_bytes(), f"{after.name} differs from {before.name}"
    print(f"\nfonts shrunk: {unshrunk.stat().st_size // 1024} KB -> {shrunk.stat().st_size // 1024} KB, "
          f"{len(images[shrunk])} pages identical")
    assert shrunk.stat().st_size < 0.5 * unshrunk.stat().st_size


def test_shrunk_fonts_keep_the_text_and_the_font_list(unshrunk_and_shrunk):
    unshrunk, shrunk = unshrunk_and_shrunk
    assert run("pdftotext", str(shrunk), "-") == run("pdftotext", str(unshrunk), "-")
    assert "網際網路" in run("pdftotext", str(shrunk), "-")  # ToUnicode maps the kept glyphs' codes

    def fonts(pdf: Path) -> list[tuple[str, ...]]:
        rows = [line.split() for line in run("pdffonts", str(pdf)).splitlines()[2:]]
        return sorted((row[0], *row[-5:-2]) for row in rows)

    assert [row[0] for row in fonts(shrunk)] == [row[0] for row in fonts(unshrunk)]
    assert all(row[1:] == ("yes", "yes", "yes") for row in fonts(shrunk)), "embedded, subset, with ToUnicode"
    report = run("pdffonts", str(shrunk))
    assert report.count("CID Type 0C ") == 3 and "(OT)" not in report  # bare CID-keyed CFF for the CJK faces


def test_shrunk_fonts_leave_tags_and_metadata_alone(unshrunk_and_shrunk):
    import pikepdf

    unshrunk, shrunk = unshrunk_and_shrunk
    with pikepdf.open(unshrunk) as before, pikepdf.open(shrunk) as after:
        assert after.Root.Lang == before.Root.Lang and after.Root.MarkInfo.Marked
        assert after.Root.Metadata.read_bytes() == before.Root.Metadata.read_bytes()
        assert len(after.Root.StructTreeRoot.ParentTree.Nums) == len(before.Root.StructTreeRoot.ParentTree.Nums)
        for page_before, page_after in zip(before.pages, after.pages):
            assert page_after.Contents.read_bytes() == page_before.Contents.read_bytes()


# --- lines of columns, A4 and A5: word spaces, hyphens, calls, running heads ----------------------

def column_lines(path: Path, columns: list[tuple[float, float]], top: float, bottom: float) -> list[list[dict]]:
    """Body lines (characters left to right) of each column, page after page from page 3; a small
    raised number (a note call) belongs to the line it is raised in."""
    found: list[list[dict]] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages[2:]:
            chars = [c for c in page.chars if c["text"].strip() and top <= c["top"] and c["bottom"] <= bottom]
            body = max((c["size"] for c in chars), default=0)
            for x0, x1 in columns:
                rows: dict[int, list[dict]] = {}
                for char in (c for c in chars if x0 - 3 <= (c["x0"] + c["x1"]) / 2 <= x1 + 3):
                    baseline = page.height - char["matrix"][5]
                    if char["size"] < 0.75 * body and char["text"].isdigit():  # a call: join its line
                        baseline += 0.3 * body
                    rows.setdefault(round(baseline / 4), []).append(char)
                found.extend(sorted(row, key=lambda c: c["x0"]) for _, row in sorted(rows.items()))
    return [row for row in found if max(c["size"] for c in row) > 9.5]  # not footnotes


def word_spaces(row: list[dict]) -> list[float]:
    """Spaces between the words of a line, in em (not the one after a list bullet)."""
    size = max(c["size"] for c in row)
    row = row[1:] if row[0]["text"] in "•●" else row
    return [(b["x0"] - a["x1"]) / size for a, b in zip(row, row[1:]) if b["x0"] - a["x1"] > 0.12 * size]


def hyphen_runs(rows: list[list[dict]]) -> int:
    longest = run_length = 0
    for row in rows:
        text = "".join(c["text"] for c in row)
        run_length = run_length + 1 if len(text) > 1 and text[-1] in "-\u2010" and text[-2].isalpha() else 0
        longest = max(longest, run_length)
    return longest


@pytest.mark.parametrize("lang", ["en", "zh-Hans-en"])
def test_english_justified_with_even_spaces_and_few_hyphens(print_build, lang):
    """A4: word spaces of justified lines stay under half an em but for one line in fifty (long
    words leave no other break); never three hyphens in a row."""
    from diglot.bilingual import columns

    if lang == "en":
        area = type_area("A4")
        cols, path = [(area.inside, area.right_edge)], pdf_of(print_build, "en")
    else:
        geometry = columns("A4")
        area = geometry.area
        left = area.inside + geometry.a_width + geometry.gutter
        cols, path = [(left, area.inside + area.width)], print_build / "bilingual" / f"{SLUG}.zh-Hans-en.pdf"
    rows = column_lines(path, cols, area.top, area.top + area.height)
    justified = [row for row in rows if abs(cols[0][1] - row[-1]["x1"]) <= 1 and len(word_spaces(row)) > 2]
    loose = [row for row in justified if max(word_spaces(row)) > 0.6]
    spaces = sorted(space for row in justified for space in word_spaces(row))
    print(f"\n{lang}: {len(loose)} of {len(justified)} justified lines with a word space over 0.6 em; "
          f"95 % of the spaces under {spaces[int(0.95 * len(spaces))]:.2f} em; "
          f"{hyphen_runs(rows)} hyphenated lines in a row at most")
    assert justified and len(loose) <= 0.02 * len(justified)
    assert spaces[int(0.95 * len(spaces))] <= 0.5
    assert hyphen_runs(rows) <= 2


@pytest.fixture(scope="module")
def a5_build(tmp_path_factory) -> Path:
    """output/ of a copy of the project built with ``--format pdf --paper A5``."""
    from conftest import copy_project

    from diglot.cli import main

    root = copy_project(tmp_path_factory.mktemp("a5") / "project")
    assert main(["-C", str(root), "-q", "build", "--format", "pdf", "--paper", "A5"]) == 0
    return root / "output"


A5_PDFS = ["zh-Hans", "zh-Hant", "en", "zh-Hans-en", "zh-Hant-en"]


def _a5(output: Path, kind: str) -> tuple[Path, list[tuple[float, float]], object]:
    from diglot.bilingual import columns

    if kind.endswith("-en"):
        geometry = columns("A5")
        area = geometry.area
        zh = (area.inside, area.inside + geometry.a_width)
        return output / "bilingual" / f"{SLUG}.{kind}.pdf", [zh, (zh[1] + geometry.gutter, area.inside + area.width)], area
    area = type_area("A5")
    return output / kind / f"{SLUG}.pdf", [(area.inside, area.right_edge)], area


@pytest.mark.parametrize("kind", A5_PDFS)
def test_a5_no_line_starts_with_a_note_call_or_a_closing_mark(a5_build, kind):
    path, cols, area = _a5(a5_build, kind)
    for column in cols:
        for row in column_lines(path, [column], area.top, area.top + area.height):
            first = row[0]
            assert not (first["text"].isdigit() and first["size"] < 8), f"a note call starts a line: {row[:6]}"
            assert first["text"] not in NO_LINE_START, "".join(c["text"] for c in row)


@pytest.mark.parametrize("kind", A5_PDFS)
def test_a5_running_heads_are_one_line_each(a5_build, kind):
    path, _cols, area = _a5(a5_build, kind)
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages[2:]:
            head = [c for c in page.chars if c["bottom"] < area.top]
            baselines = {round(page.height - c["matrix"][5]) for c in head}
            assert len(baselines) == 1, f"page {page.page_number}: the running head wraps"
            assert "\u2010" not in "".join(c["text"] for c in head)


def test_a5_bilingual_english_column_is_ragged_right_with_few_hyphens(a5_build):
    """Narrow (about 40 characters): natural word spaces, a ragged edge, hyphens at most 2 in a row."""
    path, cols, area = _a5(a5_build, "zh-Hans-en")
    rows = column_lines(path, [cols[1]], area.top, area.top + area.height)
    spaces = [space for row in rows for space in word_spaces(row)]
    short = [row for row in rows if cols[1][1] - row[-1]["x1"] > 10]
    hyphenated = [row for row in rows if row[-1]["text"] in "-\u2010"]
    print(f"\nA5 English column: {len(rows)} lines, {len(short)} end short of the edge, widest space "
          f"{max(spaces):.2f} em, {len(hyphenated)} hyphenated, {hyphen_runs(rows)} in a row at most")
    assert max(spaces) < 0.35 and len(short) > 0.3 * len(rows)
    assert len(hyphenated) < 0.2 * len(rows) and hyphen_runs(rows) <= 2


def test_binding_gutter_widens_the_inner_margin_of_each_page(tmp_path):
    """type_area(gutter=…): right-hand pages start further right, left-hand pages end further left,
    the type area keeping its width; no gutter by default."""
    import io

    from diglot.pdf import write_pdf
    from diglot.render import make_environment
    from diglot.typography import CHINESE_BODY, MM

    assert type_area("A4").gutter == 0
    area = type_area("A4", gutter=10 * MM)
    assert area.inside - area.outside == pytest.approx(10 * MM) and area.width == type_area("A4").width
    page_css = make_environment(REPO / "templates").get_template("print/page.css.j2").render(area=area,
                                                                                            body=CHINESE_BODY)
    text = "网络安全和隐私往往是相互交织和相互依存的。" * 150
    # On the title page's kind of page (no running heads, no folio): only the paragraph's lines.
    html = (f'<html lang="zh-Hans"><head><title>t</title></head><body class="lang-zh-Hans"><main style="page: title">'
            f'<p>{text}</p><p>{text}</p></main></body></html>')
    data, _ = write_pdf(html, [REPO / "templates" / "print" / "book.css"], REPO, [REPO / "templates"],
                        variant=None, css_strings=(page_css,))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        lefts = [min(c["x0"] for c in page.chars if c["size"] > 10) for page in pdf.pages[:2]]
        rights = [max(c["x1"] for c in page.chars if c["size"] > 10) for page in pdf.pages[:2]]
    assert lefts[0] == pytest.approx(area.inside, abs=0.5) and lefts[1] == pytest.approx(area.outside, abs=0.5)
    assert rights[0] - lefts[0] == pytest.approx(rights[1] - lefts[1], abs=1)


# --- leaders: one text object per entry, the dots where WeasyPrint sets them ----------------------

def _contents_page(one_box: bool) -> bytes:
    """A page of 40 contents entries (the book style sheet's leaders), laid out with or without
    Diglot's correction that makes each leader one text box (diglot.pdf, _one_leader_box)."""
    import diglot.pdf

    entries = "".join(f'<li><a href="#s{n}">第{n}节 {"网络安全" * (n % 4)}</a></li>' for n in range(1, 41))
    anchors = "".join(f'<h2 id="s{n}">第{n}节</h2>' for n in range(1, 41))
    html = (f'<html lang="zh-Hans"><body><nav class="toc"><ol>{entries}</ol></nav>{anchors}</body></html>')
    sheets = [diglot.pdf.Path(__file__).resolve().parents[1] / "templates" / "print" / "book.css"]
    keep = diglot.pdf._one_leader_box
    if not one_box:
        diglot.pdf._one_leader_box = lambda original: original
    try:
        data, _ = diglot.pdf.write_pdf(html, sheets, sheets[0].parent, [sheets[0].parent], variant=None)
    finally:
        diglot.pdf._one_leader_box = keep
    return data


def test_a_leader_is_one_text_run_with_its_dots_where_weasyprint_sets_them(tmp_path):
    """WeasyPrint sets a leader as one text box per dot, each drawn apart: most of a contents
    page's drawing and bytes. Diglot's leader is one run of text, each dot where it was (within
    a quarter point), the last dot of every entry on the same vertical."""
    import io

    import pikepdf

    def dots(data: bytes) -> list[list[float]]:
        path = tmp_path / "toc.pdf"
        path.write_bytes(data)
        with pdfplumber.open(path) as pdf:
            rows: dict[int, list[float]] = {}
            for char in pdf.pages[0].chars:
                if char["text"] == ".":
                    rows.setdefault(round(char["top"]), []).append(char["x0"])
        return [sorted(xs) for _, xs in sorted(rows.items())]

    def text_objects(data: bytes) -> int:  # text shown, each with its own position
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return sum(1 for _, op in pikepdf.parse_content_stream(pdf.pages[0]) if str(op) in ("Tj", "TJ"))

    weasyprint, diglot = _contents_page(False), _contents_page(True)
    before, after = dots(weasyprint), dots(diglot)
    assert len(after) == len(before) > 20 and all(len(a) == len(b) > 10 for a, b in zip(after, before))
    drift = max(abs(x - y) for a, b in zip(after, before) for x, y in zip(a, b))
    assert drift < 0.25, f"a dot moved {drift:.2f} pt"
    assert max(row[-1] for row in after) - min(row[-1] for row in after) < 0.25, "the last dots line up"
    print(f"\ncontents page: {text_objects(weasyprint)} runs of text -> {text_objects(diglot)}, "
          f"{len(weasyprint) // 1024} KB -> {len(diglot) // 1024} KB, dots within {drift:.3f} pt")
    assert text_objects(diglot) < text_objects(weasyprint) / 5


@pytest.mark.parametrize("align", ["justify", "left"])
def test_leaving_out_copies_of_the_natural_line_changes_no_line(align):
    """The line breaker does not lay out a candidate that can only be the natural line again
    (diglot.pdf.LEAVE_OUT_COPIES): the PDF is byte for byte the one made weighing every candidate,
    for justified and ragged (hyphenated) English at a narrow measure, where the choice is hardest."""
    import diglot.pdf

    text = (REPO / "tests" / "data" / "languages" / "source" / "udhr.md").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("---", 2)[2].split("\n\n") if p and not p.startswith(("#", "[^"))][:8]
    body = "".join(f"<p>{html_escape(p)}</p>" for p in paragraphs)
    html = (f'<html lang="en"><head><title>t</title></head><body class="lang-en"><main style="page: title">'
            f'<div style="width: 62mm; text-align: {align}; hyphens: auto">{body}</div></main></body></html>')
    sheets = [REPO / "templates" / "print" / "book.css"]

    def render(leave_out: bool) -> bytes:
        keep = diglot.pdf.LEAVE_OUT_COPIES
        diglot.pdf.LEAVE_OUT_COPIES = leave_out
        try:
            return diglot.pdf.write_pdf(html, sheets, REPO, [REPO / "templates"], variant=None)[0]
        finally:
            diglot.pdf.LEAVE_OUT_COPIES = keep

    every, fewer = render(False), render(True)
    assert len(every) > 5000
    assert fewer == every


def test_templates_compiled_once_per_process_are_compiled_again_when_edited(tmp_path):
    """Each render makes its own Jinja environment (its own UI strings) and shares the compiled
    templates of the process: an edited template renders its new text, and one compiled for
    new-style gettext (diglot.render.install_translations) is never the one an environment
    with old-style gettext runs, nor the other way round (they compile {% trans %} otherwise)."""
    from diglot.render import make_environment

    template = tmp_path / "t.txt.j2"
    template.write_text("one {{ x }}: {% trans n=2 %}{{ n }} left{% endtrans %}", encoding="utf-8")

    def render(newstyle: bool) -> str:
        env = make_environment(tmp_path)
        env.install_gettext_callables(lambda text: text, lambda one, many, n: many, newstyle=newstyle)
        return env.get_template("t.txt.j2").render(x=1)

    assert [render(True), render(False), render(True)] == ["one 1: 2 left"] * 3
    template.write_text("two {{ x }}", encoding="utf-8")
    assert render(True) == render(False) == "two 1"


def test_a_cjk_faces_charset_read_from_its_ranges_says_what_its_glyph_names_say(tmp_path):
    """Whether a CID-keyed face's glyph ids are its CIDs (diglot.pdffonts: its subsets are cut to
    their glyphs alone) is read from the charset's ranges, not from 65,000 glyph names: the same
    answer as the names give, for the installed faces and for subsets whose glyphs were renumbered
    (not their CIDs) or kept in place (their CIDs)."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    from diglot.fonts import font_file
    from diglot.pdffonts import _identity_charset, _name

    def by_names(font) -> bool:
        return all(name == _name(gid) for gid, name in enumerate(font.getGlyphOrder()))

    path, index = font_file("zh-Hans", "serif")
    data = Path(path).read_bytes()
    face = TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
    assert _identity_charset(face) is True and by_names(TTFont(io.BytesIO(data), fontNumber=index, lazy=True))
    answers = []
    for retain in (False, True):
        font = TTFont(io.BytesIO(data), fontNumber=index)
        options = subset.Options(retain_gids=retain, desubroutinize=True)
        cutter = subset.Subsetter(options)
        cutter.populate(text="网络安全與信任")
        cutter.subset(font)
        out = io.BytesIO()
        font.save(out)
        cut = TTFont(io.BytesIO(out.getvalue()), lazy=True)
        answers.append((_identity_charset(cut), by_names(TTFont(io.BytesIO(out.getvalue()), lazy=True))))
    assert answers == [(False, False), (True, True)]
