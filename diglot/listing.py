"""What the site's lists (the index pages, the OPDS feed) show of an edition: a few plain texts,
made while planning and kept in the planner's summaries, so that the site is made without
reading a source again (thousands of publications list in little memory).
"""

from __future__ import annotations

from .model import Document, plain_title

#: Front matter texts the index and the OPDS feed show.
INDEX_FIELDS = ("title", "description", "author", "publisher")
#: The keys of a listing(); all are texts but "book".
KEYS = ("slug", "lang", "source", "title", "date", "date_iso", "identifier", "author", "publisher",
        "description", "book")


def titles_only(doc: Document) -> Document:
    """``doc`` holding only what the index and feeds show of it (title, description, creators and
    the first paragraph): what listing() is made from, without converting the whole text."""
    from dataclasses import replace

    first = next((s for s in doc.segments if s.kind == "paragraph"), None)
    shown = [s for s in doc.segments if s.id in INDEX_FIELDS or s is first]
    return replace(doc, segments=tuple(shown), body=(), chapters=())  # its notes: their labels are checked


def listing(edition: Document, book: bool = False) -> dict[str, str | bool]:
    """What the index pages and the OPDS feed show of one edition (of titles_only(doc)): small
    plain data, kept in the planner's summaries so that the site is made without a source."""
    from .render import format_date  # (Babel and Jinja: only when a source is parsed)
    from .site import page_description

    return {"slug": edition.slug, "lang": edition.lang, "source": edition.meta.lang,
            "title": plain_title(edition.title.text), "date": format_date(edition, edition.lang),
            "date_iso": edition.meta.date_text, "identifier": edition.meta.identifier,
            "author": edition.field_text("author"), "publisher": edition.field_text("publisher"),
            "description": page_description(edition), "book": book}


def is_listing(value) -> bool:
    """Whether ``value`` (read from the planner's cache) has a listing()'s shape."""
    return (isinstance(value, dict) and value.keys() == set(KEYS) and isinstance(value["book"], bool)
            and all(isinstance(value[key], str) for key in KEYS if key != "book"))
