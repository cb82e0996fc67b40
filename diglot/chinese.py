"""Chinese script conversion with OpenCC (either direction, any region), then reviewer overrides.

The only module that imports OpenCC. Conversion is not idempotent
(演算法 → 演演算法 on a second pass, OpenCC #950), so a Document remembers
that it was converted and a second call is refused. URLs, e-mail addresses,
code spans and footnote labels are never converted.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from .errors import DiglotError
from .languages import OPENCC_PROFILES, language
from .model import Document, Segment

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

#: Every OpenCC configuration a project may name.
PROFILES = tuple(OPENCC_PROFILES)
#: Profiles into a regional usage whose quotation marks differ from the input's.
_TO_CORNER = ("s2tw", "s2twp", "s2hk")
_TO_CURLY = ("tw2s", "tw2sp", "hk2s")

# Spans OpenCC must not touch: autolinks, link targets, code, footnote calls, URLs, e-mails.
_PROTECTED = re.compile(
    r"<[^<>\s]+>"                       # <https://…> autolinks
    r"|\]\([^)]*\)"                     # ](link target)
    r"|`[^`]*`"                         # `code`
    r"|\[\^[^\]\s]+\]"                  # [^footnote]
    r"|[A-Za-z][A-Za-z0-9+.-]*://[!-~]+"  # bare URLs (ASCII only: CJK after them is text)
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"  # e-mail addresses
)
_CORNER = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})
_CURLY = str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’"})


@lru_cache(maxsize=None)
def _converter(profile: str):
    import opencc

    return opencc.OpenCC(f"{profile}.json")


def check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise DiglotError(f"unknown OpenCC profile '{profile}' (allowed: {', '.join(PROFILES)})")


def convert_text(text: str, profile: str = "s2twp") -> str:
    """Convert one string, leaving protected spans byte for byte."""
    check_profile(profile)
    convert = _converter(profile).convert
    out, last = [], 0
    for match in _PROTECTED.finditer(text):
        out.append(convert(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(convert(text[last:]))
    result = "".join(out)
    if profile in _TO_CORNER:
        result = _corner_quotes(result)
    elif profile in _TO_CURLY:
        result = result.translate(_CURLY)
    return result


def _corner_quotes(text: str) -> str:
    # Only quotation marks inside Chinese text; Latin apostrophes (it’s) stay.
    return re.sub(
        r"[“”‘’]",
        lambda m: m.group(0) if _latin_apostrophe(text, m.start()) else m.group(0).translate(_CORNER),
        text,
    )


def _latin_apostrophe(text: str, index: int) -> bool:
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return text[index] == "’" and before.isascii() and before.isalpha() and (not after or after.isascii())


def convert_document(doc: Document, target: str, profile: str, overrides: Catalog | None = None) -> Document:
    """The ``target`` edition derived from ``doc``: OpenCC once over the segments written in
    ``doc``'s language (a fallback segment keeps its own language and text), overrides win."""
    check_profile(profile)
    if doc.converted:
        raise DiglotError(f"{doc.path}: already converted ({doc.converted}); OpenCC must run only once")
    reads = OPENCC_PROFILES[profile][0]
    if language(doc.lang).script != reads:
        raise DiglotError(f"{doc.path}: OpenCC profile {profile} converts {reads} text, not {doc.lang}")
    segments = [_convert_segment(seg, doc.lang, target, profile, overrides) for seg in doc.segments]
    return doc.with_segments(segments, lang=target, converted=f"opencc:{profile}")


def _convert_segment(seg: Segment, base: str, target: str, profile: str, overrides: Catalog | None) -> Segment:
    message = overrides.get(seg.msgid) if overrides is not None else None
    if message is not None and message.string and not message.fuzzy:
        return replace(seg, text=message.string, lang=target, source=seg.msgid, fallback=False)
    if seg.lang != base:  # text the base edition shows in another language (its source): keep it
        return replace(seg, source=seg.msgid)
    return replace(seg, text=convert_text(seg.text, profile), lang=target, source=seg.msgid)


def convert_catalog(catalog: Catalog | None, profile: str, overrides: Catalog | None = None,
                    locale: str | None = None) -> Catalog:
    """UI strings of a derived language: OpenCC over its base's UI catalogue, overrides win."""
    from babel.messages.catalog import Catalog

    result = Catalog(locale=locale, charset="utf-8", fuzzy=False)
    for message in catalog or ():
        if not message.id or not message.string or message.fuzzy:
            continue
        override = overrides.get(message.id) if overrides is not None else None
        if override is not None and override.string and not override.fuzzy:
            string = override.string
        else:
            string = convert_text(message.string, profile)
        result.add(message.id, string)
    return result
