"""Project configuration: the ``[tool.diglot]`` table of ``pyproject.toml``.

A documented schema (like mkdocs'): every problem is reported at once with
the file, the line and the allowed values, then loading aborts.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .chinese import PROFILES
from .errors import DiglotError, DiglotErrors
from .model import LANGUAGES

FORMATS = ("html", "pdf", "epub")
PAPERS = ("A4", "A5", "letter")
#: PDF standards WeasyPrint writes: tagged PDF/UA-1 by default, PDF/A-3b for archives.
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b")

#: key: (type, default, description) — the README's configuration table says the same.
SCHEMA = {
    "languages": (list, list(LANGUAGES), "editions to publish: any of zh-Hans, zh-Hant, en"),
    "formats": (list, list(FORMATS), "formats to build: any of html, pdf, epub"),
    "opencc_profile": (str, "s2twp", "OpenCC profile for zh-Hant: " + ", ".join(PROFILES)),
    "base_url": (str, "", "public URL of output/, for canonical and hreflang links"),
    "min_translated": (int, 80, "a language under this % of translated messages is not published"),
    "paper": (str, "A4", "PDF paper size: " + ", ".join(PAPERS)),
    "pdf_variant": (str, "pdf/ua-1", "PDF standard: " + ", ".join(PDF_VARIANTS)),
}


@dataclass(frozen=True)
class Config:
    root: Path
    languages: tuple[str, ...] = tuple(LANGUAGES)
    formats: tuple[str, ...] = FORMATS
    opencc_profile: str = "s2twp"
    base_url: str = ""
    min_translated: int = 80
    paper: str = "A4"
    pdf_variant: str = "pdf/ua-1"
    path: Path | None = field(default=None, compare=False)

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
    if not path.exists():
        return Config(root=root)
    text = _read(path)
    try:
        table = tomllib.loads(text).get("tool", {}).get("diglot", {})
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else None
        raise DiglotError(f"invalid TOML: {exc}", path, line) from None
    values = _validate(table, text, path)
    return Config(root=root, path=path, **values)


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DiglotError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); TOML files are UTF-8", path, line) from None


def _validate(table: dict, text: str, path: Path) -> dict:
    errors, values = [], {}
    for key, value in table.items():
        line = _line_of(text, key)
        if key not in SCHEMA:
            errors.append(DiglotError(f"unknown key '{key}' in [tool.diglot] (allowed: {', '.join(SCHEMA)})", path, line))
            continue
        kind, _default, _doc = SCHEMA[key]
        if not isinstance(value, kind) or isinstance(value, bool):  # Python counts true as the int 1
            errors.append(DiglotError(f"'{key}' must be a {kind.__name__}", path, line))
            continue
        problem = _check_value(key, value)
        if problem:
            errors.append(DiglotError(problem, path, line))
        values[key] = tuple(value) if kind is list else value
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    return values


def _check_value(key: str, value) -> str | None:
    allowed = {"languages": tuple(LANGUAGES), "formats": FORMATS, "opencc_profile": PROFILES, "paper": PAPERS,
               "pdf_variant": PDF_VARIANTS}.get(key)
    if allowed is None:
        if key == "min_translated" and not 0 <= value <= 100:
            return "'min_translated' must be between 0 and 100"
        if key == "base_url" and value and not re.match(r"https?://[^\s\"'<>]+$", value):
            return f"'base_url' must be an http:// or https:// address, not {value!r}"
        return None
    values = value if isinstance(value, list) else [value]
    bad = [v for v in values if v not in allowed]
    if bad:
        return f"'{key}' has unknown value {', '.join(map(repr, bad))} (allowed: {', '.join(allowed)})"
    if isinstance(value, list) and not value:
        return f"'{key}' is empty; name at least one of: {', '.join(allowed)}"
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        return f"'{key}' lists {', '.join(map(repr, repeated))} more than once"
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
