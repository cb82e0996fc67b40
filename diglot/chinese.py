"""Chinese script conversion with OpenCC (either direction, any region), then reviewer overrides.

The only module that imports OpenCC. Conversion is not idempotent
(演算法 → 演演算法 on a second pass, OpenCC #950), so a Document remembers
that it was converted and a second call is refused. URLs, e-mail addresses,
code spans and footnote labels are never converted.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
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


@lru_cache(maxsize=32)
def _converter(profile: str, rules: tuple = ()):
    """OpenCC for ``profile``; with ``rules`` ((phrase, replacement), …) as a user dictionary:
    in the segmentation (longest match among OpenCC's phrases and the rules, so a rule applies
    only to a whole word), first in the first conversion step, and as a guard (replacement →
    itself) before each later step, which would otherwise turn 聯繫 back into 聯絡."""
    import opencc

    if not rules:
        return opencc.OpenCC(f"{profile}.json")
    import json
    import tempfile

    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    config = json.loads((share / f"{profile}.json").read_text(encoding="utf-8"))
    _absolute(config, share)
    with tempfile.TemporaryDirectory(prefix="diglot-opencc-") as folder:
        user, guard = Path(folder) / "rules.txt", Path(folder) / "guard.txt"
        user.write_text("".join(f"{a}\t{b}\n" for a, b in sorted(rules)), encoding="utf-8")
        guard.write_text("".join(f"{b}\t{b}\n" for b in sorted({b for _a, b in rules})), encoding="utf-8")
        config["segmentation"]["dict"] = _first(user, config["segmentation"]["dict"], "union")
        steps = config["conversion_chain"]
        steps[0]["dict"] = _first(user, steps[0]["dict"], "short_circuit")
        for step in steps[1:]:
            step["dict"] = _first(guard, step["dict"], "short_circuit")
        path = Path(folder) / f"{profile}.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        return opencc.OpenCC(str(path))  # OpenCC reads every dictionary now; the folder may go


def _first(text_dict: Path, rest: dict, policy: str) -> dict:
    return {"type": "group", "match_policy": policy, "dicts": [{"type": "text", "file": str(text_dict)}, rest]}


def _absolute(node, share: Path) -> None:
    """OpenCC resolves dictionary files next to the configuration: name them by full path."""
    if isinstance(node, dict):
        if node.get("type") in ("ocd2", "ocd", "text") and "file" in node:
            node["file"] = str(share / node["file"])
        for value in node.values():
            _absolute(value, share)
    elif isinstance(node, list):
        for value in node:
            _absolute(value, share)


def check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise DiglotError(f"unknown OpenCC profile '{profile}' (allowed: {', '.join(PROFILES)})")


def convert_text(text: str, profile: str = "s2twp", rules: tuple = ()) -> str:
    """Convert one string, leaving protected spans byte for byte; ``rules``: phrase rules
    ((phrase, replacement), …, see diglot.phrases) applied by OpenCC itself."""
    check_profile(profile)
    convert = _converter(profile, tuple(rules)).convert
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


def convert_document(doc: Document, target: str, profile: str, overrides: Catalog | None = None,
                     rules: tuple = ()) -> Document:
    """The ``target`` edition derived from ``doc``: OpenCC (with the phrase ``rules``) once over
    the segments written in ``doc``'s language (a fallback segment keeps its own language and
    text), overrides win."""
    check_profile(profile)
    if doc.converted:
        raise DiglotError(f"{doc.path}: already converted ({doc.converted}); OpenCC must run only once")
    reads = OPENCC_PROFILES[profile][0]
    if language(doc.lang).script != reads:
        raise DiglotError(f"{doc.path}: OpenCC profile {profile} converts {reads} text, not {doc.lang}")
    segments = [_convert_segment(seg, doc.lang, target, profile, overrides, rules) for seg in doc.segments]
    return doc.with_segments(segments, lang=target, converted=f"opencc:{profile}")


def _convert_segment(seg: Segment, base: str, target: str, profile: str, overrides: Catalog | None,
                     rules: tuple = ()) -> Segment:
    message = overrides.get(seg.msgid) if overrides is not None else None
    if message is not None and message.string and not message.fuzzy:
        return replace(seg, text=message.string, lang=target, source=seg.msgid, fallback=False)
    if seg.lang != base:  # text the base edition shows in another language (its source): keep it
        return replace(seg, source=seg.msgid)
    return replace(seg, text=convert_text(seg.text, profile, rules), lang=target, source=seg.msgid)


def convert_catalog(catalog: Catalog | None, profile: str, overrides: Catalog | None = None,
                    locale: str | None = None, rules: tuple = ()) -> Catalog:
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
            string = convert_text(message.string, profile, rules)
        result.add(message.id, string)
    return result
