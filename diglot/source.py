"""Read ``source/<slug>.md`` (YAML front matter + Markdown) into a Document.

Text hygiene happens here, on the way in. Every block keeps its 1-based
source line, for catalogue references and error messages.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from .errors import DiglotError
from .hygiene import clean_text
from .languages import canonical, language
from .model import FOOTNOTE_REF, Document, Meta, Node, Segment
from .safety import MAX_NESTING, MAX_SEGMENTS, REFERENCE_DEFINITION, check_source_size, check_text, confined

KNOWN_KEYS = {"title", "description", "lang", "date", "publisher", "author", "rights", "identifier"}
REQUIRED_KEYS = ("title", "lang")
#: Front matter that is text: one message each, translated like the body (in this order).
TEXT_KEYS = ("title", "description", "publisher", "author", "rights")
#: Of those, the ones a source may also give per language ({zh-Hans: …, en: …}).
PER_LANGUAGE_KEYS = ("publisher", "author", "rights")
_HAN = r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"


def read_text(path: Path) -> str:
    """Decode a UTF-8 input file, with the line of the first bad byte on error."""
    confined(path, path.parent)  # a FIFO would hang the build; a link out of source/ would publish it
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DiglotError(f"cannot read the file: {exc.strerror}", path) from None
    check_source_size(len(data), path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DiglotError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", path, line
        ) from None
    return clean_text(text.replace("\r\n", "\n"))


def slug_of(path: Path) -> str:
    """The document's name in output paths and URLs: letters (Chinese too), digits, - and _."""
    slug = path.stem
    if not re.fullmatch(r"[^\W][\w-]*", slug) or ".." in slug:
        raise DiglotError("a document's file name may hold only letters (Chinese ones too), digits, '-' and '_', "
                          "e.g. 网络安全-2018.md; rename the file", path)
    return slug


def read_document(path: Path) -> Document:
    """Parse one source document; raise DiglotError with path:line on bad input."""
    text = read_text(path)
    front, body_offset = _split_front_matter(text, path)
    fields, lines = _parse_front_matter(front, path)
    meta = _meta_from(fields, lines, path)
    segments = _text_fields(fields, lines, meta, path)
    builder = _TreeBuilder(segments, path, meta.lang)
    env: dict = {}
    tokens = _markdown().parse(text, env)
    _refuse_reference_definitions(env, path)
    body, footnotes = builder.build(tokens)
    del body_offset
    if len(segments) > MAX_SEGMENTS:
        raise DiglotError(f"{len(segments):,} blocks exceed the limit of {MAX_SEGMENTS:,} per document", path)
    for seg in segments:
        check_text(seg.text, path, seg.line)
    _check_footnotes(segments, footnotes, path)
    return Document(
        path=path, slug=slug_of(path), lang=meta.lang, meta=meta,
        segments=tuple(segments), body=tuple(body), footnotes=tuple(footnotes),
    )


def _text_fields(fields: dict, lines: dict[str, int], meta: Meta, path: Path) -> list[Segment]:
    """Title, description, publisher, author and rights as segments (messages to translate)."""
    segments = []
    for key in TEXT_KEYS:
        value = fields.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, dict) and key in PER_LANGUAGE_KEYS:
            value = meta.given.get(key, {}).get(meta.lang)
            if not value:
                raise DiglotError(f"'{key}' is given per language but not in the source's ({meta.lang})",
                                  path, lines[key])
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise DiglotError(f"'{key}' must be text", path, lines[key])
        segments.append(Segment(key, key, _one_line(str(value)), lines[key], meta.lang))
    return segments


def _check_footnotes(segments: list[Segment], footnotes: list[Node], path: Path) -> None:
    """Every footnote call has a definition (a dangling call would print as '[^x]')."""
    defined = {note.label for note in footnotes}
    for seg in segments:
        for label in FOOTNOTE_REF.findall(seg.text):
            if label not in defined:
                raise DiglotError(f"footnote [^{label}] is called but never defined", path, seg.line)


def _refuse_reference_definitions(env: dict, path: Path) -> None:
    """'[r]: url' lines would vanish from every edition (inline rendering has no definitions)."""
    for ref in env.get("references", {}).values():
        line = ref["map"][0] + 1 if ref.get("map") else None
        raise DiglotError(REFERENCE_DEFINITION, path, line)


def _markdown() -> MarkdownIt:
    # html=True only so that comments and raw HTML arrive as their own tokens:
    # comments are editorial notes (dropped); other HTML is kept as text and
    # escaped when rendered. footnote_tail is off so every definition stays
    # in place, including those referenced only from the title.
    md = MarkdownIt("commonmark", {"html": True}).use(front_matter_plugin).use(footnote_plugin)
    md.disable("footnote_tail")
    # markdown-it drops, without a word, whatever lies deeper than maxNesting token levels
    # (20 by default: a tenth nested list level). A list level takes two, a quote one, so with
    # this room every block up to MAX_NESTING containers is parsed and _TreeBuilder refuses deeper.
    md.options["maxNesting"] = 2 * MAX_NESTING + 8
    return md


def _split_front_matter(text: str, path: Path) -> tuple[str, int]:
    if not text.startswith("---\n"):
        raise DiglotError("no YAML front matter: the file must start with a line '---'", path, 1)
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        raise DiglotError("front matter is not closed: add a line '---' after it", path, 1)
    front = text[4 : 4 + end.start()]
    return front, front.count("\n") + 2


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: we check them ourselves, with a line number."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse_front_matter(front: str, path: Path) -> tuple[dict, dict[str, int]]:
    """Return the fields and the 1-based file line of each key."""
    try:
        node = yaml.compose(front, Loader=_FrontMatterLoader)
        fields = yaml.load(front, Loader=_FrontMatterLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise DiglotError(f"malformed front matter: {problem}", path, line) from None
    if not isinstance(fields, dict) or not isinstance(node, yaml.MappingNode):
        raise DiglotError("front matter must be a mapping of 'key: value' lines", path, 2)
    lines: dict[str, int] = {}
    for key, _ in node.value:
        if str(key.value) in lines:
            raise DiglotError(f"front matter key '{key.value}' appears twice", path, key.start_mark.line + 2)
        lines[str(key.value)] = key.start_mark.line + 2
    _check_keys(fields, lines, path)
    return fields, lines


def _check_keys(fields: dict, lines: dict[str, int], path: Path) -> None:
    errors = []
    for key in fields:
        if key not in KNOWN_KEYS:
            allowed = ", ".join(sorted(KNOWN_KEYS))
            errors.append(DiglotError(f"unknown front matter key '{key}' (allowed: {allowed})", path, lines[str(key)]))
    for key in REQUIRED_KEYS:
        if not fields.get(key):
            errors.append(DiglotError(f"front matter lacks '{key}'", path, lines.get(key, 2)))
    if errors:
        raise errors[0] if len(errors) == 1 else _many(errors)


def _many(errors):
    from .errors import DiglotErrors

    return DiglotErrors(errors)


def _meta_from(fields: dict, lines: dict[str, int], path: Path) -> Meta:
    lang = _source_language(fields["lang"], path, lines["lang"])
    when, when_text = _parse_date(fields.get("date"), path, lines.get("date", 2))
    return Meta(
        lang=lang,
        identifier=str(fields.get("identifier") or f"urn:diglot:{slug_of(path)}"),
        date=when, date_text=when_text,
        given=_given_per_language(fields, lines, path),
    )


def _source_language(value, path: Path, line: int) -> str:
    if not isinstance(value, str):
        raise DiglotError(f"'lang' must be a BCP 47 language tag such as zh-Hans or en, not {value!r}", path, line)
    try:
        return language(value).tag
    except DiglotError as exc:
        raise DiglotError(f"'lang': {exc.message}", path, line) from None


def _given_per_language(fields: dict, lines: dict[str, int], path: Path) -> dict:
    """publisher: {zh-Hans: …, en: …}: each language's own text, which no translation replaces."""
    given = {}
    for key in PER_LANGUAGE_KEYS:
        value = fields.get(key)
        if not isinstance(value, dict):
            continue
        texts = {}
        for tag, text in value.items():
            if not isinstance(tag, str) or not isinstance(text, str):
                raise DiglotError(f"'{key}' per language maps language tags to text, e.g. en: …", path, lines[key])
            try:
                language(tag)
            except DiglotError as exc:
                raise DiglotError(f"'{key}': {exc.message}", path, lines[key]) from None
            texts[canonical(tag)] = _one_line(text)
        given[key] = texts
    return given


def _parse_date(value, path: Path, line: int) -> tuple[date | None, str]:
    if value is None or value == "":
        return None, ""
    if isinstance(value, date):
        return value, value.isoformat()
    text = str(value)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not match:
        raise DiglotError(f"date '{text}' is not YYYY, YYYY-MM or YYYY-MM-DD", path, line)
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return date(year, month, day), text
    except ValueError:
        raise DiglotError(f"date '{text}' does not exist", path, line) from None


def _one_line(text: str) -> str:
    """Join a block's source lines: nothing between Han characters, a space otherwise."""
    lines = [part.strip() for part in text.strip().split("\n")]
    out = lines[0] if lines else ""
    for nxt in lines[1:]:
        glue = "" if re.search(_HAN + r"$", out) and re.match(_HAN, nxt) else " "
        out = out + glue + nxt
    return out


def _without_comments(token: Token) -> str:
    """The block's source text minus inline HTML comments (editorial notes, not text)."""
    comments = [c.content for c in token.children or () if c.type == "html_inline" and c.content.startswith("<!--")]
    text = token.content
    for comment in comments:
        text = text.replace(comment, "", 1)
    return text


class _TreeBuilder:
    """Turn markdown-it's flat token stream into Nodes, collecting Segments."""

    def __init__(self, segments: list[Segment], path: Path | None = None, lang: str = ""):
        self.segments = segments
        self.path = path
        self.lang = lang
        self.count = 0  # body segments so far: ids s0, s1 … whatever the front matter holds
        self.depth = 0  # lists and quotes around the current block

    def build(self, tokens: list[Token]) -> tuple[list[Node], list[Node]]:
        body, footnotes = [], []
        for node in self._blocks(iter(tokens), closing=None):
            (footnotes if node.kind == "footnote" else body).append(node)
        return body, footnotes

    def _segment(self, kind: str, token: Token) -> str:
        seg_id = f"s{self.count}"
        self.count += 1
        self.segments.append(Segment(seg_id, kind, _one_line(_without_comments(token)), token.map[0] + 1, self.lang))
        return seg_id

    def _blocks(self, tokens, closing: str | None) -> list[Node]:
        nodes: list[Node] = []
        for tok in tokens:
            if tok.type == closing:
                return nodes
            node = self._node(tok, tokens)
            if node is not None:
                nodes.append(node)
        return nodes

    def _contained(self, tokens, closing: str, line: int) -> list[Node]:
        """The blocks of a list or quote, one nesting level deeper."""
        if self.depth >= MAX_NESTING:
            raise DiglotError(f"lists and quotes are nested more than {MAX_NESTING} levels deep; "
                              "Diglot builds up to that depth", self.path, line)
        self.depth += 1
        try:
            return self._blocks(tokens, closing)
        finally:
            self.depth -= 1

    def _node(self, tok: Token, tokens) -> Node | None:
        line = tok.map[0] + 1 if tok.map else 0
        kind = tok.type
        if kind == "heading_open":
            inline = next(tokens)
            next(tokens)
            return Node("heading", self._segment("heading", inline), level=int(tok.tag[1]), line=line)
        if kind == "paragraph_open":
            inline = next(tokens)
            next(tokens)
            return Node("paragraph", self._segment("paragraph", inline), line=line)
        if kind in ("bullet_list_open", "ordered_list_open"):
            items = self._contained(tokens, kind.replace("_open", "_close"), line)
            start = int(tok.attrGet("start") or 1)
            return Node("list", children=tuple(items), ordered=kind.startswith("ordered"), start=start, line=line)
        if kind == "list_item_open":
            return Node("item", children=tuple(self._blocks(tokens, "list_item_close")), line=line)
        if kind == "blockquote_open":
            return Node("quote", children=tuple(self._contained(tokens, "blockquote_close", line)), line=line)
        if kind == "footnote_reference_open":
            children = self._blocks(tokens, "footnote_reference_close")
            children = [self._as_footnote(c) for c in children]
            return Node("footnote", children=tuple(children), label=tok.meta["label"], line=line)
        if kind in ("fence", "code_block"):
            return Node("code", literal=tok.content, label=tok.info.strip(), line=line)
        if kind == "hr":
            return Node("rule", line=line)
        if kind == "html_block":
            return self._html_block(tok, line)
        return None  # front_matter and closing tokens of skipped containers

    def _as_footnote(self, node: Node) -> Node:
        if node.segment:
            index = next(i for i, s in enumerate(self.segments) if s.id == node.segment)
            seg = self.segments[index]
            self.segments[index] = Segment(seg.id, "footnote", seg.text, seg.line, seg.lang)
        return node

    def _html_block(self, tok: Token, line: int) -> Node | None:
        if tok.content.lstrip().startswith("<!--"):
            return None  # an editorial comment: not published
        # Raw HTML is not trusted markup: keep it as text, escaped when rendered.
        fake = Token("inline", "", 0, content=tok.content, map=tok.map)
        return Node("paragraph", self._segment("paragraph", fake), line=line)
