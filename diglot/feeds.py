"""What catalogues read: the OPDS 1.2 feed of the e-books and PDFs (output/opds.xml) and the sitemap.

In: the published editions (their titles, descriptions, authors), the files built and their
sizes. Out: XML, built with lxml: an OPDS acquisition feed that e-reader apps (KOReader,
Thorium, Calibre) browse, one entry per edition with its EPUB and PDF files and its cover, and
a sitemap of the web pages with their translations (written only with base_url: a sitemap
holds absolute addresses).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from .listing import Listing
from .site import MEDIA_TYPES, file_kinds, files_with_prefix

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
ACQUISITION = "http://opds-spec.org/acquisition/open-access"
CATALOG_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"


def _stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def opds_feed(listings, sizes: dict[str, int], base_url: str, updated: int, pairs=()) -> bytes:
    """The acquisition feed: an entry per edition (and per bilingual edition) with its files;
    ``listings``: diglot.listing's Listing of each published edition, a publication's together."""
    from lxml import etree

    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM, "dc": DC, "opds": OPDS})
    _text(feed, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base_url or 'diglot:' + ','.join(sorted(sizes)))}")
    _text(feed, "title", "Diglot")
    _text(feed, "updated", _stamp(updated))
    _link(feed, "self", "opds.xml", CATALOG_TYPE)
    _link(feed, "start", "opds.xml", CATALOG_TYPE)
    by_slug: dict[str, dict[str, Listing]] = {}
    kinds_of = file_kinds(sizes)
    for shown in listings:
        by_slug.setdefault(shown.slug, {})[shown.lang] = shown
        _entry(feed, shown, shown.lang, [shown.lang], f"{shown.lang}/{shown.slug}.", sizes, updated,
               kinds_of=kinds_of)
    for slug, langs in by_slug.items():
        for a, b in pairs:
            prefix = f"bilingual/{slug}.{a}-{b}."
            if a in langs and b in langs and prefix in kinds_of:
                _entry(feed, langs[a], f"{a}-{b}", [a, b], prefix, sizes, updated, subtitle=langs[b].title,
                       kinds_of=kinds_of)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _entry(feed, shown: Listing, edition: str, langs: list[str], prefix: str, sizes: dict[str, int], updated: int,
           subtitle: str = "", kinds_of=None) -> None:
    from .editions import identifier_urn

    files = [(kind, rel) for kind, rel in files_with_prefix(prefix, sizes, kinds_of) if kind != "html"]
    if not files:
        return
    from lxml import etree

    entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "title", shown.title + (f" · {subtitle}" if subtitle else ""))
    _text(entry, "id", identifier_urn(shown.identifier, edition))
    _text(entry, "updated", _stamp(updated))
    author = etree.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", shown.author or shown.publisher or "Diglot")
    for lang in langs:
        etree.SubElement(entry, f"{{{DC}}}language").text = lang
    if shown.publisher:
        etree.SubElement(entry, f"{{{DC}}}publisher").text = shown.publisher
    if shown.date_iso:
        etree.SubElement(entry, f"{{{DC}}}issued").text = shown.date_iso
    summary = _text(entry, "summary", shown.description)
    summary.set("type", "text")
    if f"{prefix}cover.png" in sizes:
        _link(entry, "http://opds-spec.org/image", f"{prefix}cover.png", "image/png")
        _link(entry, "http://opds-spec.org/image/thumbnail", f"{prefix}cover.png", "image/png")
    if f"{prefix}html" in sizes:
        _link(entry, "alternate", f"{prefix}html", "text/html")
    for kind, rel in files:
        link = _link(entry, ACQUISITION, rel, MEDIA_TYPES[kind])
        link.set("length", str(sizes[rel]))


def _text(parent, name: str, value: str):
    from lxml import etree

    element = etree.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = value
    return element


def _link(parent, rel: str, href: str, kind: str):
    from lxml import etree

    return etree.SubElement(parent, f"{{{ATOM}}}link", rel=rel, href=href, type=kind)


def sitemap(pages: dict[str, list[tuple[str, str]]], base_url: str) -> bytes:
    """<urlset>: each web page with its other languages (``pages``: path → [(lang, path)…])."""
    from lxml import etree

    sm, xhtml = "http://www.sitemaps.org/schemas/sitemap/0.9", "http://www.w3.org/1999/xhtml"
    root = etree.Element(f"{{{sm}}}urlset", nsmap={None: sm, "xhtml": xhtml})
    base = base_url.rstrip("/")
    for rel, alternates in pages.items():
        url = etree.SubElement(root, f"{{{sm}}}url")
        etree.SubElement(url, f"{{{sm}}}loc").text = f"{base}/{rel}"
        for lang, other in alternates:
            etree.SubElement(url, f"{{{xhtml}}}link", rel="alternate", hreflang=lang, href=f"{base}/{other}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
