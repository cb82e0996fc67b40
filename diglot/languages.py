"""The language registry: everything Diglot knows about a language, asked for by its BCP 47 tag.

No other module names a language. A tag's script, typography, faces, quotation marks and
name come from here (CLDR through Babel, fontconfig for faces), and so does how its edition
is made: from the source, from a catalogue, or derived from another edition by OpenCC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import DiglotError

#: What a project publishes when its configuration names no languages.
DEFAULT_LANGUAGES = ("zh-Hans", "zh-Hant", "en")
#: The language of the templates' strings (the msgids of translations/ui.pot): English, by gettext custom.
UI_SOURCE = "en"

#: ISO 15924 scripts Diglot sets with the Han typography of clreq / jlreq.
HAN_SCRIPTS = ("Hans", "Hant")
CJK_SCRIPTS = (*HAN_SCRIPTS, "Jpan", "Kore")
RTL_SCRIPTS = ("Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm")

#: Typography profiles: how a language's lines are broken, justified and spaced.
#:   han      — Chinese (W3C clreq): inter-character justification, punctuation squeezing, Han–Latin gaps
#:   japanese — Japanese (W3C jlreq): as han, with kana line-breaking rules and a one-character indent
#:   korean   — Korean (klreq): word spaces, justified at the spaces, keep-all word breaking
#:   western  — alphabetic scripts: word spaces, per-language hyphenation
PROFILES = ("han", "japanese", "korean", "western")

# --- faces -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Faces:
    """The fontconfig families a language is set in, and the Debian package that has them."""

    serif: str  # body text
    sans: str  # headings
    mono: str  # code
    package: str
    generic: str = "serif"


#: Han faces by (script, region): Noto CJK's regional designs (glyph shapes differ by region).
_CJK_FACES = {
    ("Hans", ""): "SC", ("Hant", ""): "TC", ("Hant", "HK"): "HK", ("Hant", "MO"): "HK",
    ("Jpan", ""): "JP", ("Kore", ""): "KR",
}
#: Faces of scripts whose Noto family names are not "Noto Serif <Script name>".
_SPECIAL_FACES = {
    "Latn": Faces("Noto Serif", "Noto Sans", "Noto Sans Mono", "fonts-noto-core"),
    "Arab": Faces("Noto Naskh Arabic", "Noto Sans Arabic", "Noto Sans Mono", "fonts-noto-core"),
}
#: Scripts the Latin Noto families cover.
_LATIN_FAMILY_SCRIPTS = ("Latn", "Cyrl", "Grek")
#: Used after every stack for characters no language face has (pictographs).
EMOJI_FACE = Faces("Noto Color Emoji", "Noto Color Emoji", "Noto Color Emoji", "fonts-noto-color-emoji")
#: BCP 47's tag for "no linguistic content": the symbols Diglot sets itself (task boxes ☐ ☑, the
#: mark of a continued code line ↪), in a face that has them, whatever the edition's language.
SYMBOLS = "zxx"
_SYMBOL_FACES = Faces("DejaVu Sans", "DejaVu Sans", "DejaVu Sans Mono", "fonts-dejavu-core", "sans-serif")


def _faces(script: str, region: str) -> Faces:
    if script in ("Hans", "Hant", "Jpan", "Kore"):
        code = _CJK_FACES.get((script, region)) or _CJK_FACES[(script, "")]
        return Faces(f"Noto Serif CJK {code}", f"Noto Sans CJK {code}", f"Noto Sans Mono CJK {code}", "fonts-noto-cjk")
    if script in _LATIN_FAMILY_SCRIPTS:
        return _SPECIAL_FACES["Latn"]
    if script in _SPECIAL_FACES:
        return _SPECIAL_FACES[script]
    name = _script_name(script)
    return Faces(f"Noto Serif {name}", f"Noto Sans {name}", "Noto Sans Mono", "fonts-noto-core")


def _script_name(script: str) -> str:
    from babel import Locale

    return re.sub(r"\s*\(.*\)$", "", Locale("en").scripts.get(script, script))


# --- quotation marks (CLDR "delimiters", which Babel does not ship) ------------------------------

#: (outer open, outer close, inner open, inner close) by language subtag, or by tag for Chinese.
_QUOTES = {
    "zh-Hans": "“”‘’", "zh-Hant": "「」『』", "ja": "「」『』", "ko": "“”‘’",
    "en": "“”‘’", "fr": "«»“”", "de": "„“‚‘", "es": "«»“”", "it": "«»“”", "pt": "“”‘’", "nl": "‘’“”",
    "ru": "«»„“", "uk": "«»„“", "pl": "„”«»", "cs": "„“‚‘", "sv": "””’’", "da": "»«›‹", "fi": "””’’",
    "nb": "«»‘’", "el": "«»“”", "tr": "“”‘’", "ar": "”“’‘", "he": "”“’‘", "vi": "“”‘’",
}

# --- the registry entry ------------------------------------------------------------------------


@dataclass(frozen=True)
class Language:
    """One BCP 47 tag and everything that follows from it."""

    tag: str  # as the project writes it: zh-Hant, zh-HK, fr, en-GB
    locale: str  # Babel / gettext identifier: zh_Hant, zh_HK, fr, en_GB
    subtag: str  # the language subtag: zh, fr
    script: str  # ISO 15924: Hans, Hant, Latn, Jpan, Kore, Cyrl, Arab …
    region: str  # ISO 3166 region or "" (CN, TW, HK …)
    name: str  # in its own language and script, e.g. 中文（繁體）
    direction: str  # ltr | rtl
    profile: str  # one of PROFILES
    faces: Faces
    quotes: str  # four characters: outer open/close, inner open/close
    hyphenation: str  # Pyphen / WeasyPrint hyphenation dictionary, or "" for none

    @property
    def cjk(self) -> bool:
        """Set on the character grid: inter-character justification, full-width punctuation."""
        return self.profile in ("han", "japanese")

    @property
    def han(self) -> bool:
        return self.script in HAN_SCRIPTS

    @property
    def centred_stops(self) -> bool:
        """，。 sit in the middle of the em box: Traditional Chinese faces (TC, HK)."""
        return self.script == "Hant"

    @property
    def vertical(self) -> bool:
        """Readers of this language expect a vertically set edition (縱排) as well."""
        return self.script == "Hant"

    @property
    def corner_quotes(self) -> bool:
        return self.quotes[0] == "「"

    def display_name(self, in_lang: "Language | None" = None) -> str:
        """The name of this language in ``in_lang`` (its own name by default)."""
        if in_lang is None or in_lang.tag == self.tag:
            return self.name
        return _name(self.locale, in_lang)


def _name(locale: str, in_lang: Language) -> str:
    from babel import Locale

    text = Locale.parse(locale).get_display_name(Locale.parse(in_lang.locale)) or locale
    if in_lang.script in CJK_SCRIPTS:  # CJK convention: 中文（繁體）, not 中文 (繁體)
        text = re.sub(r"\s*\((.*)\)$", r"（\1）", text).replace(", ", "，")
    return text


_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?(?:-[A-Za-z0-9]{5,8})*")


def canonical(tag: str) -> str:
    """BCP 47 case conventions: zh-hant-hk → zh-Hant-HK. Does not validate."""
    parts = str(tag).replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


@lru_cache(maxsize=None)
def language(tag: str) -> Language:
    """The registry entry for ``tag``; a DiglotError for a tag that is not a language Babel knows."""
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    text = str(tag)
    if text == SYMBOLS:
        return Language(SYMBOLS, SYMBOLS, SYMBOLS, "Zyyy", "", "symbols", "ltr", "western", _SYMBOL_FACES, "“”‘’", "")
    if not _TAG.fullmatch(text):
        raise DiglotError(f"'{text}' is not a BCP 47 language tag (e.g. en, fr, zh-Hans, zh-Hant, zh-HK, ja)")
    tag = canonical(text)
    locale_id = tag.replace("-", "_")
    try:
        locale = Locale.parse(locale_id)
    except (UnknownLocaleError, ValueError):
        raise DiglotError(f"'{text}' is not a language Diglot knows (CLDR has no locale {locale_id})") from None
    likely = get_global("likely_subtags")
    full = likely.get(locale_id) or likely.get(locale.language) or locale_id
    script = locale.script or _part(full, 1, 4) or "Latn"
    region = locale.territory or ""
    if locale.language == "zh" and not locale.script and region:
        script = _part(likely.get(f"zh_{region}", ""), 1, 4) or ("Hant" if region in ("TW", "HK", "MO") else "Hans")
    return Language(
        tag=tag, locale=locale_id, subtag=locale.language, script=script, region=region,
        name=_own_name(locale, script),
        direction="rtl" if script in RTL_SCRIPTS or locale.text_direction == "rtl" else "ltr",
        profile=_profile(locale.language, script), faces=_faces(script, _face_region(script, region)),
        quotes=_quotes(tag, locale.language, script), hyphenation=_hyphenation(locale_id, locale.language, script),
    )


def _part(identifier: str, index: int, length: int) -> str:
    parts = identifier.split("_")
    return parts[index] if len(parts) > index and len(parts[index]) == length else ""


def _face_region(script: str, region: str) -> str:
    return region if script == "Hant" else ""


def _own_name(locale, script: str) -> str:
    text = locale.get_display_name(locale) or str(locale)
    if script in CJK_SCRIPTS:
        text = re.sub(r"\s*\((.*)\)$", r"（\1）", text).replace(", ", "，")
    return text


def _profile(subtag: str, script: str) -> str:
    if script in HAN_SCRIPTS:
        return "han"
    if script == "Jpan":
        return "japanese"
    if script == "Kore":
        return "korean"
    return "western"


def _quotes(tag: str, subtag: str, script: str) -> str:
    if subtag == "zh":
        return _QUOTES["zh-Hant" if script == "Hant" else "zh-Hans"]
    return _QUOTES.get(tag) or _QUOTES.get(subtag) or _QUOTES["en"]


def _hyphenation(locale_id: str, subtag: str, script: str) -> str:
    if script in CJK_SCRIPTS:
        return ""
    import pyphen

    for candidate in (locale_id, subtag):
        if candidate in pyphen.LANGUAGES:
            return candidate
    return ""


def locale_of(tag: str) -> str:
    """The Babel / gettext identifier for a tag (zh-Hant → zh_Hant): catalogue folders."""
    return language(tag).locale


def tag_of_locale(locale_id: str) -> str:
    """The BCP 47 tag of a catalogue folder name (zh_Hant → zh-Hant, pt_BR → pt-BR)."""
    return canonical(locale_id)


def name_of(tag: str, in_tag: str | None = None) -> str:
    return language(tag).display_name(language(in_tag) if in_tag else None)


def check_tags(tags, where: str = "") -> list[DiglotError]:
    """A DiglotError for each tag that is not a language (every problem at once)."""
    errors = []
    for tag in tags:
        try:
            language(tag)
        except DiglotError as exc:
            errors.append(DiglotError(exc.message + where))
    return errors


#: The tag a text written in a script is taken to be in when nothing else says (the importer's guess).
SCRIPT_DEFAULTS = {"Hans": "zh-Hans", "Hant": "zh-Hant", "Jpan": "ja", "Kore": "ko", "Latn": "en", "Cyrl": "ru",
                   "Grek": "el", "Arab": "ar", "Hebr": "he"}


def tag_for_script(script: str) -> str:
    return SCRIPT_DEFAULTS.get(script, SCRIPT_DEFAULTS["Latn"])


_HAN_DIGITS = "〇一二三四五六七八九"


def spell_number(number: int, tag: str) -> str:
    """A number as a reader of ``tag`` writes it in a heading: 第一章 in Chinese and Japanese
    (Han numerals: 十二, 二十一, 一百零五), digits elsewhere."""
    if language(tag).script not in ("Hans", "Hant", "Jpan") or not 0 < number < 10000:
        return str(number)
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            if zero and out:
                out += "〇" if language(tag).script == "Jpan" else "零"
            out += ("" if (digit == 1 and unit == "十" and not out) else _HAN_DIGITS[digit]) + unit
            zero = False
        elif out:
            zero = True
    return out


# --- how an edition is made --------------------------------------------------------------------

#: OpenCC configurations by (from script/region, to script/region); "" is the region-less default.
#: Traditional without a region is Taiwan usage (s2twp, with Taiwan phrases: 網路, 資訊).
_OPENCC = {
    ("Hans", "Hant-TW"): "s2twp", ("Hans", "Hant-HK"): "s2hk",
    ("Hant-TW", "Hans"): "tw2sp", ("Hant-HK", "Hans"): "hk2s",
    ("Hant-TW", "Hant-HK"): "t2hk", ("Hant-HK", "Hant-TW"): "t2tw",
}
#: Every OpenCC configuration a project may name, with the script each reads and writes.
OPENCC_PROFILES = {
    "s2t": ("Hans", "Hant"), "s2tw": ("Hans", "Hant"), "s2twp": ("Hans", "Hant"), "s2hk": ("Hans", "Hant"),
    "t2s": ("Hant", "Hans"), "tw2s": ("Hant", "Hans"), "tw2sp": ("Hant", "Hans"), "hk2s": ("Hant", "Hans"),
    "t2tw": ("Hant", "Hant"), "t2hk": ("Hant", "Hant"), "tw2t": ("Hant", "Hant"), "hk2t": ("Hant", "Hant"),
}


def _variety(lang: Language) -> str:
    if lang.script == "Hans":
        return "Hans"
    return "Hant-HK" if lang.region in ("HK", "MO") else "Hant-TW"


def opencc_profile(source: str, target: str) -> str | None:
    """The OpenCC configuration that turns ``source`` text into ``target`` text, if one does."""
    a, b = language(source), language(target)
    if a.subtag != "zh" or b.subtag != "zh" or a.tag == b.tag:
        return None
    return _OPENCC.get((_variety(a), _variety(b)))


@dataclass(frozen=True)
class Recipe:
    """How one edition of a document is made."""

    lang: str
    how: str  # source | catalogue | derived
    base: str = ""  # derived: the edition it is converted from
    profile: str = ""  # derived: the OpenCC configuration

    @property
    def derived(self) -> bool:
        return self.how == "derived"


def recipes(source: str, targets, derive: dict[str, str] | None = None) -> dict[str, Recipe]:
    """How each of ``targets`` is made for a document written in ``source``, bases first.

    A Chinese edition in another script or region than an edition written or translated by
    people is derived from it by OpenCC, once: from the source when the source is Chinese,
    otherwise from a Chinese edition made from a catalogue. ``derive`` (the project's
    configuration) names a profile for a tag, or "catalogue" to have translators make it.
    """
    derive = derive or {}
    made: dict[str, Recipe] = {}
    # The source first, then what translators make, then what is derived; of two Chinese editions
    # that could each be derived from the other, Simplified is the one translated.
    ordered = sorted(targets, key=lambda tag: (tag != source, _derivable(tag, source, targets, derive),
                                               language(tag).script != "Hans"))
    for tag in ordered:
        made[tag] = _recipe(tag, source, made, derive)
    return made


def _derivable(tag: str, source: str, targets, derive: dict[str, str]) -> bool:
    return derive.get(tag) != "catalogue" and any(opencc_profile(other, tag) for other in (source, *targets)
                                                  if other != tag)


def _recipe(tag: str, source: str, made: dict[str, Recipe], derive: dict[str, str]) -> Recipe:
    if tag == source:
        return Recipe(tag, "source")
    wanted = derive.get(tag, "")
    if wanted == "catalogue":
        return Recipe(tag, "catalogue")
    bases = [source] + [other for other, recipe in made.items() if recipe.how == "catalogue"]
    for base in bases:
        profile = opencc_profile(base, tag)
        if profile is None:
            continue
        if wanted and OPENCC_PROFILES[wanted][0] == language(base).script:
            profile = wanted
        return Recipe(tag, "derived", base, profile)
    return Recipe(tag, "catalogue")


# --- bilingual pairs -------------------------------------------------------------------------

def default_pairs(languages) -> list[tuple[str, str]]:
    """Every Chinese edition with every non-Chinese one: the pairs readers of the two want."""
    chinese = [tag for tag in languages if language(tag).subtag == "zh"]
    others = [tag for tag in languages if language(tag).subtag != "zh"]
    return [(a, b) for a in chinese for b in others]
