"""Internal links: every ``#target`` a document links to must be an anchor it has.

Headings', tables' and figures' anchors (from the source text, or a heading's {#id}) are the only
ids every medium and every language shares; anything else fails at path:line.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from .errors import DiglotError, DiglotErrors
from .model import Document, Node
from .render import anchor
from .safety import targets


def anchors(doc: Document) -> list[str]:
    """The ids of ``doc`` that its web page and its e-book both carry, in document order."""
    found: list[str] = []

    def walk(nodes: tuple[Node, ...]) -> None:
        for node in nodes:
            if node.anchor:  # headings, tables, figures
                found.append(anchor(node))
            walk(node.children)

    walk(doc.body)
    return found


def internal_targets(text: str) -> list[str]:
    """The fragment of every same-document link (``[x](#target)``) in inline Markdown."""
    return [unquote(href[1:]) for kind, href in targets(text) if kind == "link" and href.startswith("#")]


def check_internal_links(doc: Document, in_book: bool = False) -> None:
    """Raise a DiglotError at the linking segment's ``path:line`` for a link to a missing
    anchor (or, outside a book, to another file); several at once as DiglotErrors."""
    errors = []
    for seg in doc.segments:
        try:
            check_link_targets(seg.text, doc, doc.path, seg.line)
            if not in_book:
                _no_chapter_links(seg.text, doc.path, seg.line)
        except DiglotError as exc:
            errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)


def check_link_targets(text: str, doc: Document, path: Path, line: int | None) -> None:
    """The same check for one text, e.g. a translation at its catalogue's ``path:line``."""
    wanted = internal_targets(text)
    known = set(anchors(doc)) if wanted else set()  # (the document's anchors, only for a text that links)
    for target in wanted:
        if target not in known:
            raise DiglotError(_message(target, doc), path, line)


def _message(target: str, doc: Document) -> str:
    where = "" if doc.lang == doc.meta.lang else f" [{doc.lang}]"
    known = anchors(doc)
    hint = ", ".join(f"#{a}" for a in known[:3]) + (", …" if len(known) > 3 else "")
    return f"link to #{target}{where}: no such section in this document" + (f" (sections: {hint})" if hint else "")


def _no_chapter_links(text: str, path: Path, line: int | None) -> None:
    for kind, href in targets(text):
        if kind == "link" and re.match(r"(?:\./)?[^/\\:#?]+\.md(?:#|$)", href):
            raise DiglotError(f"link {href!r}: a link to another file works between the chapters of a book "
                              "(source/<book>/book.yaml); link to a section (#…) or a web address", path, line)
