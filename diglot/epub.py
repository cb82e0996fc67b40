"""Pandoc Markdown → EPUB 3 through pypandoc: the only module that imports it.

Untrusted text is parsed in pandoc's ``--sandbox`` (which cannot read ``--css``), checked, then written.
"""

# The design, in full: pandoc parses the untrusted Markdown with --sandbox and a reader
# without raw HTML into its AST; check_ast refuses raw markup and anything that would leave
# the book; only then a second pandoc run, not sandboxed, writes the EPUB with our
# stylesheets, cover and fonts. finish_epub then adds what pandoc cannot write: schema.org
# accessibility metadata (--epub-metadata keeps only dc:* elements), a dc:language for each
# language of the text, landmarks in the book's language (pandoc's are English), chapter
# titles, note numbers running through the book (pandoc's restart in each chapter) and
# notes' links back.

from __future__ import annotations

import html
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path
from typing import Callable, Iterable

from .errors import DiglotError

READER = ("commonmark+footnotes+fenced_divs+bracketed_spans+attributes+pipe_tables+definition_lists+task_lists"
          "+strikeout+subscript+superscript-raw_html")
#: Stands for a hard line break inside a segment's one-line Markdown (U+2028 LINE SEPARATOR):
#: a backslash and a newline would end the line a list item's indentation depends on.
HARD_BREAK = "\u2028"


@dataclass(frozen=True)
class Accessibility:
    """schema.org accessibility metadata (EPUB Accessibility 1.1 discovery metadata)."""

    summary: str
    modes: tuple[str, ...] = ("textual",)
    sufficient: tuple[str, ...] = ("textual",)
    features: tuple[str, ...] = ("tableOfContents", "structuralNavigation", "readingOrder",
                                 "displayTransformability")
    hazards: tuple[str, ...] = ("none",)
    #: A conformance claim ("EPUB Accessibility 1.1 - WCAG 2.1 Level AA") states that someone
    #: evaluated the book; Diglot makes none unless told who did (certified_by).
    conforms_to: str = ""
    certified_by: str = ""


@dataclass(frozen=True)
class Finish:
    """What the last pass writes into pandoc's EPUB."""

    labels: dict  # cover, cover_alt, titlepage, toc, bodymatter (in the book's language)
    accessibility: Accessibility
    #: Languages of the text besides the book's own (the English of a bilingual book): more dc:language.
    languages: tuple[str, ...] = ()
    #: The number each note call shows, in reading order; empty: pandoc's, which restart in each chapter.
    note_numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Book:
    """Everything the second (trusted) pandoc run needs besides the checked AST."""

    metadata: dict  # strings, lists and maps of strings: literal, never read as Markdown
    stylesheets: tuple[Path, ...]
    finish: Finish
    cover_png: bytes = b""  # the cover image (diglot.cover), also the book's first page
    fonts: tuple[Path, ...] = ()
    images: frozenset[str] = frozenset()  # the figures' files (sanitized copies): the only images allowed
    toc_depth: int = 2  # heading levels of the navigation document
    extra_css: str = ""  # e.g. @font-face rules for embedded fonts
    transform: Callable[[dict], dict] | None = None  # applied to the checked AST
    #: Note label → the number the PDF and the web page give it, so the book numbers notes through.
    note_numbers: dict[str, int] = field(default_factory=dict)


def write_epub(markdown: str, book: Book) -> bytes:
    """Return the EPUB 3 bytes for ``markdown`` (pandoc Markdown from templates/epub/book.md.j2)."""
    import pypandoc

    with tempfile.TemporaryDirectory(prefix="diglot-epub-") as tmp:
        tmpdir = Path(tmp)
        args = _writer_args(book, tmpdir)
        out = tmpdir / "book.epub"
        try:
            ast = json.loads(pypandoc.convert_text(markdown, "json", format=READER, extra_args=["--sandbox"]))
            check_ast(ast, book.images)
            ast = structure(ast)
            if book.transform is not None:
                ast = book.transform(ast)
            ast["meta"] = {**ast.get("meta", {}), **_meta_values(book.metadata)}
            pypandoc.convert_text(json.dumps(ast), "epub3", format="json", outputfile=str(out), extra_args=args)
        except RuntimeError as exc:
            raise DiglotError(f"pandoc failed: {str(exc).strip()}") from None
        finish = book.finish
        if book.note_numbers:
            finish = replace(finish, note_numbers=tuple(book.note_numbers[label] for label in note_calls(markdown)))
        return finish_epub(out.read_bytes(), finish)


#: A note call in pandoc Markdown (``[^label]``, not an escaped bracket).
NOTE_CALL = re.compile(r"(?<!\\)\[\^([^\]\s]+)\]")


def note_calls(markdown: str) -> list[str]:
    """The labels of the note calls in ``markdown``, in reading order: every ``[^label]`` but
    the definitions, which start a line with ``[^label]:``."""
    return [m.group(1) for m in NOTE_CALL.finditer(markdown)
            if not (markdown[m.end():m.end() + 1] == ":" and (m.start() == 0 or markdown[m.start() - 1] == "\n"))]


def _meta_values(metadata: dict) -> dict:
    """Pandoc AST metadata: MetaString values, which pandoc never parses as Markdown (a
    --metadata-file would be, in the run that is not sandboxed)."""

    def value(item):
        if isinstance(item, (list, tuple)):
            return {"t": "MetaList", "c": [value(i) for i in item]}
        if isinstance(item, dict):
            return {"t": "MetaMap", "c": {key: value(v) for key, v in item.items()}}
        return {"t": "MetaString", "c": str(item)}

    return {key: value(item) for key, item in metadata.items() if item}


def _writer_args(book: Book, tmpdir: Path) -> list[str]:
    # --quiet: pandoc warns of its own term translations missing for a language (zh-HK); ours are set.
    args = ["--quiet", "--split-level=1", "--toc", f"--toc-depth={book.toc_depth}",
            "--epub-title-page=false", *(f"--css={sheet}" for sheet in book.stylesheets)]
    if book.extra_css:
        extra = tmpdir / "fonts.css"
        extra.write_text(book.extra_css, encoding="utf-8")
        args.append(f"--css={extra}")
    if book.cover_png:
        cover = tmpdir / "cover.png"
        cover.write_bytes(book.cover_png)
        args.append(f"--epub-cover-image={cover}")
    return args + [f"--epub-embed-font={font}" for font in book.fonts]


def pandoc_version() -> str:
    import pypandoc

    return pypandoc.get_pandoc_version()


SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:", "#")


def check_ast(node, images: frozenset[str] = frozenset()) -> None:
    """Refuse raw markup, any image but the figures' own files, and any link pandoc would
    follow off the book."""
    if isinstance(node, list):
        for child in node:
            check_ast(child, images)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("t")
    if kind in ("RawBlock", "RawInline"):
        raise DiglotError("raw markup is not allowed in an e-book")
    if kind == "Image" and node["c"][2][0] not in images:
        raise DiglotError(f"image {node['c'][2][0]!r}: only a figure of the source may show an image")
    if kind == "Link" and not node["c"][2][0].lower().startswith(SAFE_LINK_SCHEMES):
        raise DiglotError(f"link target {node['c'][2][0]!r} is not allowed in an e-book")
    if kind in _WITH_ATTR:
        _check_attributes(node["c"][_WITH_ATTR[kind]], kind)
    for value in node.values():
        if isinstance(value, (list, dict)):
            check_ast(value, images)


#: Pandoc AST elements with attributes (id, classes, key-value pairs), and where they are.
_WITH_ATTR = {"Span": 0, "Div": 0, "Header": 1, "Link": 0, "Image": 0, "Code": 0, "CodeBlock": 0, "Table": 0,
              "Figure": 0}
#: The only key-value attributes in the e-book's AST: those Diglot writes into its Markdown, and
#: pandoc's own ``wrapper`` (a span its reader made around one element; not written out).
ALLOWED_ATTRIBUTES = ("lang", "dir", "epub:type", "wrapper")


def _check_attributes(attr, kind: str) -> None:
    """An attribute Diglot did not set (onclick=, style=…) would be live in the e-book."""
    if not isinstance(attr, list) or len(attr) != 3:
        return
    for key, _value in attr[2]:
        if key not in ALLOWED_ATTRIBUTES:
            raise DiglotError(f"attribute {key!r} on a {kind} is not allowed in an e-book (text stays text)")


# --- Diglot's structure in pandoc's terms ------------------------------------------------

def structure(ast: dict) -> dict:
    """What the Markdown cannot say directly: a `.table-caption` div becomes the caption (and id)
    of the table before it, a `.figure` div a Figure with its caption, U+2028 a line break."""
    ast["blocks"] = _structure_blocks(ast["blocks"])
    return ast


def _structure_blocks(blocks: list) -> list:
    out: list = []
    for block in blocks:
        block = _structure_children(block)
        if _div_with(block, "table-caption") and out and out[-1].get("t") == "Table":
            out[-1]["c"][0][0] = block["c"][0][0]  # the caption's id: the table's anchor
            out[-1]["c"][1] = [None, [_as_plain(b) for b in block["c"][1]]]
            continue
        if _div_with(block, "figure"):
            block = _figure(block)
        out.append(block)
    return out


def _div_with(block, name: str) -> bool:
    return isinstance(block, dict) and block.get("t") == "Div" and name in block["c"][0][1]


def _as_plain(block: dict) -> dict:
    return {"t": "Plain", "c": block["c"]} if block.get("t") == "Para" else block


def _figure(div: dict) -> dict:
    """Div.figure [Para [Image], Para caption?] → Figure (pandoc writes <figure> and <figcaption>)."""
    attr, content = div["c"]
    image = next(b for b in content if b.get("t") in ("Para", "Plain"))
    caption = [_as_plain(b) for b in content if b is not image]
    return {"t": "Figure", "c": [[attr[0], [], []], [None, caption], [_as_plain(image)]]}


def _structure_children(node):
    if isinstance(node, list):
        if node and all(isinstance(item, dict) and "t" in item for item in node):
            node = _hard_breaks(node)
            if any(item.get("t") in ("Div", "Table", "Para", "Plain", "Header") for item in node):
                return _structure_blocks(node)
        return [_structure_children(item) for item in node]
    if isinstance(node, dict):
        return {key: _structure_children(value) for key, value in node.items()}
    return node


def _hard_breaks(inlines: list) -> list:
    out = []
    for item in inlines:
        if item.get("t") == "Str" and HARD_BREAK in item["c"]:
            parts = item["c"].split(HARD_BREAK)
            for index, part in enumerate(parts):
                if index:
                    out.append({"t": "LineBreak"})
                if part:
                    out.append({"t": "Str", "c": part})
        else:
            out.append(item)
    return out


# --- AST transforms -------------------------------------------------------------------

#: One or two ASCII digits standing alone (not part of a longer number or a Latin word).
SHORT_NUMBER = re.compile(r"(?<![0-9A-Za-z.,:/])[0-9]{1,2}(?![0-9A-Za-z.,:/%])")


def upright_short_numbers(ast: dict) -> dict:
    """Wrap one- and two-digit numbers in ``Span .tcy`` (tate-chu-yoko in vertical text).

    Link texts and code are left alone: their digits belong to addresses.
    """
    ast["blocks"] = _tcy_walk(ast["blocks"])
    return ast


def _tcy_walk(node):
    if isinstance(node, list):
        out = []
        for child in node:
            replaced = _tcy_str(child) if isinstance(child, dict) and child.get("t") == "Str" else None
            if replaced is None:
                out.append(_tcy_walk(child))
            else:
                out.extend(replaced)
        return out
    if isinstance(node, dict):
        if node.get("t") in ("Link", "Code", "CodeBlock", "Math"):
            return node
        return {key: _tcy_walk(value) for key, value in node.items()}
    return node


def _tcy_str(node: dict) -> list[dict] | None:
    text = node["c"]
    if not SHORT_NUMBER.search(text):
        return None
    pieces, last = [], 0
    for match in SHORT_NUMBER.finditer(text):
        if match.start() > last:
            pieces.append({"t": "Str", "c": text[last:match.start()]})
        pieces.append({"t": "Span", "c": [["", ["tcy"], []], [{"t": "Str", "c": match.group()}]]})
        last = match.end()
    if last < len(text):
        pieces.append({"t": "Str", "c": text[last:]})
    return pieces


# --- the last pass: what pandoc cannot write ----------------------------------------

def finish_epub(data: bytes, finish: Finish) -> bytes:
    """Rewrite pandoc's package document, navigation, cover and chapters (see module docstring)."""
    source = zipfile.ZipFile(BytesIO(data))
    names = source.namelist()
    chapters = sorted(n for n in names if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", n))
    has_cover = "EPUB/text/cover.xhtml" in names
    if not chapters or names[0] != "mimetype":
        raise DiglotError("pandoc wrote an EPUB Diglot does not recognise (no chapters or no mimetype first)")
    texts = {name: source.read(name).decode("utf-8") for name in chapters}
    numbers = _numbers_by_chapter(texts, finish.note_numbers)
    rewrite = {
        "EPUB/content.opf": lambda text: _package(text, finish, has_cover),
        "EPUB/nav.xhtml": lambda text: _nav(text, finish.labels, chapters, has_cover),
        "EPUB/text/cover.xhtml": lambda text: _cover(text, finish.labels),
        **{name: lambda text, name=name: _chapter(text, numbers.get(name)) for name in chapters},
    }
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in rewrite:
                content = rewrite[info.filename](content.decode("utf-8")).encode("utf-8")
            compress = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            book.writestr(info, content, compress_type=compress)
    return out.getvalue()


def _sub(pattern: str, replacement, text: str, what: str, count: int = 0, flags: int = 0) -> str:
    """re.sub that fails loudly when pandoc's output no longer has what we rewrite."""
    result, n = re.subn(pattern, replacement, text, count=count, flags=flags)
    if n == 0:
        raise DiglotError(f"pandoc {pandoc_version()} wrote no {what}; diglot/epub.py must be updated for it")
    return result


def _package(opf: str, finish: Finish, has_cover: bool) -> str:
    a11y = finish.accessibility
    opf = re.sub(r'\s*<meta property="schema:[^"]+">[^<]*</meta>', "", opf)
    if finish.languages:
        others = "".join(f"\n    <dc:language>{html.escape(lang)}</dc:language>" for lang in finish.languages)
        opf = _sub(r"<dc:language>[^<]*</dc:language>", lambda m: m.group(0) + others, opf, "dc:language", 1)
    if has_cover:
        # EPUB 2's pointer to the cover image, which older readers (and some stores' tools) still look for.
        cover = re.search(r'<item properties="cover-image" id="([^"]+)"', opf)
        if cover:
            pointer = f'<meta name="cover" content="{cover.group(1)}" />'
            opf = _sub(r"(\s*)</metadata>", lambda m: f"{m.group(1)}  {pointer}{m.group(0)}", opf, "</metadata>", 1)
    opf = _sub(r"(\s*)</metadata>", lambda m: _a11y_meta(a11y, has_cover) + m.group(0), opf, "</metadata>", 1)
    # Reading order: cover, title page, contents, text (pandoc puts the contents before the title page).
    opf = _sub(r'(\s*<itemref idref="nav" />)(\s*<itemref idref="ch001_xhtml" />)', r"\2\1", opf, "spine")
    if has_cover:
        opf = re.sub(r'(<reference type="cover" title=")[^"]*(")', lambda m: m.group(1) + _attr(
            finish.labels["cover"]) + m.group(2), opf)
    return opf


def _a11y_meta(a11y: Accessibility, has_cover: bool) -> str:
    modes = (*a11y.modes, "visual") if has_cover and "visual" not in a11y.modes else a11y.modes
    features = (*a11y.features, "alternativeText") if has_cover else a11y.features
    entries = [("schema:accessMode", m) for m in modes]
    entries += [("schema:accessModeSufficient", ",".join(a11y.sufficient))]
    entries += [("schema:accessibilityFeature", f) for f in features]
    entries += [("schema:accessibilityHazard", h) for h in a11y.hazards]
    entries += [("schema:accessibilitySummary", a11y.summary)]
    if a11y.conforms_to and a11y.certified_by:
        entries += [("dcterms:conformsTo", a11y.conforms_to), ("a11y:certifiedBy", a11y.certified_by)]
    return "".join(f'\n    <meta property="{prop}">{html.escape(value, quote=False)}</meta>'
                   for prop, value in entries)


def _nav(nav: str, labels: dict, chapters: list[str], has_cover: bool) -> str:
    items = []
    if has_cover:
        items.append(("text/cover.xhtml", "cover", labels["cover"]))
    items.append((chapters[0].removeprefix("EPUB/"), "titlepage", labels["titlepage"]))
    items.append(("#toc", "toc", labels["toc"]))
    if len(chapters) > 1:
        items.append((chapters[1].removeprefix("EPUB/"), "bodymatter", labels["bodymatter"]))
    landmarks = "".join(f'\n    <li><a href="{href}" epub:type="{kind}">{html.escape(label)}</a></li>'
                        for href, kind, label in items)
    replacement = (f'<nav epub:type="landmarks" id="landmarks" aria-label="{_attr(labels["landmarks"])}" '
                   f'hidden="hidden">\n  <ol>{landmarks}\n  </ol>\n</nav>')
    nav = _sub(r'<nav epub:type="landmarks".*?</nav>', lambda _m: replacement, nav, "landmarks", 1, re.S)
    return _sub(r"<title>[^<]*</title>", lambda _m: f"<title>{html.escape(labels['toc'])}</title>", nav,
                "<title>", 1)


def _cover(xhtml: str, labels: dict) -> str:
    alt = _attr(labels["cover_alt"])
    xhtml = _sub(r"<svg ", f'<svg role="img" aria-label="{alt}" ', xhtml, "cover <svg>", 1)
    return _sub(r"<title>[^<]*</title>", lambda _m: f"<title>{html.escape(labels['cover'])}</title>", xhtml,
                "<title>", 1)


#: pandoc's note call: its note's number in the chapter (group 2) and the number it shows.
NOTEREF = re.compile(r'(<a href="#fn(\d+)" class="footnote-ref" id="fnref\d+" epub:type="noteref"[^>]*>)'
                     r"(?:<sup>)?\d+(?:</sup>)?(</a>)")


def _numbers_by_chapter(chapters: dict[str, str], numbers: tuple[int, ...]) -> dict[str, dict[str, int]]:
    """Chapter → (pandoc's note number → the number to show): ``numbers`` dealt out in reading order."""
    if not numbers:
        return {}
    found = {name: [m.group(2) for m in NOTEREF.finditer(text)] for name, text in sorted(chapters.items())}
    if sum(map(len, found.values())) != len(numbers):
        raise DiglotError(f"pandoc {pandoc_version()} wrote {sum(map(len, found.values()))} note calls for "
                          f"{len(numbers)} in the text; diglot/epub.py must be updated for it")
    dealt, start = {}, 0
    for name, refs in found.items():
        dealt[name] = dict(zip(refs, numbers[start:start + len(refs)]))
        start += len(refs)
    return dealt


def _chapter(xhtml: str, numbers: dict[str, int] | None = None) -> str:
    """Title each chapter by its heading (pandoc writes 'ch003.xhtml'), number its notes as the PDF
    does (``numbers``: pandoc's number → shown number), and link notes back."""
    if numbers:
        xhtml = NOTEREF.sub(lambda m: f"{m.group(1)}{numbers[m.group(2)]}{m.group(3)}", xhtml)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", xhtml, re.S)
    if heading:
        inner = re.sub(r'<a [^>]*epub:type="noteref".*?</a>', "", heading.group(1), flags=re.S).strip()
        title = html.escape(html.unescape(re.sub(r"<[^>]+>", "", inner)).strip())
        # A heading shown in another language (a fallback span) keeps that language in the title.
        other = re.fullmatch(r'<span [^>]*\blang="([^"]+)"[^>]*>.*</span>', inner, re.S)
        lang = f' lang="{other.group(1)}" xml:lang="{other.group(1)}"' if other else ""
        xhtml = _sub(r"<title>[^<]*</title>", lambda _m: f"<title{lang}>{title}</title>", xhtml, "<title>", 1)
    xhtml = re.sub(r'(<aside epub:type="footnote" role="doc-footnote" id="fn(\d+)">\s*)(<p>)?',
                   lambda m: _backlink(m, numbers or {}), xhtml)
    return _one_note_per_number(xhtml, numbers or {})


_ASIDE = re.compile(r'\s*<aside epub:type="footnote" role="doc-footnote" id="fn(\d+)">(.*?)</aside>', re.S)


def _one_note_per_number(xhtml: str, numbers: dict[str, int]) -> str:
    """A note called twice is one note: pandoc writes a note for each call; the later ones with the
    same number and text are dropped and their calls lead to the first (as on the web page)."""
    bodies = {m.group(1): re.sub(r'<a href="#fnref\d+"[^>]*>.*?</a>', "", m.group(2), flags=re.S)
              for m in _ASIDE.finditer(xhtml)}
    first: dict[tuple, str] = {}
    again: dict[str, str] = {}
    for note, body in bodies.items():
        key = (numbers.get(note, note), body)
        if key in first:
            again[note] = first[key]
        else:
            first[key] = note
    if not again:
        return xhtml
    xhtml = _ASIDE.sub(lambda m: "" if m.group(1) in again else m.group(0), xhtml)
    return re.sub(r'href="#fn(\d+)"', lambda m: f'href="#fn{again.get(m.group(1), m.group(1))}"', xhtml)


def _backlink(match: re.Match, numbers: dict[str, int]) -> str:
    number = match.group(2)
    link = f'<a href="#fnref{number}" class="footnote-back" role="doc-backlink">{numbers.get(number, number)}</a>. '
    return match.group(1) + (f"<p>{link}" if match.group(3) else f"<p>{link}</p>\n")


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


# --- embedded fonts -----------------------------------------------------------------

def subset_font(path: str, index: int, text: Iterable[str], dest: Path) -> Path:
    """Write a WOFF subset of one face (``index`` in a collection) with just the glyphs for ``text``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()  # default features include vertical alternates and CJK spacing (halt, chws)
    options.flavor = "woff"
    options.name_IDs = ["*"]  # keep the copyright and licence records (SIL OFL)
    options.name_languages = ["*"]
    font = TTFont(path, fontNumber=index, lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(text))
    subsetter.subset(font)
    font.flavor = "woff"
    font.save(str(dest))
    return dest


def cover_of(book: bytes) -> bytes:
    """The cover image of an EPUB (its manifest's cover-image item)."""
    with zipfile.ZipFile(BytesIO(book)) as archive:
        opf = archive.read("EPUB/content.opf").decode("utf-8")
        item = re.search(r'<item [^>]*properties="cover-image"[^>]*>', opf)
        href = re.search(r'href="([^"]+)"', item.group(0)) if item else None
        if href is None:
            raise DiglotError("the e-book has no cover image")
        return archive.read("EPUB/" + href.group(1))
