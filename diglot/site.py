"""The static site: what an edition's web page and the index show and link to.

Page-to-page links are relative (file:// and any server); canonical and hreflang links, which must be
absolute, are written only with base_url.
"""

from __future__ import annotations

import re

from .languages import language
from .listing import Listing
from .model import Document, plain_title
from .render import language_name

#: Kinds of file an edition has (<lang>/<slug>.<kind>), in the order pages list them, with media types.
MEDIA_TYPES = {"html": "text/html", "pdf": "application/pdf", "print.pdf": "application/pdf",
               "epub": "application/epub+zip", "vertical.epub": "application/epub+zip"}
BY_EXTENSION = {"html": "text/html", "pdf": "application/pdf", "epub": "application/epub+zip"}
DESCRIPTION_CHARS = 160


def edition_kinds(lang: str, formats) -> list[str]:
    """The files one edition has for the built ``formats`` (a vertical EPUB for zh-Hant)."""
    kinds = [kind for kind in ("html", "pdf", "epub") if kind in formats]
    if "epub" in formats and language(lang).vertical:
        kinds.append("vertical.epub")
    return kinds


def public_url(base_url: str, lang: str, slug: str, kind: str = "html") -> str:
    """The absolute URL of a file under ``base_url``, or the link from a sibling language folder."""
    if base_url:
        return f"{base_url.rstrip('/')}/{lang}/{slug}.{kind}"
    return f"../{lang}/{slug}.{kind}"


def web_context(doc: Document, langs: list[str], base_url: str, formats) -> dict:
    """Language switcher, alternates, canonical URL, downloads and description of one page."""
    languages = [{"lang": lang, "name": language_name(lang), "current": lang == doc.lang,
                  "href": f"../{lang}/{doc.slug}.html"} for lang in langs]
    alternates = _alternates(doc, langs, base_url)
    downloads = [{"kind": kind, "href": f"{doc.slug}.{kind}", "type": MEDIA_TYPES[kind]}
                 for kind in edition_kinds(doc.lang, formats) if kind != "html"]
    return {
        "languages": languages, "alternates": alternates, "downloads": downloads,
        "canonical": public_url(base_url, doc.lang, doc.slug) if base_url else "",
        "meta_description": page_description(doc),
    }


def _alternates(doc: Document, langs: list[str], base_url: str) -> list[dict]:
    """<link rel="alternate" hreflang> for every language: only with base_url, since search
    engines ignore (and audits flag) relative ones; the language switcher links them anyway."""
    if not base_url:
        return []
    alternates = [{"hreflang": lang, "href": public_url(base_url, lang, doc.slug)} for lang in langs]
    default = doc.meta.lang if doc.meta.lang in langs else langs[0]
    return alternates + [{"hreflang": "x-default", "href": public_url(base_url, default, doc.slug)}]


def page_description(doc: Document) -> str:
    """The front matter's description, or the start of the first paragraph."""
    if doc.description is not None:
        return plain_text(doc.description.text)
    for seg in doc.segments:
        if seg.kind == "paragraph":
            return shorten(plain_text(seg.text), DESCRIPTION_CHARS)
    return plain_text(doc.title.text)


def plain_text(markdown: str) -> str:
    """Inline Markdown as the words a reader sees: link texts, no markers or note calls."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"<((?:https?|mailto):[^>]+)>", r"\1", text)
    text = re.sub(r"\\(.)", r"\1", plain_title(text))
    return re.sub(r"\s+", " ", text).strip()


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:  # Latin text: end on a word
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip("，、；：,;: ") + "…"


def index_context(listings, sizes: dict[str, int], base_url: str, languages=(), pairs=(), lang: str | None = None
                  ) -> dict:
    """Every document and book, every published language, every file with its size (``listings``:
    diglot.listing's Listing of each published edition, a publication's together; ``sizes``: path under output/
    → bytes, for the files that exist); ``languages`` in the project's order, and its bilingual
    ``pairs``. With ``lang``: one language's index (output/<lang>/index.html), each publication
    under its title in that language, its files and the pairs it is part of.

    Its "documents" are made one at a time as the template walks them (a sequence with a length):
    an index of thousands of publications is never held whole."""
    prefix = "../" if lang else ""
    kinds_of = file_kinds(sizes)
    pairs = [p for p in pairs if not lang or lang in p]
    groups: dict[str, list[Listing]] = {}
    for shown in listings:
        groups.setdefault(shown.slug, []).append(shown)
    listed = [group for slug, group in groups.items()
              if any(not lang or shown.lang == lang for shown in group)
              or any(f"bilingual/{slug}.{a}-{b}." in kinds_of for a, b in pairs)]

    def entry(group: list[Listing]) -> dict:
        slug = group[0].slug
        title = next((g for g in group if g.lang == (lang or g.source)), group[0])  # the index's language, else the source's
        editions = [{"lang": shown.lang, "language": language_name(shown.lang), "title": shown.title,
                     "date": shown.date, "date_iso": shown.date_iso,
                     "files": [_file(kind, rel, sizes, prefix)
                               for kind, rel in files_with_prefix(f"{shown.lang}/{slug}.", sizes, kinds_of)]}
                    for shown in group if not lang or shown.lang == lang]
        editions.sort(key=lambda e: order.index(e["lang"]) if e["lang"] in order else len(order))
        return {"slug": slug, "lang": title.lang, "title": title.title, "book": group[0].book,
                "editions": editions, "bilingual": _bilingual_entries(slug, sizes, pairs, prefix, kinds_of)}

    order = list(languages)
    published = [tag for tag in order if any(rel.startswith(f"{tag}/") for rel in sizes)]
    where = f"{lang}/index.html" if lang else "index.html"
    canonical = f"{base_url.rstrip('/')}/{where}" if base_url else ""
    return {"documents": Lazy(listed, entry), "canonical": canonical,
            "indexes": [{"lang": tag, "name": language_name(tag), "href": f"{prefix}{tag}/index.html",
                         "current": tag == lang} for tag in published],
            "all_href": f"{prefix}index.html", "index_lang": lang}


class Lazy:
    """``make(item)`` for each of ``items``, made as it is walked (and again if walked again)."""

    def __init__(self, items: list, make):
        self.items, self.make = items, make

    def __iter__(self):
        return map(self.make, self.items)

    def __len__(self) -> int:
        return len(self.items)


def _bilingual_entries(slug: str, sizes: dict[str, int], pairs, prefix: str = "", kinds_of=None) -> list[dict]:
    """The side-by-side editions (output/bilingual/<slug>.<a>-<b>.*) that were built."""
    entries = []
    for a, b in pairs:
        files = [_file(kind, rel, sizes, prefix)
                 for kind, rel in files_with_prefix(f"bilingual/{slug}.{a}-{b}.", sizes, kinds_of)]
        if files:
            entries.append({"lang": a, "languages": [(a, language_name(a)), (b, language_name(b))], "files": files})
    return entries


def _file(kind: str, rel: str, sizes: dict[str, int], prefix: str = "") -> dict:
    return {"kind": kind, "href": prefix + rel, "size": human_size(sizes[rel]),
            "type": MEDIA_TYPES.get(kind) or BY_EXTENSION.get(kind.rsplit(".", 1)[-1], "")}


def file_kinds(sizes: dict[str, int]) -> dict[str, list[str]]:
    """Path prefix (``zh-Hans/doc.``) → the kinds of MEDIA_TYPES built under it, for files_with_prefix:
    an index lists thousands of editions, each looking up its files."""
    found: dict[str, list[str]] = {}
    for rel in sizes:
        for kind in MEDIA_TYPES:
            if rel.endswith("." + kind):
                found.setdefault(rel[:-len(kind)], []).append(kind)
    return found


def files_with_prefix(prefix: str, sizes: dict[str, int], kinds_of: dict[str, list[str]] | None = None
                      ) -> list[tuple[str, str]]:
    """(kind, path) of the files a reader downloads (not the cover images catalogues show);
    ``kinds_of``: file_kinds(sizes), if made."""
    if kinds_of is not None:
        kinds = list(kinds_of.get(prefix, ()))
    else:
        kinds = [rel[len(prefix):] for rel in sizes if rel.startswith(prefix) and rel[len(prefix):] in MEDIA_TYPES]
    order = list(MEDIA_TYPES)
    kinds.sort(key=lambda k: (order.index(k) if k in order else len(order), k))
    return [(kind, prefix + kind) for kind in kinds]


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
