"""Jinja rendering: one environment per language, inline Markdown to safe HTML.

Inline Markdown becomes HTML here, after translation, with raw HTML off:
every segment's text, source or translated, is escaped. UI strings come
through Jinja's i18n extension from the catalogues, escaped too (the
extension would otherwise mark each translation as safe markup).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from babel.dates import format_skeleton
from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from .errors import DiglotError
from .languages import language, locale_of, name_of
from .model import FOOTNOTE_REF, Document, Node, Segment, plain_title

SAFE_SCHEMES = ("http:", "https:", "mailto:", "#")


def language_name(lang: str, in_lang: str | None = None) -> str:
    """The language's name (its autonym by default), from the registry (CLDR)."""
    return name_of(lang, in_lang)


def format_date(doc: Document, lang: str) -> str:
    """The document's date as a reader of ``lang`` writes it (2018年11月 / November 2018)."""
    meta = doc.meta
    if meta.date is None:
        return ""
    skeleton = {4: "y", 7: "yMMMM"}.get(len(meta.date_text), "yMMMMd")
    return format_skeleton(skeleton, meta.date, locale=locale_of(lang))


class InlineRenderer:
    """Inline Markdown → HTML for one edition; footnote calls rendered per medium."""

    def __init__(self, doc: Document, footnote_call: Callable[[str, int], str]):
        self.doc = doc
        self.numbers = doc.footnote_numbers()
        self._footnote_call = footnote_call
        from .syntax import text_parser

        md = text_parser()  # notes are placed by the templates, per medium
        md.validateLink = _safe_link
        md.add_render_rule("footnote_ref", lambda _renderer, tokens, idx, _options, _env: self._render_ref(tokens, idx))
        self.md = md

    def __call__(self, seg: Segment) -> Markup:
        env = {"footnotes": {"refs": {f":{label}": -1 for label in self.numbers}}}
        return Markup(self.md.renderInline(seg.text, env))

    def _render_ref(self, tokens, idx) -> str:
        label = tokens[idx].meta["label"]
        return self._footnote_call(label, self.numbers.get(label, 0))


def _safe_link(url: str) -> bool:
    lowered = url.strip().lower()
    return lowered.startswith(SAFE_SCHEMES) or ":" not in lowered.split("/", 1)[0]


class ConfinedLoader(FileSystemLoader):
    """Templates from ``templates/`` only: a template (or one it includes or extends) that is a
    symbolic link leading out of the project, or not a regular file, is refused, not read."""

    def __init__(self, templates: Path, root: Path):
        super().__init__(str(templates))
        self.templates, self.root = templates, root

    def get_source(self, environment, template):
        from jinja2.loaders import split_template_path

        path = self.templates.joinpath(*split_template_path(template))
        if path.exists() or path.is_symlink():
            from .safety import confined

            confined(path, self.root)
        return super().get_source(environment, template)


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, not once per render (each render makes its own
    Environment, with its own UI strings): Jinja checks each against its source's checksum, so
    an edited template is compiled again. About 50 ms of every PDF's render."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def get_bucket(self, environment, name, filename, source) -> Bucket:
        # (compiled apart with and without UI strings installed: new-style gettext compiles otherwise)
        key = f"{self.get_cache_key(name, filename)}|{getattr(environment, 'newstyle_gettext', False)}"
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def make_environment(templates: Path, root: Path | None = None) -> Environment:
    env = Environment(
        bytecode_cache=_COMPILED,
        loader=ConfinedLoader(templates, root if root is not None else templates.parent),
        autoescape=lambda name: bool(name) and not name.endswith((".md.j2", ".css", ".css.j2", ".txt")),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plain_title"] = plain_title
    env.filters["e_md"] = escape_markdown
    return env


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown punctuation in plain text (publisher names, dates)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~^$@])", r"\\\1", str(text))


def install_translations(env: Environment, translations) -> None:
    """UI strings, escaped: a translated '<script>' stays text."""

    def gettext(message: str) -> str:
        return str(escape(translations.gettext(message)))

    def ngettext(singular: str, plural: str, n: int) -> str:
        return str(escape(translations.ngettext(singular, plural, n)))

    env.install_gettext_callables(gettext, ngettext, newstyle=True)


def text_languages(doc: Document) -> list[str]:
    """The edition's language, then every other language its text holds (fallbacks, the source),
    and the symbols Diglot sets itself (languages.SYMBOLS)."""
    from .languages import SYMBOLS

    return list(dict.fromkeys([doc.lang, *(seg.lang for seg in doc.segments), doc.meta.lang, SYMBOLS]))


def language_css(env: Environment, templates: Path, medium: str, langs) -> str:
    """The per-language rules of a medium (faces, justification, hyphenation, indents) from
    ``templates/_languages.css.j2``, for ``langs``: the edition's first, then every language
    its text may hold (fallback text, the other half of a bilingual edition)."""
    from . import fonts

    langs = list(dict.fromkeys(langs))
    entries = [{"lang": language(tag), "serif": fonts.css_stack(tag, "serif", langs),
                "sans": fonts.css_stack(tag, "sans", langs), "mono": fonts.css_stack(tag, "mono", langs)}
               for tag in langs]
    return render_template(env, "_languages.css.j2", templates, medium=medium, languages=entries)


def render_template(env: Environment, name: str, templates: Path, **context) -> str:
    """Render one template; template problems are DiglotErrors at templates/<name>:line."""
    with template_errors(name, templates):
        return env.get_template(name).render(**context)


def render_template_chunks(env: Environment, name: str, templates: Path, **context) -> Iterator[str]:
    """render_template() piece by piece (Jinja's generate): a page listing thousands of editions
    is written as it is made, never held whole."""
    with template_errors(name, templates):
        yield from env.get_template(name).generate(**context)


@contextmanager
def template_errors(name: str, templates: Path):
    """Template problems raised inside as DiglotErrors at templates/<name>:line."""
    try:
        yield
    except TemplateSyntaxError as exc:
        path = templates / (exc.name or name)
        raise DiglotError(f"template syntax error: {exc.message}", path, exc.lineno) from None
    except TemplateNotFound as exc:
        raise DiglotError(f"template not found: {exc.name}", templates / str(exc.name)) from None
    except TemplateError as exc:
        raise DiglotError(f"template error: {exc.message}", templates / name, _template_line(exc)) from None


def render_template_error(exc: BaseException, templates: Path, name: str) -> DiglotError:
    """A problem found while compiling ``templates/<name>``, at its line."""
    if isinstance(exc, TemplateSyntaxError):
        return DiglotError(f"template syntax error: {exc.message}", templates / name, exc.lineno)
    if isinstance(exc, UnicodeDecodeError):
        return DiglotError("template is not valid UTF-8", templates / name)
    return DiglotError(f"template error: {exc}", templates / name)


def _template_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def node_lang(doc: Document, node: Node) -> str:
    return doc.segment(node.segment).lang if node.segment else doc.lang


def footnote_text(doc: Document, label: str) -> list[Segment]:
    for note in doc.footnotes:
        if note.label == label:
            return [doc.segment(child.segment) for child in note.children if child.segment]
    return []


__all__ = [
    "FOOTNOTE_REF", "InlineRenderer", "format_date", "install_translations", "language_name",
    "make_environment", "render_template",
]


def anchor(node: Node) -> str:
    """An anchor that is the same in every language of a document (from the source's text)."""
    return node.anchor


def contents(doc: Document, depth: int = 2) -> list[dict]:
    """The outline for a table of contents: headings of the top ``depth`` levels, nested."""
    entries: list[dict] = []
    stack: list[tuple[int, list]] = [(0, entries)]

    def walk(nodes) -> None:
        for node in nodes:
            if node.kind == "heading" and node.level <= depth:
                while stack[-1][0] >= node.level:
                    stack.pop()
                entry = {"anchor": node.anchor, "segment": node.segment, "level": node.level, "children": []}
                stack[-1][1].append(entry)
                stack.append((node.level, entry["children"]))
            elif node.kind == "chapter":
                entry = {"anchor": node.anchor, "segment": node.segment, "level": 1, "children": [],
                         "number": node.number}
                stack[:] = [(0, entries)]
                entries.append(entry)
                stack.append((1, entry["children"]))
                walk(node.children)
            elif node.kind in ("list", "item", "quote", "definition", "deflist"):
                walk(node.children)

    walk(doc.body)
    return entries


def chapter_number(node: Node, doc: Document) -> str:
    """A book chapter's number as the book's numbering writes it (the words around it, "Chapter
    %(number)s" / 第%(number)s章, are a UI message): 一 for 第一章, 1 for 第1章 and "1", or nothing."""
    from .languages import spell_number

    numbering = (doc.book or {}).get("numbering", "chapter")
    number = node["number"] if isinstance(node, dict) else node.number  # a node, or a contents entry
    if numbering == "none" or not number:
        return ""
    return spell_number(number, doc.lang) if numbering == "chapter" else str(number)


def chapter_words(doc: Document) -> bool:
    """Whether a chapter's number is set in words around it (Chapter 1 / 第一章), not alone (1)."""
    return (doc.book or {}).get("numbering", "chapter") in ("chapter", "chapter-digits")


def cell_attrs(cell: Node, doc: Document | None = None) -> Markup:
    """A table cell's alignment as a class every medium styles; with ``doc``, the language and
    class of a cell whose text falls back to the source."""
    classes = [f"align-{cell.align}"] if cell.align else []
    lang = ""
    if doc is not None and doc.segment(cell.segment).lang != doc.lang:
        classes.append("fallback")
        lang = doc.segment(cell.segment).lang
    out = Markup(' lang="{}"').format(lang) if lang else Markup("")
    return out + (Markup(' class="{}"').format(" ".join(classes)) if classes else Markup(""))


def plain_segment(doc: Document, seg_id: str | None) -> str:
    """A segment as plain text, for an attribute (a figure's alt)."""
    from .site import plain_text

    return plain_text(doc.segment(seg_id).text) if seg_id else ""


def page_context(doc: Document, medium: str, *, toc_depth: int = 2, media=None, code=None, **extra) -> dict:
    """Everything the templates of one medium (web, print, epub) need for ``doc``.

    ``media(node)`` is the address of a figure's image in this medium, ``code(node)`` a code
    block's text as the medium sets it."""
    inline = _inline_for(doc, medium)
    outline = InlineRenderer(doc, lambda label, number: "")  # a heading in the contents: no note call
    numbers = doc.footnote_numbers()

    def attrs(seg_id: str) -> Markup:
        seg = doc.segment(seg_id)
        if seg.lang == doc.lang:
            return Markup("")
        return Markup(' lang="{}" class="fallback"').format(seg.lang)

    footnotes = [
        {"label": n.label, "number": numbers.get(n.label, 0),
         "segments": [doc.segment(c.segment) for c in n.children if c.segment]}
        for n in sorted(doc.footnotes, key=lambda n: numbers.get(n.label, 0))
    ]
    toc = contents(doc, toc_depth)
    description = doc.description.text if doc.description else ""
    return {
        "doc": doc, "lang": doc.lang, "slug": doc.slug,
        "title": plain_title(doc.title.text), "description": plain_title(description),
        "publisher": doc.field_text("publisher"), "author": doc.field_text("author"),
        "rights": doc.field_text("rights"), "date": format_date(doc, doc.lang),
        "date_iso": doc.meta.date_text, "body": doc.body, "toc": toc, "footnotes": footnotes,
        "inline": lambda seg_id: inline(doc.segment(seg_id)), "attrs": attrs, "anchor": anchor,
        "toc_text": lambda seg_id: outline(doc.segment(seg_id)),
        "plain": lambda seg_id: plain_segment(doc, seg_id), "cell_attrs": lambda cell: cell_attrs(cell, doc),
        "chapter_notes": lambda node: [n for n in footnotes if node.number and doc.parts
                                       and n["label"].startswith(doc.parts[node.number - 1])],
        "loose_notes": [n for n in footnotes if not any(n["label"].startswith(p) for p in doc.parts)],
        "chapter_number": lambda node: chapter_number(node, doc), "chapter_words": chapter_words(doc),
        "media": media or (lambda node: ""), "code": code or (lambda node: node.literal),
        **extra,
    }


def _inline_for(doc: Document, medium: str) -> InlineRenderer:
    if medium == "print":
        return _print_inline(doc)
    return web_inline(doc)


def web_inline(doc: Document, id_prefix: str = "") -> InlineRenderer:
    """Footnote calls as links to ``#fn-<prefix><label>``; a repeated call gets its own back-link id."""
    seen: dict[str, int] = {}

    def web_call(label: str, number: int) -> str:
        seen[label] = seen.get(label, 0) + 1
        suffix = "" if seen[label] == 1 else f"-{seen[label]}"
        key = f"{id_prefix}{escape(label)}"
        return f'<a href="#fn-{key}" id="fnref-{key}{suffix}" class="footnote-ref" role="doc-noteref">{number}</a>'

    return InlineRenderer(doc, web_call)


def footnote_body(doc: Document, label: str, renderer: InlineRenderer) -> str:
    """A note's paragraphs as inline spans, each fallback one in its own language."""
    parts = []
    for seg in footnote_text(doc, label):
        lang = f' lang="{seg.lang}"' if seg.lang != doc.lang else ""
        parts.append(f"<span{lang}>{renderer(seg)}</span>")
    return "".join(parts)


def _print_inline(doc: Document) -> InlineRenderer:
    # WeasyPrint floats `.footnote` spans to the foot of the page that calls them. A note called
    # twice is one note: the second call is its number only, as on the web and in the e-book.
    note_renderer = InlineRenderer(doc, lambda label, number: "")
    placed: set[str] = set()

    def print_call(label: str, number: int) -> str:
        if label in placed:
            return f'<span class="note-call">{number}</span>'
        placed.add(label)
        return f'<span class="footnote" data-number="{number}">{footnote_body(doc, label, note_renderer)}</span>'

    return PrintInlineRenderer(doc, print_call)


class PrintInlineRenderer(InlineRenderer):
    """Inline HTML for the print book, with clreq markup (diglot.typography) on its text nodes."""

    def __init__(self, doc: Document, footnote_call: Callable[[str, int], str]):
        from .typography import Stats

        super().__init__(doc, footnote_call)
        self.stats = Stats()

    def __call__(self, seg: Segment) -> Markup:
        from .typography import typeset

        html, stats = typeset(str(super().__call__(seg)), seg.lang)
        self.stats.add(stats)
        return Markup(html)


def epub_context(doc: Document, ui=None, media=None, toc_depth: int = 2) -> dict:
    """Context for the pandoc Markdown template: segment texts stay Markdown. ``ui`` (the
    edition's gettext Translations) names tables and figures; ``media(node)`` is a figure's file."""
    context = page_context(doc, "epub", toc_depth=toc_depth, media=media)

    def md(seg_id: str) -> str:
        seg = doc.segment(seg_id)
        text = _escape_pandoc(seg.text)
        if seg.lang != doc.lang:
            return f"[{text}]{{lang={seg.lang} .fallback}}"
        return text

    def label(kind: str, number: int) -> str:
        message = f"{kind} %(number)s"
        return escape_markdown((ui.gettext(message) if ui is not None else message) % {"number": number})

    def chapter(node) -> str:
        """A chapter heading's number, as Markdown: "Chapter 1 " / "第一章 ", or nothing."""
        number = chapter_number(node, doc)
        if not number:
            return ""
        if not chapter_words(doc):
            return f"{number} "
        words = (ui.gettext("Chapter %(number)s") if ui is not None else "Chapter %(number)s") % {"number": number}
        return escape_markdown(words) + " "

    context.update(chapter=chapter, md=md, cell=lambda seg_id: _escape_cell(md(seg_id)), label=label, fenced_code=fenced_code)
    return context


def _escape_cell(markdown: str) -> str:
    """A pipe table cell: every | that is not escaped yet is (inside code spans too, as GFM reads them)."""
    return re.sub(r"(?<!\\)((?:\\\\)*)\|", r"\1\\|", markdown)


_RAW_LT = re.compile(r"(?<!\\)((?:\\\\)*)<(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>|[^<>\s@]+@[^<>\s]+>)")
_BLOCK_MARKER = re.compile(r"^(\s{0,3})(#{1,6}(?=\s|$)|[-+*](?=\s)|>|\d{1,9}[.)](?=\s)|:{3,})")


def _escape_pandoc(text: str) -> str:
    """A segment's inline Markdown, safe to place in pandoc's CommonMark input.

    Pandoc 3.9's CommonMark reader reads raw HTML even with -raw_html, so every '<'
    outside code spans that does not open an autolink is escaped: a translated
    '<script>' stays text. A segment must stay one inline run: newlines would end
    the block, and a leading '- ', '# ' or '> ' would start a list, heading or quote.
    """
    from .syntax import code_spans

    parts, last = [], 0
    for start, end in code_spans(text):
        parts.append(_escape_outside_code(text[last:start]))
        parts.append(text[start:end])
        last = end
    parts.append(_escape_outside_code(text[last:]))
    from .epub import HARD_BREAK

    text = "".join(parts).replace("\\\n", HARD_BREAK).replace("\n", " ")
    return _BLOCK_MARKER.sub(_escape_marker, text)


_BRACE = re.compile(r"(?<!\\)((?:\\\\)*)\{")


def _escape_outside_code(text: str) -> str:
    """'<' that opens no autolink, and every '{': pandoc reads '{…}' after a span, link, heading
    or code span as attributes (onclick=, style=url(…), {=html} raw output); text stays text."""
    return _BRACE.sub(r"\1\\{", _RAW_LT.sub(r"\1\\<", text))


def _escape_marker(match: re.Match) -> str:
    marker = match.group(2)
    if marker[0].isdigit():  # '1.' is escaped as '1\.': a backslash before a digit is not an escape
        return match.group(1) + marker[:-1] + "\\" + marker[-1]
    return match.group(1) + "\\" + marker


def fenced_code(literal: str, indent: str = "") -> str:
    """A fenced code block whose fence no line of ``literal`` can close early."""
    runs = [len(r) for r in re.findall(r"`+", literal)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    body = "".join(f"{indent}{line}\n" for line in literal.rstrip("\n").split("\n"))
    return f"{indent}{fence}\n{body}{indent}{fence}"
