"""A long book laid out in parts (diglot/parts.py) against the same book rendered whole.

The book is generated: twelve chapters of the project's real text, each with sections, a note,
a table and a link to the next chapter, chapters on right-hand pages. Built with pdf_parts =
"always" and "never", the two PDFs must be the same book: the same pages with the same text
(folios and running heads included, pdftotext), the same fonts (pdffonts), one outline with
every entry on the same page, the contents' numbers the pages the headings are on, every link
landing where it lands in the whole render, and one structure tree whose marked content all
resolves. Editing one chapter renders that chapter's part and the join, nothing else (the
build's table and manifest say which parts were made).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, run_cli

CHAPTERS = 12
BOOK = "long"


def _paragraphs() -> list[str]:
    text = (REPO / "source" / "igf-2018-cybersecurity.md").read_text(encoding="utf-8")
    body = re.sub(r"<!--.*?-->", "", text.split("---", 2)[2], flags=re.S)
    lines = [line.strip().removeprefix("- ") for line in body.splitlines()]
    return [re.sub(r"\[\^[^\]]+\]", "", line) for line in lines if line and not line.startswith(("#", "[^"))]


def book_project(root: Path, lang: str, mode: str) -> Path:
    """An empty project for one book (``lang``, PDF only) with ``pdf_parts = mode``: its folder
    source/<BOOK>/ made, the project's templates and UI strings."""
    (root / "source" / BOOK).mkdir(parents=True)
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "translations").mkdir()
    shutil.copy2(REPO / "translations" / "ui.pot", root / "translations" / "ui.pot")
    (root / "pyproject.toml").write_text(
        f'[tool.diglot]\nlanguages = ["{lang}"]\nformats = ["pdf"]\npdf_parts = "{mode}"\n', encoding="utf-8")
    return root


def make_book(root: Path, mode: str) -> Path:
    """A project holding one generated book (zh-Hans, PDF only) with ``pdf_parts = mode``."""
    book_project(root, "zh-Hans", mode)
    names = [f"c{number:02d}.md" for number in range(1, CHAPTERS + 1)]
    (root / "source" / BOOK / "book.yaml").write_text(
        "title: 长文档\nlang: zh-Hans\ndate: 2026-12\npublisher: 示例\nrecto: true\nchapters:\n"
        + "".join(f"  - {name}\n" for name in names), encoding="utf-8")
    paragraphs, taken = _paragraphs(), 0
    for number, name in enumerate(names, start=1):
        lines = [f"---\ntitle: 第{number}部分\n---\n"]
        for section in range(1, 4):
            lines.append(f"## 小节 {number}.{section}\n")
            for index in range(4):
                text = paragraphs[taken % len(paragraphs)]
                taken += 1
                if section == 1 and index == 0:
                    text += f"[^n] 参见[下一章]({names[number % CHAPTERS]})。"
                lines.append(text + "\n")
        lines.append("| 项目 | 说明 |\n|---|---|\n| 甲 | 第一项 |\n| 乙 | 第二项 |\n")
        lines.append("[^n]: 本章的注释。\n")
        (root / "source" / BOOK / name).write_text("\n".join(lines), encoding="utf-8")
    return root


def build(root: Path) -> str:
    code, out, err = run_cli(root, "build", "-j", "2")
    assert code == 0, out + err
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> tuple[Path, Path]:
    """(parts, whole): the book's PDF laid out in parts, and rendered whole."""
    base = tmp_path_factory.mktemp("parts")
    split, whole = make_book(base / "split", "always"), make_book(base / "whole", "never")
    out = build(split)
    assert f".diglot/parts/zh-Hans/{BOOK}/{CHAPTERS:03d}.pdf" in out, "the book was not laid out in parts"
    build(whole)
    return split / "output" / "zh-Hans" / f"{BOOK}.pdf", whole / "output" / "zh-Hans" / f"{BOOK}.pdf"


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")


def test_same_pages_with_the_same_text(books):
    split, whole = books
    assert len(page_texts(split)) > 2 * CHAPTERS
    assert page_texts(split) == page_texts(whole)  # folios and running heads included


def test_same_pages_pixel_for_pixel(books, tmp_path):
    """Every page of the joined book is the image of the whole render's (pdftoppm, 50 dpi, no
    anti-aliasing): each glyph the parts' merged fonts draw is the glyph the whole render draws."""
    images = {}
    for name, pdf in zip(("split", "whole"), books):
        subprocess.run(["pdftoppm", "-r", "50", "-gray", "-aa", "no", "-aaVector", "no", str(pdf),
                        str(tmp_path / name)], check=True)
        images[name] = sorted(tmp_path.glob(f"{name}-*.pgm"))
    assert len(images["split"]) == len(images["whole"]) > 2 * CHAPTERS
    different = [a.name for a, b in zip(images["split"], images["whole"]) if a.read_bytes() != b.read_bytes()]
    assert not different, f"pages that differ: {different}"


def test_same_fonts(books):
    def fonts(pdf: Path) -> list[str]:
        lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        return sorted(line.rsplit(None, 2)[0] for line in lines.splitlines()[2:])

    split, whole = books
    assert fonts(split) == fonts(whole)
    assert len(fonts(split)) == len(set(fonts(split))), "a face is embedded more than once"


def _outline(pdf: Path) -> list[tuple[int, str, int]]:
    import pikepdf

    with pikepdf.open(pdf) as document:
        pages = {page.objgen: number for number, page in enumerate(document.pages, 1)}
        found = []

        def walk(item, depth):
            while item is not None:
                found.append((depth, str(item.Title), pages[item.Dest[0].objgen]))
                walk(item.get("/First"), depth + 1)
                item = item.get("/Next")

        walk(document.Root.Outlines.First, 0)
        return found


def test_one_outline_with_every_chapter_on_its_page(books):
    split, whole = books
    outline = _outline(split)
    assert outline == _outline(whole)
    chapters = [(title, page) for depth, title, page in outline if depth == 0 and "部分" in title]
    assert len(chapters) == CHAPTERS
    texts = page_texts(split)
    for title, page in chapters:
        assert re.sub(r"\s", "", title) in re.sub(r"\s", "", texts[page - 1]), f"{title} is not on page {page}"


def test_contents_numbers_are_the_pages_of_the_headings(books):
    split, _ = books
    texts = page_texts(split)
    entries = [(m.group(1).strip(), int(m.group(2))) for page in texts[1:4] for m in
               re.finditer(r"(第\d+部分|小节 [\d.]+)\s*\.{3,}\s*(\d+)\s*$", page, re.M)]
    assert len(entries) == CHAPTERS * 4, entries
    for title, page in entries:
        assert re.sub(r"\s", "", title) in re.sub(r"\s", "", texts[page - 1]), f"{title} is not on page {page}"


def _links(pdf: Path) -> list[tuple[int, str, int]]:
    import pikepdf

    with pikepdf.open(pdf) as document:
        pages = {page.objgen: number for number, page in enumerate(document.pages, 1)}
        targets = {str(name): pages[dest[0].objgen]
                   for name, dest in pikepdf.NameTree(document.Root.Names.Dests).items()}
        return [(number, str(annot.Dest), targets.get(str(annot.Dest), 0))
                for number, page in enumerate(document.pages, 1) for annot in page.get("/Annots", [])
                if annot.get("/Subtype") == "/Link" and "/Dest" in annot]


def test_links_across_parts_land_where_they_land_in_the_whole_book(books):
    split, whole = books
    links = _links(split)
    assert links == _links(whole)
    across = [(page, dest, target) for page, dest, target in links if page > 3 and dest.startswith("c")
              and "-" not in dest]
    assert len(across) == CHAPTERS, across  # each chapter's link to the next
    assert all(target for _page, _dest, target in links)


def test_one_structure_tree_whose_marked_content_all_resolves(books):
    import pikepdf

    split, whole = books
    with pikepdf.open(split) as document, pikepdf.open(whole) as reference:
        root = document.Root.StructTreeRoot
        assert len(root.K) == 1 and root.K[0].S == "/Document"
        assert len(root.K[0].K) == len(reference.Root.StructTreeRoot.K[0].K)
        assert document.Root.Lang == reference.Root.Lang and document.Root.MarkInfo.Marked
        tree = {int(key): value for key, value in pikepdf.NumberTree(root.ParentTree).items()}
        documents = set()
        for number, page in enumerate(document.pages):
            entry = tree[int(page.obj.StructParents)]
            mcids = {int(operands[1].MCID) for operands, operator in pikepdf.parse_content_stream(page)
                     if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary)
                     and "/MCID" in operands[1]}
            assert mcids <= set(range(len(entry))), f"page {number + 1}: marked content the tree lacks"
            for element in entry:
                while "/P" in element and element.P.get("/Type") == "/StructElem":
                    element = element.P
                documents.add(element.objgen)
            for annot in page.get("/Annots", []):
                assert int(annot.StructParent) in tree
        assert documents == {root.K[0].objgen}, "an element hangs from another Document"
        ids = [str(e.ID) for e in _elements(root.K[0]) if "/ID" in e]
        assert ids and len(ids) == len(set(ids)), "table header IDs are not unique"


def _elements(element):
    stack = [element]
    while stack:
        element = stack.pop()
        if hasattr(element, "get") and element.get("/Type") == "/StructElem":
            yield element
            kids = element.get("/K")
            stack.extend(kids if hasattr(kids, "append") else [kids] if kids is not None else [])


def test_an_edit_to_one_chapter_renders_that_part_and_the_join(books):
    split, _ = books
    root = split.parents[2]
    manifest = root / "output" / ".diglot" / "manifest.json"
    before = json.loads(manifest.read_text(encoding="utf-8"))["outputs"]
    chapter = root / "source" / BOOK / "c05.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("\n## 小节 5.2", "新增一句。\n\n## 小节 5.2", 1), encoding="utf-8")
    out = build(root)
    made = re.findall(r"output/(\S+)\s", out)
    assert [rel for rel in made if rel.startswith(".diglot/parts/")] == [f".diglot/parts/zh-Hans/{BOOK}/005.pdf"]
    assert f"zh-Hans/{BOOK}.pdf" in made
    after = json.loads(manifest.read_text(encoding="utf-8"))["outputs"]
    changed = sorted(rel for rel in after if rel.startswith(".diglot/") and after[rel] != before.get(rel))
    assert changed == [f".diglot/parts/zh-Hans/{BOOK}/005.pdf"]
    assert "新增一句" in "".join(page_texts(split)).replace(" ", "")


def _laid_out_again(root: Path, lang: str, number: int, edit, monkeypatch) -> tuple[int, int]:
    """Lay part ``number`` out again after ``edit`` (a function of the chapter's text), with and
    without the lines the last build kept (diglot.pdf.LineMemory): the same bytes either way; the
    lines WeasyPrint laid out each way. The chapter's text is put back."""
    import weasyprint.layout.inline

    from diglot.builder import _Joins
    from diglot.config import load_config
    from diglot.manifest import Manifest
    from diglot.parts import render_part
    from diglot.pdf import LineMemory
    from diglot.plan import BuildOptions, plan
    from diglot.report import BuildReport, Output
    from diglot.workers import load_edition

    config = load_config(root)
    book = next(job for job in plan(config, BuildOptions(), BuildReport()) if job.rel == f"{lang}/{BOOK}.pdf")
    part = book.parts[number - 1]
    kept = (root / "output" / part.rel).with_suffix(".lines.json").read_bytes()
    assert LineMemory(part.layout, kept).given, "the last build kept no lines under this part's key"
    assert not LineMemory("another layout", kept).given  # (fonts, templates, engines: another key)
    chapter = root / "source" / BOOK / sorted(p.name for p in (root / "source" / BOOK).glob("c*.md"))[number - 1]
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(edit(text), encoding="utf-8")
    try:
        manifest = Manifest.load(root / "output" / ".diglot" / "manifest.json")
        book = next(job for job in plan(config, BuildOptions(), BuildReport()) if job.rel == book.rel)
        tasks = dict(_Joins(config.output_dir, manifest).tasks(book))  # (the build hands each stale part its lines)
        assert [job.lines for job in tasks if job.part == number] == [kept]
        assert [job.lines for job in dict(_Joins(config.output_dir, manifest, reuse=False).tasks(book))] == [b""]
        edition = load_edition(config, BOOK, lang)
        counted = []
        original = weasyprint.layout.inline.split_inline_box
        monkeypatch.setattr(weasyprint.layout.inline, "split_inline_box",
                            lambda *a, **k: counted.append(1) or original(*a, **k))
        sink = Output(root / "output" / "x.pdf", lang, "pdf")
        anew = render_part(edition, config, number, sink)
        fresh = len(counted)
        again = render_part(edition, config, number, sink, LineMemory(part.layout, kept))
        assert again == anew, "the remembered lines made another part than weighing every line"
        return fresh, len(counted) - fresh
    finally:
        chapter.write_text(text, encoding="utf-8")


def test_a_part_laid_out_again_takes_the_lines_of_its_unchanged_paragraphs_from_the_last_build(books, monkeypatch):
    """Each part keeps the lines chosen for its paragraphs (beside its PDF, .lines.json); laid out
    again after an edit, a paragraph whose text, styles and measure are the same is set on the
    same path without weighing every candidate line again: the same bytes as a layout weighing
    everything, edited paragraphs weighed anew, and a note with the very text of a paragraph (a
    smaller size) not taken for it."""
    split, _ = books
    root = split.parents[2]
    paragraphs = _paragraphs()
    paragraph = paragraphs[(4 * 12 + 2) % len(paragraphs)]  # (one of chapter 5's: make_book)

    def edit(text: str) -> str:
        text = text.replace("\n## 小节 5.2", "\n这一段是新的，前后的段落不变。[^m]\n\n## 小节 5.2", 1)
        return text + f"\n[^m]: {paragraph}\n"

    fresh, again = _laid_out_again(root, "zh-Hans", 5, edit, monkeypatch)
    assert again < fresh / 2, (fresh, again)


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_remembered_lines_are_never_another_paragraphs_of_the_same_text(lang, tmp_path):
    """The same text at the same measure in another size (or indent, face, spacing) is another
    paragraph: laid out again with the lines the first layout kept, every paragraph takes its
    own, and the PDF is the same."""
    from diglot.fonts import css_stack
    from diglot.pdf import LineMemory, write_pdf_part

    text = " ".join(_english_paragraphs()[:2]) if lang == "en" else "".join(_paragraphs()[:2])
    css = (f"body {{ font-family: {css_stack(lang, 'serif')}; text-align: justify; hyphens: auto; "
           "font-size: 10pt } .a { font-size: 11pt } .b { text-indent: 2em } .c { letter-spacing: .02em }",)
    html = (f'<html lang="{lang}"><body>' + "".join(f'<p class="{name}">{text}</p>' for name in "-abc-")
            + "</body></html>")
    first = LineMemory("layout")
    anew = write_pdf_part(html, [], tmp_path, [tmp_path], css_strings=css, lines=first)[0]
    kept = first.dumps()
    again = write_pdf_part(html, [], tmp_path, [tmp_path], css_strings=css, lines=LineMemory("layout", kept))[0]
    assert len(LineMemory("layout", kept).given) == 4  # (the last paragraph is the first one again)
    assert again == anew


def _folios(pdf: Path) -> list[str]:
    """Each page's last line of text: its folio (the title page has none)."""
    return [next((line.strip() for line in reversed(page.splitlines()) if line.strip()), "")
            for page in page_texts(pdf)[:-1]]


def _contents(pdf: Path) -> list[tuple[str, int]]:
    texts = page_texts(pdf)
    return [(m.group(1).strip(), int(m.group(2))) for page in texts[1:4] for m in
            re.finditer(r"(第\d+部分|小节 [\d.]+)\s*\.{3,}\s*(\d+)\s*$", page, re.M)]


def test_an_edit_that_moves_pages_lays_out_the_contents_and_folios_again(books):
    """The join keeps its front matter and folios for the next join (parts/front-*.pdf,
    folios-*.pdf): after an edit that makes a chapter a page longer, every later heading's number
    in the contents and every folio is the page's own, not the last join's."""
    split, _ = books
    root = split.parents[2]
    folder = root / "output" / ".diglot" / "parts" / "zh-Hans" / BOOK
    assert [len(list(folder.glob(f"{name}-*.pdf"))) for name in ("front", "folios")] == [1, 1]
    pages, contents = len(page_texts(split)), _contents(split)
    chapter = root / "source" / BOOK / "c07.md"
    text = chapter.read_text(encoding="utf-8")
    added = "\n\n".join(_paragraphs()[:8])
    chapter.write_text(text.replace("\n## 小节 7.2", f"\n{added}\n\n## 小节 7.2", 1), encoding="utf-8")
    build(root)
    assert len(page_texts(split)) > pages
    after = _contents(split)
    assert len(after) == len(contents) and after != contents
    texts = page_texts(split)
    for title, page in after:
        assert re.sub(r"\s", "", title) in re.sub(r"\s", "", texts[page - 1]), f"{title} is not on page {page}"
    folios = _folios(split)
    assert all(folio == str(number) for number, folio in enumerate(folios, 1) if folio.isdigit())
    assert sum(folio.isdigit() for folio in folios) > len(folios) * 0.8
    assert [len(list(folder.glob(f"{name}-*.pdf"))) for name in ("front", "folios")] == [1, 1]  # the old gone


def test_the_join_takes_the_front_matters_length_from_the_last_join_and_makes_the_same_book(books, monkeypatch):
    """The front matter's length is known only once it is laid out with the parts' page numbers:
    a join guesses it, and lays it out again when wrong. The manifest keeps the last join's
    length, and the next join (an edit to one chapter) guesses that: one layout instead of two,
    and byte for byte the book a join guessing nothing makes."""
    import diglot.parts
    from diglot.config import load_config
    from diglot.report import Output
    from diglot.workers import load_edition

    split, _ = books
    root = split.parents[2]
    entry = json.loads((root / "output" / ".diglot" / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    front = entry[f"zh-Hans/{BOOK}.pdf"]["front_pages"]
    config = load_config(root)
    edition = load_edition(config, BOOK, "zh-Hans")
    parts = [(root / "output" / ".diglot" / "parts" / "zh-Hans" / BOOK / f"{n:03d}.pdf").read_bytes()
             for n in range(1, CHAPTERS + 1)]
    layouts = []
    original = diglot.parts.write_pdf_part
    monkeypatch.setattr(diglot.parts, "write_pdf_part", lambda *a, **k: layouts.append(k.get("pages")) or
                        original(*a, **k))

    def join(guess: int) -> tuple[bytes, int, int]:
        layouts.clear()
        data, length, _pieces = diglot.parts.join_book(edition, config, parts, Output(split, "zh-Hans", "pdf"),
                                                       guess)
        return data, length, len(layouts)

    unguessed, guessed = join(0), join(front)
    assert front > 2 and unguessed[1] == guessed[1] == front  # title page and more than a page of contents
    assert (unguessed[2], guessed[2]) == (2, 1)
    assert guessed[0] == unguessed[0]


def test_a_first_join_is_given_the_front_matters_length_by_the_first_part(books):
    """With no last join to learn from (a first build, --force) the first part guesses the front
    matter's length beside the other parts, laid out with every number as wide as the book's last
    page will about be: the guess is the length the join found (the manifest's), so the join
    lays its front matter out once."""
    from diglot.config import load_config
    from diglot.parts import front_length
    from diglot.workers import load_edition

    split, _ = books
    root = split.parents[2]
    entry = json.loads((root / "output" / ".diglot" / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    config = load_config(root)
    edition = load_edition(config, BOOK, "zh-Hans")
    first = (root / "output" / ".diglot" / "parts" / "zh-Hans" / BOOK / "001.pdf").read_bytes()
    assert front_length(edition, config, first) == entry[f"zh-Hans/{BOOK}.pdf"]["front_pages"] > 2


def test_the_join_lays_out_its_front_matter_and_folios_again_only_when_what_they_show_moved(books, monkeypatch):
    """A join keeps what it laid out besides the parts (the front matter, the folios) under the key
    of what they were laid out from; the next join uses them where the key holds (an edit that
    moves no page number), byte for byte the book laid out anew, and lays them out again when
    anything they are made from differs."""
    import diglot.parts
    from diglot.config import load_config
    from diglot.report import Output
    from diglot.workers import load_edition

    split, _ = books
    root = split.parents[2]
    config = load_config(root)
    edition = load_edition(config, BOOK, "zh-Hans")
    parts = [(root / "output" / ".diglot" / "parts" / "zh-Hans" / BOOK / f"{n:03d}.pdf").read_bytes()
             for n in range(1, CHAPTERS + 1)]
    laid_out = []
    for name in ("write_pdf_part", "write_folios"):
        original = getattr(diglot.parts, name)
        monkeypatch.setattr(diglot.parts, name, lambda *a, _name=name, _original=original, **k:
                            laid_out.append(_name) or _original(*a, **k))

    def join(parts, layout, pieces=()):
        laid_out.clear()
        data, _length, made = diglot.parts.join_book(edition, config, parts, Output(split, "zh-Hans", "pdf"), 0,
                                                     layout, pieces)
        return data, sorted(laid_out), made

    anew, laid, pieces = join(parts, "layout A")
    assert laid == ["write_folios", "write_pdf_part", "write_pdf_part"]  # (the guess of 2 pages is short)
    assert sorted(name for name, _key, _data in pieces) == ["folios", "front"]
    again = join(parts, "layout A", pieces)
    assert again == (anew, [], ())  # nothing laid out, the same bytes
    other = join(parts, "layout B", pieces)  # e.g. another stylesheet: its keys differ
    assert other[0] == anew and other[1] == ["write_folios", "write_pdf_part"]  # (its length guessed right)
    assert join(parts, "", pieces)[1] == laid  # without a layout key nothing is used again


def _english_paragraphs() -> list[str]:
    """The English catalogue's longer translations: English text in the Latin (TrueType) faces."""
    import babel.messages.pofile

    with (REPO / "translations" / "en" / "LC_MESSAGES" / "igf-2018-cybersecurity.po").open("rb") as handle:
        catalog = babel.messages.pofile.read_po(handle)
    return [m.string for m in catalog if m.id and isinstance(m.string, str) and len(m.string) > 120
            and not re.search(r"[\[\]<>*_`#]", m.string)]


def test_an_english_book_in_parts_embeds_each_face_once_and_draws_the_same_pages(tmp_path):
    """The Latin faces are TrueType subsets keeping glyph ids, each naming its glyphs its own way:
    merged by glyph id, one font per face as in the whole render, every page the same image."""
    paragraphs = _english_paragraphs()
    pdfs = {}
    for mode in ("always", "never"):
        root = book_project(tmp_path / mode, "en", mode)
        names = [f"c{number}.md" for number in range(1, 4)]
        (root / "source" / BOOK / "book.yaml").write_text(
            "title: A Long Book\nlang: en\nchapters:\n" + "".join(f"  - {name}\n" for name in names), encoding="utf-8")
        for number, name in enumerate(names, start=1):
            body = "\n\n".join(f"## Part {number}.{k // 4 + 1}\n\n{text}" if k % 4 == 0 else text
                               for k, text in enumerate(paragraphs[number::2] * 2))
            (root / "source" / BOOK / name).write_text(f"---\ntitle: Chapter {number}\n---\n\n*Opening.* {body}\n",
                                                       encoding="utf-8")
        build(root)
        pdfs[mode] = root / "output" / "en" / f"{BOOK}.pdf"
    fonts = {mode: sorted(line.split()[0] for line in subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:])
        for mode, pdf in pdfs.items()}
    assert fonts["always"] == fonts["never"] and len(set(fonts["always"])) == len(fonts["always"]) >= 2, fonts
    images = {}
    for mode, pdf in pdfs.items():
        subprocess.run(["pdftoppm", "-r", "50", "-gray", "-aa", "no", "-aaVector", "no", str(pdf),
                        str(tmp_path / mode)], check=True)
        images[mode] = sorted(tmp_path.glob(f"{mode}-*.pgm"))
    assert len(images["always"]) == len(images["never"]) > 6
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(images["always"], images["never"]))


def test_an_english_part_laid_out_again_takes_its_unchanged_paragraphs_lines_from_the_last_build(tmp_path,
                                                                                                 monkeypatch):
    """Justified Latin lines (word spaces, hyphens, runs of hyphenated lines) remembered as the
    Chinese ones: the same bytes as weighing every line, far fewer lines laid out."""
    paragraphs = _english_paragraphs()
    root = book_project(tmp_path, "en", "always")
    names = ["c1.md", "c2.md"]
    (root / "source" / BOOK / "book.yaml").write_text(
        "title: A Long Book\nlang: en\nchapters:\n" + "".join(f"  - {name}\n" for name in names), encoding="utf-8")
    for number, name in enumerate(names, start=1):
        body = "\n\n".join(f"## Part {number}.{k // 4 + 1}\n\n{text}" if k % 4 == 0 else text
                           for k, text in enumerate(paragraphs[number::2]))
        (root / "source" / BOOK / name).write_text(f"---\ntitle: Chapter {number}\n---\n\n{body}\n", encoding="utf-8")
    build(root)

    def edit(text: str) -> str:  # one paragraph's words changed
        return text.replace(paragraphs[4], "A paragraph rewritten: " + paragraphs[4][::-1].swapcase(), 1)

    fresh, again = _laid_out_again(root, "en", 2, edit, monkeypatch)
    assert again < fresh / 2, (fresh, again)
