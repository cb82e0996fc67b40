"""What the site's lists (the index pages, the OPDS feed) show of an edition: a few plain texts,
made while planning and kept in the planner's summaries, so that the site is made without
reading a source again (thousands of publications list in little memory).
"""

from __future__ import annotations

from typing import NamedTuple

from .model import Document, plain_title

#: Front matter texts the index and the OPDS feed show.
INDEX_FIELDS = ("title", "description", "author", "publisher")
def titles_only(doc: Document) -> Document:
    """``doc`` holding only what the index and feeds show of it (title, description, creators and
    the first paragraph): what listing() is made from, without converting the whole text."""
    from dataclasses import replace

    first = next((s for s in doc.segments if s.kind == "paragraph"), None)
    shown = [s for s in doc.segments if s.id in INDEX_FIELDS or s is first]
    return replace(doc, segments=tuple(shown), body=(), chapters=())  # its notes: their labels are checked


class Listing(NamedTuple):
    """What the index pages and the OPDS feed show of one edition: a tuple of texts (thousands of
    them live through a build), stored in the planner's cache as a JSON array."""

    slug: str
    lang: str  # the edition's
    source: str  # the publication's source language
    title: str  # plain text
    date: str  # as a reader of ``lang`` writes it
    date_iso: str
    identifier: str  # the front matter's
    author: str
    publisher: str
    description: str
    book: bool

    @classmethod
    def from_json(cls, value) -> "Listing":
        """The listing stored as ``value``; TypeError if it has another shape."""
        if not (isinstance(value, list) and len(value) == len(cls._fields) and isinstance(value[-1], bool)
                and all(isinstance(text, str) for text in value[:-1])):
            raise TypeError("a listing of another shape")
        return cls(*value)


def listing(edition: Document, book: bool = False) -> Listing:
    """What the site's lists show of ``edition`` (an edition of titles_only(doc))."""
    from .render import format_date  # (Babel and Jinja: only when a source is parsed)
    from .site import page_description

    return Listing(edition.slug, edition.lang, edition.meta.lang, plain_title(edition.title.text),
                   format_date(edition, edition.lang), edition.meta.date_text, edition.meta.identifier,
                   edition.field_text("author"), edition.field_text("publisher"), page_description(edition), book)
