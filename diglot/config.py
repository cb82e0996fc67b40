"""Project configuration: the ``[tool.diglot]`` table of ``pyproject.toml``.

A documented schema (like mkdocs'): every problem is reported at once with
the file, the line and the allowed values, then loading aborts.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DiglotError, DiglotErrors
from .languages import DEFAULT_LANGUAGES, OPENCC_PROFILES, canonical, default_pairs, language, opencc_profile

FORMATS = ("html", "pdf", "epub")
PAPERS = ("A4", "A5", "letter")
#: PDF standards WeasyPrint writes: tagged PDF/UA-1 by default, PDF/A-3b for archives.
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b")
#: OpenCC profiles that make Traditional from Simplified text (``opencc_profile``).
TRADITIONAL_PROFILES = tuple(p for p, (a, b) in OPENCC_PROFILES.items() if (a, b) == ("Hans", "Hant"))
#: An exact translation-memory match is taken as translated, as fuzzy, or memory is not used.
MEMORY_MODES = ("translated", "fuzzy", "off")
#: Whether a book's PDF is laid out in parts, one job per chapter (diglot.parts): above a size, always, never.
PDF_PARTS = ("auto", "always", "never")
#: Bounds on what a configuration may hold: a huge array is refused, not iterated.
MAX_LIST = 200

#: key: (type, description) — the README's configuration table says the same.
SCHEMA = {
    "languages": (list, "editions to publish: BCP 47 tags (zh-Hans, zh-Hant, zh-HK, en, fr, ja …)"),
    "bilingual": (list, "side-by-side editions: pairs of published languages, [[a, b], …]"),
    "derive": (dict, "Chinese editions derived by OpenCC: tag = profile, or \"catalogue\" to translate"),
    "formats": (list, "formats to build: any of html, pdf, epub"),
    "opencc_profile": (str, "OpenCC profile for Traditional (Taiwan) from Simplified: " + ", ".join(TRADITIONAL_PROFILES)),
    "base_url": (str, "public URL of output/, for canonical and hreflang links"),
    "min_translated": (int, "a language under this % of translated messages is not published"),
    "toc_depth": (int, "heading levels the contents list, from the document's top level (1–6)"),
    "paper": (str, "PDF paper size: " + ", ".join(PAPERS)),
    "pdf_variant": (str, "PDF standard: " + ", ".join(PDF_VARIANTS)),
    "pdf_parts": (str, "a long book's PDF laid out in parts, one job per chapter: " + ", ".join(PDF_PARTS)),
    "translation_memory": (str, "what update and init do with a translation memory match: "
                                + ", ".join(MEMORY_MODES)),
}


@dataclass(frozen=True)
class Config:
    root: Path
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    #: None: every Chinese edition beside every other language (languages.default_pairs)
    bilingual: tuple[tuple[str, str], ...] | None = None
    derive: tuple[tuple[str, str], ...] = ()
    formats: tuple[str, ...] = FORMATS
    opencc_profile: str = "s2twp"
    base_url: str = ""
    min_translated: int = 80
    toc_depth: int = 2
    paper: str = "A4"
    pdf_variant: str = "pdf/ua-1"
    pdf_parts: str = "auto"
    translation_memory: str = "translated"
    path: Path | None = field(default=None, compare=False)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The bilingual editions to make (each where both languages are published)."""
        if self.bilingual is None:
            return tuple(default_pairs(self.languages))
        return self.bilingual

    @property
    def derivations(self) -> dict[str, str]:
        """Tag → OpenCC profile or "catalogue": the project's choices for derived editions.
        ``opencc_profile`` applies to each Traditional (Taiwan) edition made from Simplified."""
        chosen = dict(self.derive)
        for tag in self.languages:
            taiwan = any(opencc_profile(other, tag) == "s2twp" for other in self.languages)
            if tag not in chosen and self.opencc_profile != "s2twp" and taiwan:
                chosen[tag] = self.opencc_profile
        return chosen

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def translations_dir(self) -> Path:
        return self.root / "translations"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds a ``source/`` folder."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "source").is_dir():
            return folder
    raise DiglotError(f"no source/ folder in {start} or above it; run Diglot from a project folder")


def load_config(root: Path) -> Config:
    path = root / "pyproject.toml"
    if not path.exists() and not path.is_symlink():
        return Config(root=root)
    text = _read(path, root)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else None
        raise DiglotError(f"invalid TOML: {exc}", path, line) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise DiglotError("invalid TOML: arrays or tables nested too deeply", path, _deepest_line(text)) from None
    tool = data.get("tool", {})
    table = tool.get("diglot", {}) if isinstance(tool, dict) else tool
    values = _validate(table, text, path)
    return Config(root=root, path=path, **values)


def _read(path: Path, root: Path) -> str:
    from .safety import confined

    confined(path, root)
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DiglotError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); TOML files are UTF-8", path, line) from None


_KIND_NAMES = {list: "list", str: "string", int: "whole number", dict: "table", float: "number", bool: "true/false"}


def _validate(table, text: str, path: Path) -> dict:
    if not isinstance(table, dict):
        raise DiglotError(f"[tool.diglot] must be a table of 'key = value' lines, not a "
                          f"{_KIND_NAMES.get(type(table), type(table).__name__)}", path, _table_line(text))
    errors, values = [], {}
    for key, value in table.items():
        line = _line_of(text, key)
        if key not in SCHEMA:
            errors.append(DiglotError(f"unknown key {key!r} in [tool.diglot] (allowed: {', '.join(SCHEMA)})", path, line))
            continue
        kind = SCHEMA[key][0]
        if not isinstance(value, kind) or isinstance(value, bool):  # Python counts true as the int 1
            found = _KIND_NAMES.get(type(value), type(value).__name__)
            errors.append(DiglotError(f"'{key}' must be a {_KIND_NAMES[kind]}, not a {found}", path, line))
            continue
        if isinstance(value, (list, dict)) and len(value) > MAX_LIST:
            errors.append(DiglotError(f"'{key}' holds {len(value):,} values; at most {MAX_LIST} are allowed", path, line))
            continue
        try:
            values[key] = _CHECKS.get(key, _check_choice)(key, value)
        except DiglotError as exc:
            errors.append(DiglotError(exc.message, path, line))
    if not errors:
        errors += [DiglotError(message, path, _line_of(text, key)) for key, message in _cross_checks(values)]
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    return values


def _check_choice(key: str, value):
    allowed = {"formats": FORMATS, "opencc_profile": TRADITIONAL_PROFILES, "paper": PAPERS,
               "pdf_variant": PDF_VARIANTS, "pdf_parts": PDF_PARTS, "translation_memory": MEMORY_MODES}.get(key)
    if allowed is None:
        if key == "min_translated" and not 0 <= value <= 100:
            raise DiglotError("'min_translated' must be between 0 and 100")
        if key == "toc_depth" and not 1 <= value <= 6:
            raise DiglotError("'toc_depth' must be between 1 and 6")
        if key == "base_url" and value and not re.match(r"https?://[^\s\"'<>]+$", value):
            raise DiglotError(f"'base_url' must be an http:// or https:// address, not {value!r}")
        return value
    values = value if isinstance(value, list) else [value]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise DiglotError(f"'{key}' has unknown value {', '.join(map(repr, bad))} (allowed: {', '.join(allowed)})")
    if isinstance(value, list) and not value:
        raise DiglotError(f"'{key}' is empty; name at least one of: {', '.join(allowed)}")
    _no_repeats(key, values)
    return tuple(value) if isinstance(value, list) else value


def _no_repeats(key: str, values: list) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise DiglotError(f"'{key}' lists {', '.join(map(repr, repeated))} more than once")


def _check_languages(key: str, value: list) -> tuple[str, ...]:
    if not value:
        raise DiglotError("'languages' is empty; name at least one BCP 47 tag, e.g. [\"en\"]")
    for tag in value:
        if not isinstance(tag, str):
            raise DiglotError(f"'languages' holds {tag!r}; each language is a BCP 47 tag in quotes, e.g. \"fr\"")
    problems = []
    for tag in value:
        try:
            language(tag)
        except DiglotError as exc:
            problems.append(exc.message)
    if problems:
        raise DiglotError("; ".join(problems))
    tags = [canonical(tag) for tag in value]
    _no_repeats(key, tags)
    return tuple(tags)


def _check_bilingual(key: str, value: list) -> tuple[tuple[str, str], ...]:
    pairs = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
            raise DiglotError(f"'bilingual' holds {pair!r}; each entry is a pair of languages, e.g. [\"zh-Hans\", \"en\"]")
        a, b = (canonical(t) for t in pair)
        if a == b:
            raise DiglotError(f"'bilingual' pairs {a} with itself")
        pairs.append((a, b))
    _no_repeats(key, pairs)
    return tuple(pairs)


def _check_derive(key: str, value: dict) -> tuple[tuple[str, str], ...]:
    allowed = ", ".join([*OPENCC_PROFILES, "catalogue"])
    out = []
    for tag, how in value.items():
        if not isinstance(how, str) or (how not in OPENCC_PROFILES and how != "catalogue"):
            raise DiglotError(f"'derive' gives {tag} the value {how!r} (allowed: {allowed})")
        language(tag)
        out.append((canonical(tag), how))
    return tuple(out)


_CHECKS = {"languages": _check_languages, "bilingual": _check_bilingual, "derive": _check_derive}


def _cross_checks(values: dict) -> list[tuple[str, str]]:
    """Problems between keys: pairs and derivations of languages the project does not publish."""
    languages = values.get("languages", DEFAULT_LANGUAGES)
    problems = []
    for pair in values.get("bilingual") or ():
        problems += [("bilingual", f"'bilingual' pairs {tag}, which is not in 'languages' ({', '.join(languages)})")
                     for tag in pair if tag not in languages]
    for tag, how in values.get("derive", ()):
        if tag not in languages:
            problems.append(("derive", f"'derive' names {tag}, which is not in 'languages' ({', '.join(languages)})"))
        elif how != "catalogue" and OPENCC_PROFILES[how][1] != language(tag).script:
            problems.append(("derive", f"'derive': OpenCC profile {how} writes {OPENCC_PROFILES[how][1]} text, but "
                                       f"{tag} is written in {language(tag).script}"))
    return problems


def _table_line(text: str) -> int | None:
    """The line that makes [tool.diglot]: its header, ``diglot =`` under [tool], or a dotted
    ``tool.diglot =`` at the top (not [project.scripts]' ``diglot = "diglot.cli:main"``)."""
    table = ""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if re.match(r"\[\[?\s*tool\s*\.\s*diglot\s*\]", stripped):
            return number
        if stripped.startswith("["):
            table = re.sub(r"[\s\[\]]", "", stripped)
        elif (table == "tool" and re.match(r"diglot\s*[=.]", stripped)) or \
                (table == "" and re.match(r"tool\s*\.\s*diglot\s*[=.]", stripped)) or \
                (table == "" and re.match(r"tool\s*=", stripped)):
            return number
    return None


def _deepest_line(text: str) -> int | None:
    """The line where brackets first nest deeper than a configuration ever needs."""
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        for char in line:
            depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
            if depth > 20:
                return number
    return None


def _line_of(text: str, key: str) -> int | None:
    in_table = False
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped == "[tool.diglot]"
        elif in_table and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
        if re.fullmatch(rf"\[\s*tool\.diglot\.{re.escape(key)}\s*\]", stripped):  # a sub-table
            return number
    return None
