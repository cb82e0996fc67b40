"""The Markdown Diglot reads, one configuration for every reader: the source's blocks and a segment's inline text.

CommonMark with GFM tables and strikethrough, footnotes, definition and task lists, and
pandoc's sub- and superscript (~x~, ^x^): what every renderer (web, print, EPUB) sets too.
"""

from __future__ import annotations

import bisect
import re

from markdown_it import MarkdownIt
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin

from .limits import MAX_NESTING


def text_parser() -> MarkdownIt:
    """The reader of a segment's inline Markdown, for rendering and checks: the source's syntax
    (strikethrough, sub- and superscript, footnote calls), raw HTML off (it stays text)."""
    md = MarkdownIt("commonmark", {"html": False}).use(footnote_plugin).use(sub_plugin).use(superscript_plugin)
    md.enable(["strikethrough"])
    md.disable(["footnote_tail", "footnote_inline"])  # ^[…] is text, as for pandoc's CommonMark reader
    return md


def markdown() -> MarkdownIt:
    """The source reader: CommonMark, GFM tables and strikethrough, footnotes, definition and
    task lists, sub- and superscript (pandoc's ~x~ and ^x^), as every renderer reads them too.

    html=True only so that comments and raw HTML arrive as their own tokens: comments are
    editorial notes (dropped); other HTML is kept as text and escaped when rendered.
    footnote_tail is off so every definition stays in place; footnote_inline is off so pandoc's
    inline note ^[…] is text in every edition, as the e-book's reader (pandoc's CommonMark) has it:
    a note is [^label] and its definition."""
    md = (MarkdownIt("commonmark", {"html": True}).use(front_matter_plugin).use(footnote_plugin)
          .use(deflist_plugin).use(sub_plugin).use(superscript_plugin))
    md.enable(["table", "strikethrough"])
    md.disable(["footnote_tail", "footnote_inline"])
    # markdown-it drops, without a word, whatever lies deeper than maxNesting token levels
    # (20 by default: a tenth nested list level). A list level takes two, a quote one, so with
    # this room every block up to MAX_NESTING containers is parsed and the builder refuses deeper.
    md.options["maxNesting"] = 2 * MAX_NESTING + 8
    return md


def blocks_only() -> MarkdownIt:
    """The source reader without its inline pass: each block's text as one "inline" token, its
    markup unread, so limits can be checked before the parsing whose time they bound."""
    md = markdown()
    md.disable("inline")
    return md


_BACKTICKS = re.compile(r"`+")


def code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each code span of ``text``, backticks included, as CommonMark reads them:
    a run of n backticks (an escaped first one is text) up to the next run of exactly n; a run
    that finds none is text. One pass over the runs: the backtracking regular expression used
    before kept the e-book of a paragraph with 6,000 backticks past the 300 s render limit."""
    runs = [(match.start(), match.end()) for match in _BACKTICKS.finditer(text)]
    starts: dict[int, list[int]] = {}  # a run's length -> the indexes of the runs that long
    for index, (start, end) in enumerate(runs):
        starts.setdefault(end - start, []).append(index)
    spans, index, after = [], 0, 0  # after: where the text outside code resumes
    while index < len(runs):
        start, end = runs[index]
        slashes = start
        while slashes > after and text[slashes - 1] == "\\":
            slashes -= 1
        if (start - slashes) % 2:  # \` is a backtick, and the run opens after it
            start += 1
        same = starts.get(end - start, [])
        closer = bisect.bisect_right(same, index)
        if start < end and closer < len(same):
            index = same[closer]
            spans.append((start, runs[index][1]))
            after = runs[index][1]
        index += 1
    return spans
