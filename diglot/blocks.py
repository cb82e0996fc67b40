"""A document's block structure: markdown-it's token stream → Nodes, with one Segment per text.

In: the tokens of a source (CommonMark with GFM tables, strikethrough, footnotes, definition
lists, task lists, sub- and superscript). Out: Nodes (headings with stable anchors, lists with
their start, tables of cells, figures, definition lists, quotes, code) and the Segments they
point at, each with its 1-based line. What Diglot cannot publish in every format is refused at
its line; every problem of the document is collected, not only the first.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it.token import Token

from .errors import DiglotError
from .limits import MAX_NESTING, MAX_SEGMENTS
from .model import Node, Segment

_HAN = r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"
#: An explicit anchor at the end of a heading: `## 安装 {#install}`.
EXPLICIT_ANCHOR = re.compile(r"\s*\{#([^\s{}#\"'<>]+)\}\s*$")
#: A table's caption: the paragraph right after it, `Table: …` or `: …` (pandoc's convention).
TABLE_CAPTION = re.compile(r"^(?:Table)?:\s+(?=\S)")
#: A task-list item's box at the start of its first paragraph: `- [ ] …`, `- [x] …`.
TASK_BOX = re.compile(r"^\[([ xX])\]\s+")
#: One line of inline source ending in a hard line break: a backslash, or two spaces or more.
HARD_BREAK = re.compile(r"(\\| {2,})$")


def one_line(text: str) -> str:
    """A block's source lines as one message: nothing between Han characters, a space otherwise;
    a hard line break (a backslash or two spaces at a line's end) stays, as a backslash and a newline."""
    lines = [part.strip() if not HARD_BREAK.search(part.rstrip("\n")) else part.lstrip()
             for part in text.strip().split("\n")]
    out = ""
    for index, line in enumerate(lines):
        hard = bool(HARD_BREAK.search(line)) and index < len(lines) - 1
        line = HARD_BREAK.sub("", line).rstrip() if hard else line.strip()
        if out.endswith("\n") or not out:
            out += line
        else:
            glue = "" if re.search(_HAN + r"$", out) and re.match(_HAN, line) else " "
            out += glue + line
        if hard:
            out += "\\\n"
    return out


def _without_comments(token: Token) -> str:
    """The block's source text minus inline HTML comments (editorial notes, not text)."""
    comments = [c.content for c in token.children or () if c.type == "html_inline" and c.content.startswith("<!--")]
    text = token.content
    for comment in comments:
        text = text.replace(comment, "", 1)
    return text


def _pipe_cells(line: str) -> int:
    """How many cells a pipe-table row's source line holds (GFM: every unescaped | divides)."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    if parts and not parts[0].strip():
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return len(parts)


def slug(text: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens;
    letters of every script kept (总体信息, café-au-lait)."""
    from .model import plain_title

    plain = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", plain_title(text))
    plain = re.sub(r"\\(.)", r"\1", plain).lower()
    return re.sub(r"[^\w\- ]", "", plain).strip().replace(" ", "-") or "section"


class TreeBuilder:
    """Turn markdown-it's flat token stream into Nodes, collecting Segments and problems."""

    def __init__(self, segments: list[Segment], path: Path | None = None, lang: str = "",
                 images=None, lines: list[str] | None = None):
        self.segments = segments
        self.lines = lines or []  # the source's lines, for what the tokens no longer show
        self.path = path
        self.lang = lang
        self.images = images  # media.ImageCheck, or None: figures unchecked (tests of structure)
        self.count = 0  # body segments so far: ids s0, s1 … whatever the front matter holds
        self.positions = {seg.id: i for i, seg in enumerate(segments)}  # segment id → index in segments
        self.depth = 0  # lists and quotes around the current block
        self.errors: list[DiglotError] = []
        self.anchors: dict[str, int] = {}  # anchor → line of its heading
        self.levels: list[int] = []  # heading levels seen, for the outline without gaps
        self.tables = self.figures = 0
        self.labels: dict[str, int] = {}  # footnote label → line of its definition

    def build(self, tokens: list[Token]) -> tuple[list[Node], list[Node]]:
        body, footnotes = [], []
        self.tokens, self.at = tokens, 0
        for node in self._blocks(closing=None):
            (footnotes if node.kind == "footnote" else body).append(node)
        return body, footnotes

    # -- the token stream --------------------------------------------------------------------

    def _next(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _peek(self, offset: int = 0) -> Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def _error(self, message: str, line: int | None) -> None:
        self.errors.append(DiglotError(message, self.path, line))

    def _segment(self, kind: str, token: Token, text: str | None = None) -> str:
        seg_id = f"s{self.count}"
        self.count += 1
        if len(self.segments) >= MAX_SEGMENTS:  # refused while reading: a huge document costs little
            raise DiglotError(f"more than {MAX_SEGMENTS:,} blocks; Diglot builds documents up to that "
                              "(split it into several)", self.path, token.map[0] + 1 if token.map else None)
        body = one_line(_without_comments(token)) if text is None else text
        self.positions[seg_id] = len(self.segments)
        self.segments.append(Segment(seg_id, kind, body, token.map[0] + 1 if token.map else 0, self.lang))
        return seg_id

    def _replace_segment(self, seg_id: str, **changes) -> Segment:
        from dataclasses import replace

        index = self.positions[seg_id]
        self.segments[index] = replace(self.segments[index], **changes)
        return self.segments[index]

    def _blocks(self, closing: str | None) -> list[Node]:
        nodes: list[Node] = []
        while self.at < len(self.tokens):
            tok = self._next()
            if tok.type == closing:
                return nodes
            node = self._node(tok)
            if node is not None:
                nodes.append(node)
        return nodes

    def _contained(self, closing: str, line: int) -> list[Node]:
        """The blocks of a list or quote, one nesting level deeper."""
        if self.depth >= MAX_NESTING:
            raise DiglotError(f"lists and quotes are nested more than {MAX_NESTING} levels deep; "
                              "Diglot builds up to that depth", self.path, line)
        self.depth += 1
        try:
            return self._blocks(closing)
        finally:
            self.depth -= 1

    def _node(self, tok: Token) -> Node | None:
        line = tok.map[0] + 1 if tok.map else 0
        kind = tok.type
        handler = {
            "heading_open": self._heading, "paragraph_open": self._paragraph, "bullet_list_open": self._list,
            "ordered_list_open": self._list, "list_item_open": self._item, "blockquote_open": self._quote,
            "footnote_reference_open": self._footnote, "table_open": self._table, "dl_open": self._deflist,
            "html_block": self._html_block,
        }.get(kind)
        if handler is not None:
            return handler(tok, line)
        if kind in ("fence", "code_block"):
            return Node("code", literal=tok.content, label=tok.info.strip(), line=line)
        if kind == "hr":
            return Node("rule", line=line)
        return None  # front_matter and closing tokens of skipped containers

    # -- blocks --------------------------------------------------------------------------------

    def _heading(self, tok: Token, line: int) -> Node:
        inline = self._next()
        self._next()
        text = one_line(_without_comments(inline))
        explicit = EXPLICIT_ANCHOR.search(text)
        if explicit:
            text = text[: explicit.start()]
        seg = self._segment("heading", inline, text)
        anchor = self._unique_anchor(explicit.group(1) if explicit else slug(text), line, bool(explicit))
        return Node("heading", seg, level=self._outline_level(int(tok.tag[1])), anchor=anchor, line=line)

    def _unique_anchor(self, anchor: str, line: int, explicit: bool) -> str:
        if explicit and anchor in self.anchors:
            self._error(f"anchor {{#{anchor}}} is used twice (first at line {self.anchors[anchor]})", line)
        base, n = anchor, 0
        while anchor in self.anchors:
            n += 1
            anchor = f"{base}-{n}"
        self.anchors[anchor] = line
        return anchor

    def _outline_level(self, written: int) -> int:
        """1 for the document's top level, whatever it is written as (# or ##), and no level skipped:
        ## then #### is a section and its subsection."""
        while self.levels and self.levels[-1][0] >= written:
            self.levels.pop()
        level = self.levels[-1][1] + 1 if self.levels else 1
        self.levels.append((written, level))
        return min(level, 6)

    def _paragraph(self, tok: Token, line: int) -> Node:
        inline = self._next()
        self._next()
        images = [c for c in inline.children or () if c.type == "image"]
        if images and self._alone(inline):
            return self._figure(inline, images[0], line)
        return Node("paragraph", self._segment("paragraph", inline), line=line)

    @staticmethod
    def _alone(inline: Token) -> bool:
        children = [c for c in inline.children or () if not (c.type in ("text", "softbreak") and not c.content.strip())]
        return len(children) == 1 and children[0].type == "image"

    def _figure(self, inline: Token, image: Token, line: int) -> Node:
        self.figures += 1
        src, title = image.attrGet("src") or "", image.attrGet("title") or ""
        alt = image.content.strip()
        if not alt:
            self._error(f"figure {src!r} has no text alternative: write it between the brackets, ![…](…)", line)
        alt_id = self._segment("alt", inline, one_line(alt)) if alt else None
        caption_id = self._segment("caption", inline, one_line(title)) if title.strip() else None
        found = None
        if self.images is not None:
            try:
                found = self.images.check(src, line)
            except DiglotError as exc:
                self._error(exc.message, line)
        return Node("figure", alt=alt_id, caption=caption_id, src=src, number=self.figures,
                    anchor=f"figure-{self.figures}", image=found, line=line)

    def _list(self, tok: Token, line: int) -> Node:
        items = self._contained(tok.type.replace("_open", "_close"), line)
        start = int(tok.attrGet("start") or 1)
        return Node("list", children=tuple(items), ordered=tok.type.startswith("ordered"), start=start, line=line)

    def _item(self, tok: Token, line: int) -> Node:
        children = self._blocks("list_item_close")
        checked = None
        first = children[0] if children else None
        if first is not None and first.kind == "paragraph":
            text = self.segments[self.positions[first.segment]].text
            box = TASK_BOX.match(text)
            if box:
                checked = box.group(1) != " "
                self._replace_segment(first.segment, text=text[box.end():])
        return Node("item", children=tuple(children), checked=checked, line=line)

    def _quote(self, tok: Token, line: int) -> Node:
        return Node("quote", children=tuple(self._contained("blockquote_close", line)), line=line)

    def _footnote(self, tok: Token, line: int) -> Node:
        label = tok.meta["label"]
        if label in self.labels:
            self._error(f"footnote [^{label}] is defined twice (first at line {self.labels[label]})", line)
        self.labels.setdefault(label, line)
        children = [self._as_footnote(c) for c in self._blocks("footnote_reference_close")]
        return Node("footnote", children=tuple(children), label=label, line=line)

    def _as_footnote(self, node: Node) -> Node:
        if node.segment:
            self._replace_segment(node.segment, kind="footnote")
        else:
            self._error(f"a footnote may hold paragraphs only, not a {node.kind}", node.line)
        return node

    def _table(self, tok: Token, line: int) -> Node:
        rows: list[Node] = []
        header = False
        while self.at < len(self.tokens):
            t = self._next()
            if t.type == "table_close":
                break
            if t.type == "thead_open":
                header = True
            elif t.type == "tbody_open":
                header = False
            elif t.type == "tr_open":
                rows.append(self._row(header, t))
        self.tables += 1
        caption = self._table_caption()
        return Node("table", children=tuple(rows), caption=caption, number=self.tables,
                    anchor=f"table-{self.tables}", line=line)

    def _row(self, header: bool, tr: Token) -> Node:
        cells = []
        while self.at < len(self.tokens):
            t = self._next()
            if t.type == "tr_close":
                break
            if t.type in ("th_open", "td_open"):
                inline = self._next()
                align = re.search(r"text-align:(\w+)", t.attrGet("style") or "")
                cells.append(Node("cell", self._segment("cell", inline), align=align.group(1) if align else "",
                                  header=header, line=inline.map[0] + 1 if inline.map else 0))
        line = tr.map[0] + 1 if tr.map else 0
        written = _pipe_cells(self.lines[line - 1]) if 0 < line <= len(self.lines) else 0
        if written > len(cells):
            self._error(f"this table row has {written} cells and the table {len(cells)} columns: the last "
                        f"{written - len(cells)} would not be shown (a | inside a cell, even in `code`, is "
                        "written \\|)", line)
        return Node("row", children=tuple(cells), header=header, line=line)

    def _table_caption(self) -> str | None:
        """`Table: …` or `: …` in the paragraph right after the table is its caption."""
        opening, inline = self._peek(), self._peek(1)
        if opening is None or opening.type != "paragraph_open" or inline is None:
            return None
        text = one_line(_without_comments(inline))
        match = TABLE_CAPTION.match(text)
        if not match:
            return None
        self.at += 3  # paragraph_open, inline, paragraph_close
        return self._segment("caption", inline, text[match.end():])

    def _deflist(self, tok: Token, line: int) -> Node:
        children: list[Node] = []
        while self.at < len(self.tokens):
            t = self._next()
            if t.type == "dl_close":
                break
            if t.type == "dt_open":
                inline = self._next()
                self._next()
                children.append(Node("term", self._segment("term", inline), line=inline.map[0] + 1))
            elif t.type == "dd_open":
                children.append(Node("definition", children=tuple(self._contained("dd_close", line)),
                                     line=t.map[0] + 1 if t.map else line))
        return Node("deflist", children=tuple(children), line=line)

    def _html_block(self, tok: Token, line: int) -> Node | None:
        if tok.content.lstrip().startswith("<!--"):
            if "-->" not in tok.content:
                self._error("an HTML comment opened here is never closed (-->): the rest of the document "
                            "would vanish from every edition", line)
            return None  # an editorial comment: not published
        # Raw HTML is not trusted markup: keep it as text, escaped when rendered.
        fake = Token("inline", "", 0, content=tok.content, map=tok.map)
        return Node("paragraph", self._segment("paragraph", fake), line=line)
