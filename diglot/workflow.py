"""The translators' workflow: extract, update, init, stats and check.

Catalogues are merged with Babel and written unwrapped (one string per line,
as ``msgcat --no-wrap`` and Poedit/Weblate with wrapping off keep them), so a
changed paragraph is a one-line diff. Only ``update`` and ``init`` write
``.po`` files, atomically, and only when their bytes change.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from .catalog import atomic_write, extract_document, po_path, read_catalog
from .config import Config
from .errors import DiglotError
from .model import SOURCE_LANG, locale_of

UI_DOMAIN = "ui"


# --- paths ---------------------------------------------------------------

def pot_path(config: Config, domain: str) -> Path:
    return config.translations_dir / f"{domain}.pot"


def document_domains(config: Config) -> list[str]:
    return [path.stem for path in sorted(config.source_dir.glob("*.md"))]


def translated_languages(config: Config) -> list[str]:
    """Languages with a translators' catalogue per document (not the source, not OpenCC's)."""
    return [lang for lang in config.languages if lang not in (SOURCE_LANG, "zh-Hant")]


# --- writing ---------------------------------------------------------------

def po_bytes(catalog: Catalog, *, omit_header: bool = False) -> bytes:
    """The file as ``msgcat --no-wrap`` would keep it (Babel writes it, msgcat has the last word)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=omit_header, include_previous=True, sort_output=False)
    text = buffer.getvalue().decode("utf-8").lstrip("\n").rstrip("\n") + "\n"
    return _msgcat_no_wrap(text.encode("utf-8"))


def _msgcat_no_wrap(data: bytes) -> bytes:
    # Babel wraps '#|' previous-msgid comments at 76 columns whatever the width; GNU msgcat
    # normalises them (and everything else) to the no-wrap layout Poedit and Weblate keep.
    if shutil.which("msgcat") is None:
        return data
    result = subprocess.run(["msgcat", "--no-wrap", "--to-code=UTF-8", "-"], input=data, capture_output=True)
    return result.stdout if result.returncode == 0 and result.stdout else data


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True


# --- extract -----------------------------------------------------------------

def extract(config: Config) -> list[Path]:
    """Write one POT per document and ``ui.pot`` for the templates; return those that changed."""
    from .builder import read_documents

    changed = []
    for doc in read_documents(config):
        template = extract_document(doc, config.root)
        template.header_comment = (f"# Messages of source/{doc.slug}.md, one per block, extracted by Diglot.\n"
                                   "# Translate them in translations/<locale>/LC_MESSAGES/; see TRANSLATING.md.")
        if _store_template(template, pot_path(config, doc.slug)):
            changed.append(pot_path(config, doc.slug))
    if _store_template(extract_templates(config), pot_path(config, UI_DOMAIN)):
        changed.append(pot_path(config, UI_DOMAIN))
    return changed


def extract_templates(config: Config) -> Catalog:
    """Template strings through Babel's extractor and Jinja's i18n extension."""
    catalog = Catalog(project="Diglot templates", version="1", charset="utf-8", fuzzy=False,
                      msgid_bugs_address="", header_comment="# Strings of the templates in templates/, extracted by "
                      "Diglot.\n# English msgids; see TRANSLATING.md.")
    method_map = [("**.j2", "jinja2.ext:babel_extract")]
    options = {"**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true", "newstyle_gettext": "true"}}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(config.templates_dir), method_map, options, keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
        comment_tags=("Translators:",), strip_comment_tags=True,
    ):
        location = (f"templates/{filename}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def _same_messages(a: Catalog, b: Catalog) -> bool:
    def key(catalog):
        return [(m.id, m.context, sorted(m.locations), list(m.auto_comments)) for m in catalog if m.id]
    return key(a) == key(b)


def _store_template(template: Catalog, path: Path) -> bool:
    """Write a POT unless an existing one holds the same messages (keeps its date)."""
    if path.exists():
        with path.open("rb") as handle:
            if _same_messages(read_po(handle), template):
                return False
    template.creation_date = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    for message in template:
        message.flags.discard("python-format")  # "50% of" is prose, not a format string
    return _write_if_changed(path, po_bytes(template))


def _read_template(config: Config, domain: str) -> Catalog:
    path = pot_path(config, domain)
    if not path.exists():
        raise DiglotError(f"{path} does not exist; run 'diglot extract' first")
    with path.open("rb") as handle:
        return read_po(handle)


# --- update and init -----------------------------------------------------------

def catalogue_targets(config: Config) -> list[tuple[str, str, Path]]:
    """(domain, language, po path) of every catalogue translators keep, published or being prepared."""
    tr = config.translations_dir
    targets = {}
    for domain in [*document_domains(config), UI_DOMAIN]:
        wanted = translated_languages(config) if domain != UI_DOMAIN else [SOURCE_LANG]
        for lang in wanted:
            targets[po_path(tr, lang, domain)] = (domain, lang)
        for path in sorted(tr.glob(f"*/LC_MESSAGES/{domain}.po")):
            targets.setdefault(path, (domain, _lang_of_locale(path.parent.parent.name)))
    return [(domain, lang, path) for path, (domain, lang) in targets.items()]


def _lang_of_locale(locale: str) -> str:
    """BCP 47 tag for a catalogue folder name (zh_Hant → zh-Hant)."""
    return locale.replace("_", "-")


def update(config: Config) -> list[Path]:
    """Merge each POT into its catalogues: changed text fuzzy with ``#|``, removed text ``#~``."""
    changed = []
    for domain, lang, path in catalogue_targets(config):
        if not path.exists():
            continue
        catalog = read_catalog(path, lang)
        previous = {m.id: m.previous_id for m in catalog if m.fuzzy and m.previous_id}
        catalog.update(_read_template(config, domain), no_fuzzy_matching=False, update_header_comment=False)
        for message in catalog:  # msgmerge keeps '#|' while an entry stays fuzzy; Babel forgets it
            if message.fuzzy and not message.previous_id and message.id in previous:
                message.previous_id = previous[message.id]
        if lang == "zh-Hant":
            _drop_unreviewed(catalog)  # overrides hold only what a reviewer corrected
        for message in catalog:
            message.flags.discard("python-format")
        if _write_if_changed(path, po_bytes(catalog)):
            changed.append(path)
    return changed


def _drop_unreviewed(catalog: Catalog) -> None:
    for message in list(catalog):
        if message.id and not message.string and not message.fuzzy:
            del catalog[message.id]


def init(config: Config, lang: str) -> list[Path]:
    """Start catalogues for a new language from the POTs; never overwrite one."""
    created = []
    domains = document_domains(config) if lang != SOURCE_LANG else [UI_DOMAIN]
    for domain in domains:
        path = po_path(config.translations_dir, lang, domain)
        if path.exists():
            raise DiglotError(f"{path} already exists; use 'diglot update' to merge new text into it")
        template = _read_template(config, domain)
        catalog = Catalog(locale=locale_of(lang), project=template.project, charset="utf-8", fuzzy=False,
                          creation_date=template.creation_date)
        catalog.update(template)  # Babel fills Plural-Forms from CLDR for the locale
        _write_if_changed(path, po_bytes(catalog))
        created.append(path)
    return created


# --- stats ---------------------------------------------------------------------

@dataclass(frozen=True)
class Stat:
    domain: str
    lang: str
    translated: int
    fuzzy: int
    untranslated: int
    chars_total: int
    chars_translated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    def as_dict(self) -> dict:
        return {"document": self.domain, "language": self.lang, "translated": self.translated,
                "fuzzy": self.fuzzy, "untranslated": self.untranslated, "total": self.total,
                "percent": round(self.percent, 1), "source_characters": self.chars_total,
                "source_characters_translated": self.chars_translated}


def stats(config: Config) -> list[Stat]:
    """Per document and translated language: counts against the document's current messages."""
    from .builder import read_documents

    results = []
    for doc in read_documents(config):
        msgids = list(dict.fromkeys(seg.text for seg in doc.segments))
        for lang in translated_languages(config):
            path = po_path(config.translations_dir, lang, doc.slug)
            catalog = read_catalog(path, lang) if path.exists() else None
            results.append(_stat(doc.slug, lang, msgids, catalog))
    return results


def _stat(domain: str, lang: str, msgids: list[str], catalog: Catalog | None) -> Stat:
    translated = fuzzy = chars_done = 0
    for msgid in msgids:
        message = catalog.get(msgid) if catalog is not None else None
        if message is not None and message.string and message.fuzzy:
            fuzzy += 1
        elif message is not None and message.string:
            translated += 1
            chars_done += len(msgid)
    return Stat(domain, lang, translated, fuzzy, len(msgids) - translated - fuzzy,
                sum(len(m) for m in msgids), chars_done)


# --- check -----------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[!-~]+?(?=[>)\]\s]|[.,;:!?]?(?:\s|$)|$)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")
HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?\s*>|\son[a-z]+\s*=", re.IGNORECASE)
AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]*:[^<>\s]*|[^<>\s@]+@[^<>\s]+)>")


def check(config: Config, *, glossary: Path | None = None) -> list[Finding]:
    """Every problem in every catalogue, as path:line findings (errors and warnings)."""
    terms = read_glossary(glossary or config.translations_dir / "glossary.csv")
    findings: list[Finding] = []
    for domain, lang, path in catalogue_targets(config):
        if path.exists():
            findings += check_catalog(path, lang, terms if domain != UI_DOMAIN else [])
    return findings


def check_catalog(path: Path, lang: str, terms: list[dict]) -> list[Finding]:
    try:
        catalog = read_catalog(path, lang)
    except DiglotError as exc:
        return [Finding(path, exc.line or 1, exc.message)]
    findings = _msgfmt(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        line = _msgstr_line(lines, message.lineno or 1)
        findings += [Finding(path, line, text, severity) for severity, text in
                     check_message(message.id, message.string, lang, terms)]
    return findings


def check_message(msgid: str, msgstr: str, lang: str, terms: list[dict]) -> list[tuple[str, str]]:
    """(severity, message) for one translation."""
    problems = []
    for name, pattern in (("URL", URL), ("e-mail address", EMAIL), ("footnote reference", FOOTNOTE)):
        problems += _compare(name, pattern.findall(msgid), pattern.findall(msgstr))
    problems += _compare("number", _numbers(msgid), _numbers(msgstr))
    problems += _markup_changes(msgid, msgstr)
    if HTML_TAG.search(AUTOLINK.sub("", msgstr)):
        problems.append(("error", f"HTML in translation ({HTML_TAG.search(AUTOLINK.sub('', msgstr)).group(0).strip()!r}); "
                                  "translations are text and Markdown only"))
    if lang == "zh-Hant":
        problems += _simplified_only(msgstr)
    problems += _glossary(msgid, msgstr, lang, terms)
    return problems


def _numbers(text: str) -> list[str]:
    text = URL.sub("", EMAIL.sub("", FOOTNOTE.sub("", text)))
    return [n.replace(",", "") for n in NUMBER.findall(text)]


def _compare(name: str, source: list[str], target: list[str]) -> list[tuple[str, str]]:
    missing = [x for x in dict.fromkeys(source) if source.count(x) > target.count(x)]
    added = [x for x in dict.fromkeys(target) if target.count(x) > source.count(x)]
    out = [("error", f"{name} {x!r} of the source is missing from the translation") for x in missing]
    out += [("error", f"{name} {x!r} is in the translation but not in the source") for x in added]
    return out


_INLINE = MarkdownIt("commonmark", {"html": False}).use(footnote_plugin)
_INLINE.disable("footnote_tail")
MARKUP_KINDS = {"link_open": "link", "strong_open": "strong emphasis", "em_open": "emphasis",
                "code_inline": "inline code", "image": "image"}


def _markup(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    tokens = _INLINE.parseInline(text, {"footnotes": {"refs": {}}})
    for token in tokens[0].children or []:
        if token.type in MARKUP_KINDS:
            counts[MARKUP_KINDS[token.type]] = counts.get(MARKUP_KINDS[token.type], 0) + 1
    return counts


def _markup_changes(msgid: str, msgstr: str) -> list[tuple[str, str]]:
    source, target = _markup(msgid), _markup(msgstr)
    out = []
    for kind in sorted(set(source) | set(target)):
        s, t = source.get(kind, 0), target.get(kind, 0)
        if s > t:
            out.append(("error", f"Markdown {kind} lost in translation ({s} in source, {t} in translation)"))
        elif t > s:
            out.append(("error", f"Markdown {kind} added in translation ({s} in source, {t} in translation)"))
    return out


def _simplified_only(text: str) -> list[tuple[str, str]]:
    import hanzidentifier

    found = sorted({c for c in text if hanzidentifier.identify(c) == hanzidentifier.SIMPLIFIED})
    if not found:
        return []
    return [("error", f"Simplified-only characters in a Traditional text: {' '.join(found)}")]


def read_glossary(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "zh-Hans" not in rows[0]:
        raise DiglotError("glossary needs a header row 'zh-Hans,en,zh-Hant,note'", path, 1)
    return [row for row in rows if (row.get("zh-Hans") or "").strip()]


def _glossary(msgid: str, msgstr: str, lang: str, terms: list[dict]) -> list[tuple[str, str]]:
    column = "en" if lang == "en" else lang if lang == "zh-Hant" else None
    if column is None:
        return []
    out = []
    for row in terms:
        source, agreed = row["zh-Hans"].strip(), (row.get(column) or "").strip()
        if agreed and source in msgid and agreed.lower() not in msgstr.lower():
            out.append(("warning", f"glossary: '{source}' should be translated as '{agreed}'"))
    return out


def _msgstr_line(lines: list[str], msgid_line: int) -> int:
    for index in range(msgid_line - 1, min(len(lines), msgid_line + 200)):
        if lines[index].startswith("msgstr"):
            return index + 1
    return msgid_line


def _msgfmt(path: Path) -> list[Finding]:
    """GNU msgfmt's own verdict (``-c``): a second, independent parser."""
    if shutil.which("msgfmt") is None:
        return [Finding(path, 1, "msgfmt not found (Debian package gettext); PO syntax checked by Babel only",
                        "warning")]
    result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    findings = []
    for line in result.stderr.splitlines():
        match = re.match(rf"{re.escape(str(path))}:(\d+): (.*)", line)
        if match:
            findings.append(Finding(path, int(match.group(1)), f"msgfmt: {match.group(2)}"))
        elif result.returncode and "fatal error" not in line and line.strip():
            findings.append(Finding(path, 1, f"msgfmt: {line.strip()}"))
    return findings
