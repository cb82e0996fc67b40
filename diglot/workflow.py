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

from .syntax import text_parser
from .catalog import atomic_write, extract_document, po_path, read_catalog
from .config import Config
from .editions import UI_DOMAIN, domains as parts_of, edition_recipes, read_documents
from .errors import DiglotError
from .hygiene import HAN as HAN_CHARACTERS, display_width
from .memory import from_memory, prefill, project_memory
from .languages import UI_SOURCE, canonical, language, locale_of, recipes, tag_of_locale


# --- paths ---------------------------------------------------------------

def pot_path(config: Config, domain: str) -> Path:
    return config.translations_dir / f"{domain}.pot"


def document_domains(config: Config) -> list[str]:
    return [path.stem for path in sorted(config.source_dir.glob("*.md"))]


def domain_recipes(config: Config, languages=None, docs=None) -> dict[str, tuple[str, dict]]:
    """Each catalogue domain (a document, or the UI) → (its source language, how each language is made);
    ``docs``: the documents already read (else every one is, and must be readable)."""
    languages = tuple(languages or config.languages)
    domains = {part.slug: (part.lang, recipes(part.lang, languages, config.derivations))
               for doc in (read_documents(config) if docs is None else docs) for part in parts_of(doc)}
    domains[UI_DOMAIN] = (UI_SOURCE, recipes(UI_SOURCE, languages, config.derivations))
    return domains


def translated_languages(config: Config, domain_recipe: dict) -> list[str]:
    """Languages translators keep a catalogue of (not the source, not those derived by OpenCC)."""
    return [lang for lang, recipe in domain_recipe.items() if recipe.how == "catalogue"]


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
    changed = []
    for doc in (part for publication in read_documents(config) for part in parts_of(publication)):
        template = extract_document(doc, config.root)
        where = doc.path.relative_to(config.root).as_posix() if doc.path.is_relative_to(config.root) else doc.path
        template.header_comment = (f"# Messages of {where}, one per block, extracted by Diglot.\n"
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
    from .ebook import label_messages

    for message, lineno in label_messages(config.templates_dir):
        catalog.add(message, None, [("templates/epub/labels.yaml", lineno)],
                    auto_comments=["A label reading systems show (EPUB landmarks, cover, accessibility)."])
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
    from .catalog import read_template

    return read_template(path)  # strictly, with path:line, like a catalogue


# --- update and init -----------------------------------------------------------

def catalogue_targets(config: Config, domains: dict | None = None) -> list[tuple[str, str, Path]]:
    """(domain, language, po path) of every catalogue translators and reviewers keep: those the
    configured languages need, and any other already in translations/ (a language being prepared)."""
    tr = config.translations_dir
    domains = domains if domains is not None else domain_recipes(config)
    targets = {}
    for domain, (_source, made) in domains.items():
        for lang in translated_languages(config, made):
            targets[po_path(tr, lang, domain)] = (domain, lang)
        for path in sorted(tr.glob(f"*/LC_MESSAGES/{domain}.po")):
            targets.setdefault(path, (domain, tag_of_locale(path.parent.parent.name)))
    return [(domain, lang, path) for path, (domain, lang) in targets.items()]


def _derived(domains: dict, domain: str, lang: str) -> bool:
    recipe = domains.get(domain, ("", {}))[1].get(lang)
    return recipe is not None and recipe.derived


#: ``update`` refuses, without ``--force``, to make more than this share of a catalogue's
#: translations obsolete at once: a POT that lost most of its text is a mistake more often than an edit.
MAX_OBSOLETED = 0.5


def update(config: Config, *, force: bool = False) -> list[Path]:
    """Merge each POT into its catalogues: changed text fuzzy with ``#|``, removed text ``#~``.
    Every catalogue is merged and checked before any is written: one problem writes nothing."""
    from .errors import DiglotErrors

    merged, errors = [], []
    domains = domain_recipes(config)
    for domain, lang, path in catalogue_targets(config, domains):
        if not path.exists():
            continue
        try:
            merged.append((path, _merged(config, domains, domain, lang, path, force)))
        except DiglotErrors as exc:
            errors += exc.errors
        except DiglotError as exc:
            errors.append(exc)
    errors = list({str(error): error for error in errors}.values())  # a broken POT, once for all its catalogues
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    return [path for path, data in merged if _write_if_changed(path, data)]


def _merged(config: Config, domains: dict, domain: str, lang: str, path: Path, force: bool) -> bytes:
    """The bytes ``path`` has once its POT is merged in."""
    catalog = read_catalog(path, lang)
    previous = {m.id: m.previous_id for m in catalog if m.fuzzy and m.previous_id}
    translated = sum(1 for m in catalog if m.id and m.string and not m.fuzzy)
    already_obsolete = set(catalog.obsolete)
    template = _read_template(config, domain)
    _revive(catalog, template)
    catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
    lost = [key for key, m in catalog.obsolete.items() if key not in already_obsolete and m.string and not m.fuzzy]
    _refuse_mass_obsoletion(len(lost), translated, template, path, pot_path(config, domain), force)
    for message in catalog:  # msgmerge keeps '#|' while an entry stays fuzzy; Babel forgets it
        if message.fuzzy and not message.previous_id and message.id in previous:
            message.previous_id = previous[message.id]
    for key in [key for key in catalog.obsolete if key in catalog._messages]:
        del catalog.obsolete[key]  # never the same msgid twice (msgfmt refuses the file)
    if _derived(domains, domain, lang):
        _drop_unreviewed(catalog, template)  # a derived edition's overrides hold only what a reviewer corrected
    else:
        prefill(catalog, project_memory(config, lang, exclude=path), config.translation_memory)
    for message in catalog:
        message.flags.discard("python-format")
    return po_bytes(catalog)


def _refuse_mass_obsoletion(lost: int, translated: int, template: Catalog, path: Path, pot: Path,
                            force: bool) -> None:
    """An empty POT, or one that would make most translations obsolete: refused unless ``force``."""
    if force or not lost:
        return
    if not any(m.id for m in template):
        raise DiglotError(f"{pot} holds no messages: merging it would make all {lost} translations of this "
                          f"catalogue obsolete; run 'diglot extract' to rewrite it (or 'update --force')", path)
    if lost > MAX_OBSOLETED * translated:
        raise DiglotError(f"merging {pot} would make {lost} of {translated} translations obsolete (over "
                          f"{MAX_OBSOLETED:.0%}): is it the right POT? run 'diglot extract', or 'update --force' "
                          "if the source really lost that much text", path)


def _revive(catalog: Catalog, template: Catalog) -> None:
    """Obsolete entries (``#~``) whose text is back in the source become live again with their
    translation and flags, as msgmerge revives them; Babel would add the text untranslated
    beside the obsolete copy (the same msgid twice)."""
    wanted = {message.id for message in template if message.id}
    for key, message in list(catalog.obsolete.items()):
        if message.id in wanted and key not in catalog._messages:
            del catalog.obsolete[key]
            catalog[message.id] = message


def _drop_unreviewed(catalog: Catalog, template: Catalog) -> None:
    """An override file keeps what reviewers wrote. A fuzzy entry is kept only where its text
    changed in the source (its previous msgid is gone): one that Babel matched to another
    override whose text is still there is a guess about an unreviewed block, not an override."""
    current = {m.id for m in template if m.id}
    for message in list(catalog):
        if not message.id:
            continue
        previous = "".join(message.previous_id) if message.previous_id else ""
        guessed = message.fuzzy and previous in current
        if (not message.string and not message.fuzzy) or guessed:
            del catalog[message.id]


def init(config: Config, lang: str) -> list[Path]:
    """Start every missing catalogue of a language from the POTs; never overwrite one."""
    try:
        lang = language(lang).tag
    except DiglotError as exc:
        raise DiglotError(f"init {lang}: {exc.message}") from None
    domains = domain_recipes(config, dict.fromkeys((*config.languages, lang)))
    wanted = [domain for domain, (_source, made) in domains.items() if made[lang].how == "catalogue"]
    if not wanted:
        raise DiglotError(f"{lang} needs no catalogue: it is the source of every document or derived by OpenCC "
                          f"(its reviewers' overrides start empty; see TRANSLATING.md)")
    created, existing = [], []
    for domain in wanted:
        path = po_path(config.translations_dir, lang, domain)
        if path.exists():
            existing.append(path)
            continue
        template = _read_template(config, domain)
        catalog = Catalog(locale=locale_of(lang), project=template.project, charset="utf-8", fuzzy=False,
                          creation_date=template.creation_date)
        catalog.update(template)  # Babel fills Plural-Forms from CLDR for the locale
        prefill(catalog, project_memory(config, lang, exclude=path), config.translation_memory)
        for message in catalog:
            message.flags.discard("python-format")  # "50% of" is prose, not a format string
        _write_if_changed(path, po_bytes(catalog))
        created.append(path)
    if not created:
        shown = ", ".join(str(p) for p in existing)
        raise DiglotError(f"{shown} already exists; use 'diglot update' to merge new text into it")
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
    from_memory: int = 0  # translated or fuzzy entries that translation memory pre-filled

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
                "source_characters_translated": self.chars_translated, "from_memory": self.from_memory}


def stats(config: Config) -> list[Stat]:
    """Per document and translated language: counts against the document's current messages."""
    results = []
    for doc in (part for publication in read_documents(config) for part in parts_of(publication)):
        msgids = list(dict.fromkeys(seg.text for seg in doc.segments))
        made = edition_recipes(doc, config)
        for lang in translated_languages(config, made):
            path = po_path(config.translations_dir, lang, doc.slug)
            catalog = read_catalog(path, lang) if path.exists() else None
            results.append(_stat(doc.slug, lang, msgids, catalog))
    return results


def _stat(domain: str, lang: str, msgids: list[str], catalog: Catalog | None) -> Stat:
    translated = fuzzy = chars_done = remembered = 0
    for msgid in msgids:
        message = catalog.get(msgid) if catalog is not None else None
        if message is not None and message.string and from_memory(message):
            remembered += 1
        if message is not None and message.string and message.fuzzy:
            fuzzy += 1
        elif message is not None and message.string:
            translated += 1
            chars_done += len(msgid)
    return Stat(domain, lang, translated, fuzzy, len(msgids) - translated - fuzzy,
                sum(len(m) for m in msgids), chars_done, remembered)


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
    """Every problem a build would meet, as path:line findings (errors and warnings): in the
    sources, the templates, the fonts, and every catalogue."""
    terms = read_glossary(glossary or config.translations_dir / "glossary.csv")
    findings, docs = check_sources(config)
    domains = domain_recipes(config, docs=docs)
    for domain, lang, path in catalogue_targets(config, domains):
        if path.exists():
            source = domains.get(domain, (UI_SOURCE, {}))[0]
            found = check_catalog(path, lang, terms if domain != UI_DOMAIN else [], source)
            if domain == UI_DOMAIN:
                found += _placeholders(path, lang)
            findings += found
    if not any(f.severity == "error" for f in findings):
        findings += _check_glyphs(config, docs)
    return findings


def check_sources(config: Config) -> tuple[list[Finding], list]:
    """What a build refuses before it renders: each source's problems (front matter, refused
    constructs, links, notes), the templates, the fonts; with the documents that were readable."""
    from .builder import check_templates
    from .editions import document_paths, read_publication
    from .errors import DiglotErrors
    from .fonts import check_installed

    findings: list[Finding] = []
    docs = []

    def add(exc: DiglotError, where: Path) -> None:
        for error in exc.errors if isinstance(exc, DiglotErrors) else [exc]:
            findings.append(Finding(error.path or where, error.line or 1, error.message))

    paths = document_paths(config)
    if not paths:
        findings.append(Finding(config.source_dir, 1, "no documents (*.md) or books (<folder>/book.yaml)"))
    for path in paths:
        try:
            doc = read_publication(path, config)
        except DiglotError as exc:
            add(exc, path)
            continue
        docs.append(doc)
        for part in parts_of(doc):
            findings += [_warning(text, part.path) for text in part.warnings]
    try:
        check_templates(config)
    except DiglotError as exc:
        add(exc, config.templates_dir)
    try:
        check_installed(list(dict.fromkeys([*config.languages, *(d.lang for d in docs)])))
    except DiglotError as exc:
        add(exc, config.root / "pyproject.toml")
    return findings, docs


def _warning(text: str, path: Path) -> Finding:
    """A source warning ("path:line: message") as a finding."""
    found = re.match(r"(.+?):(\d+): (.*)$", text, re.S)
    if found:
        return Finding(Path(found.group(1)), int(found.group(2)), found.group(3), "warning")
    return Finding(path, 1, text, "warning")


def _check_glyphs(config: Config, docs) -> list[Finding]:
    """Every character of every edition has a glyph in an installed face (the PDF needs one)."""
    from .editions import Edition, make_edition
    from .workers import check_coverage

    findings = []
    for doc in docs:
        for lang in config.languages:
            try:
                check_coverage([Edition(make_edition(doc, lang, config), None)])
            except DiglotError as exc:
                findings.append(Finding(exc.path or doc.path, exc.line or 1, exc.message))
    return findings


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _placeholders(path: Path, lang: str) -> list[Finding]:
    """A template string's %(name)s must stay: the page would not render without it."""
    catalog = read_catalog(path, lang)
    lines = path.read_text(encoding="utf-8").split("\n")
    findings = []
    for message in catalog:
        if message.id and message.string and not message.fuzzy:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                if string and set(PLACEHOLDER.findall(string)) != set(PLACEHOLDER.findall(msgid)):
                    findings.append(Finding(path, _msgstr_line(lines, message.lineno or 1),
                                            f"placeholders {sorted(PLACEHOLDER.findall(msgid))} of the msgid are not "
                                            f"the translation's {sorted(PLACEHOLDER.findall(string))}"))
    return findings


def check_catalog(path: Path, lang: str, terms: list[dict], source: str = "") -> list[Finding]:
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
                     check_message(message.id, message.string, lang, terms, source)]
    return findings


def check_message(msgid: str, msgstr: str, lang: str, terms: list[dict], source: str = "") -> list[tuple[str, str]]:
    """(severity, message) for one translation of a ``source``-language msgid into ``lang``."""
    problems = []
    for name, pattern in (("URL", URL), ("e-mail address", EMAIL), ("footnote reference", FOOTNOTE)):
        problems += _compare(name, pattern.findall(msgid), pattern.findall(msgstr))
    # A number may be written out in the source and in figures in the translation ("the first
    # three" → 第一条至第三条, "December" → 12月): one the translation adds is a warning only.
    problems += _compare("number", _numbers(msgid, numerals=False), _numbers(msgstr), added="warning")
    # A Chinese numeral (第四章, 四章) is often a word in the translation ("four chapters"): a warning.
    words = [n for n in _numbers(msgid) if n not in _numbers(msgid, numerals=False)]
    problems += [("warning", f"number {n!r} of the source ({_numeral_text(msgid, n)}) is not in the translation as a "
                             "figure: check it is translated") for n in words if n not in _numbers(msgstr)]
    problems += _markup_changes(msgid, msgstr)
    if HTML_TAG.search(AUTOLINK.sub("", msgstr)):
        problems.append(("error", f"HTML in translation ({HTML_TAG.search(AUTOLINK.sub('', msgstr)).group(0).strip()!r}); "
                                  "translations are text and Markdown only"))
    problems += _wrong_script(msgstr, lang)
    problems += _code_changes(msgid, msgstr)
    problems += _left_untranslated(msgid, msgstr, lang)
    problems += _brackets(msgid, msgstr)
    problems += _spacing(msgid, msgstr)
    problems += _ending(msgid, msgstr)
    problems += _repeated_words(msgid, msgstr)
    problems += _length(msgid, msgstr)
    problems += _glossary(msgid, msgstr, source, lang, terms)
    return problems


# --- what a translator's eye misses: the checks Weblate, Okapi and Xbench run ---------------------

CODE_SPAN = re.compile(r"(`+)(.+?)\1")
HAN = re.compile(f"[{HAN_CHARACTERS}]+")
CJK_PUNCTUATION = re.compile(r"[，。、；：？！（）「」『』《》【】〈〉…—～·]")
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("（", "）"), ("【", "】"), ("「", "」"), ("『", "』"), ("“", "”"),
          ("《", "》"))
_STOPS = ".!?。！？…"
_CLOSERS = "\"'”’」』）)]】》*_"


def _plain(text: str) -> str:
    """Text without what is copied, not translated: URLs, e-mails, note calls, code, link targets."""
    text = CODE_SPAN.sub(" ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return URL.sub(" ", EMAIL.sub(" ", FOOTNOTE.sub("", AUTOLINK.sub(" ", text))))


def _code_spans(text: str) -> list[str]:
    """The inline code of ``text``, as the Markdown parser reads it."""
    tokens = _INLINE.parseInline(text, {"footnotes": {"refs": {}}})
    return [token.content for token in tokens[0].children or [] if token.type == "code_inline"]


def _code_changes(msgid: str, msgstr: str) -> list[tuple[str, str]]:
    kept = _code_spans(msgstr)
    return [("error", f"inline code `{code}` of the source is changed or missing in the translation (code is "
                      "copied, not translated)") for code in _code_spans(msgid) if code not in kept]


def _left_untranslated(msgid: str, msgstr: str, lang: str) -> list[tuple[str, str]]:
    """The source copied instead of translated; Chinese text or punctuation left in a translation
    into a language that is not written with Han characters."""
    out = []
    plain_id, plain_str = _plain(msgid), _plain(msgstr)
    words = re.findall(r"[^\W\d_]+", plain_id)
    a_name = all(word.isascii() and word[:1].isupper() for word in words)  # IGF, Internet Governance Forum
    if msgstr.strip() == msgid.strip() and words and not a_name:
        out.append(("warning", "the translation is the source text itself: copied and not translated?"))
    if language(lang).script in ("Hans", "Hant", "Jpan", "Kore", "Hani"):
        return out
    runs = HAN.findall(plain_str)
    copied = [run for run in runs if len(run) >= 4 and run in plain_id]
    if copied:
        out.append(("error", f"Chinese text left in the translation: {'、'.join(copied[:3])}"))
    elif runs:
        out.append(("warning", f"Han characters in a {lang} translation: {'、'.join(runs[:3])} (a term kept on purpose?)"))
    stray = [m.group(0) for m in CJK_PUNCTUATION.finditer(plain_str)
             if not HAN.match(plain_str[m.start() - 1: m.start()] or " ") and not HAN.match(plain_str[m.end(): m.end() + 1] or " ")]
    if stray:
        out.append(("error", f"fullwidth Chinese punctuation in a {lang} translation: {' '.join(dict.fromkeys(stray))}"))
    return out


def _brackets(msgid: str, msgstr: str) -> list[tuple[str, str]]:
    out = []
    for open_, close in _PAIRS:
        wanted = msgid.count(open_) - msgid.count(close)
        have = msgstr.count(open_) - msgstr.count(close)
        if have != 0 and have != wanted:
            out.append(("warning", f"unbalanced {open_}{close} in the translation ({msgstr.count(open_)} opening, "
                                   f"{msgstr.count(close)} closing)"))
    if msgstr.count('"') % 2 and not msgid.count('"') % 2:
        out.append(("warning", 'an odd number of " in the translation: a quotation is not closed'))
    return out


def _spacing(msgid: str, msgstr: str) -> list[tuple[str, str]]:
    out = []
    if msgstr[:1].isspace() and not msgid[:1].isspace():
        out.append(("warning", "the translation starts with a space"))
    if msgstr[-1:].isspace() and not msgid[-1:].isspace():
        out.append(("warning", "the translation ends with a space"))
    if re.search(r"\S {2,}\S", msgstr) and not re.search(r"\S {2,}\S", msgid):
        out.append(("warning", "two or more spaces in a row in the translation"))
    return out


def _ending(msgid: str, msgstr: str) -> list[tuple[str, str]]:
    """A sentence the source ends with a stop (or question mark) that the translation leaves open."""
    def last(text: str) -> str:
        text = FOOTNOTE.sub("", text).rstrip().rstrip(_CLOSERS).rstrip()
        return text[-1:] if text else ""

    end_id, end_str = last(msgid), last(msgstr)
    if end_id in "?？" and end_id and end_str not in ("?", "？"):
        return [("warning", "the source is a question and the translation does not end with a question mark")]
    if end_id and end_id in _STOPS and (not end_str or end_str not in _STOPS):
        return [("warning", f"the source ends with {end_id!r} and the translation has no final stop")]
    return []


def _repeated_words(msgid: str, msgstr: str) -> list[tuple[str, str]]:
    pattern = re.compile(r"\b([^\W\d_]{2,})\s+\1\b", re.IGNORECASE)
    doubled = [m.group(1) for m in pattern.finditer(_plain(msgstr))]
    source = {w.lower() for w in pattern.findall(_plain(msgid))}
    return [("warning", f"'{word} {word}': a word repeated") for word in doubled if word.lower() not in source]


#: Translations run 0.3–2.5 times their source's display width (a Han character counts two)
#: across this project's catalogues; beyond these bounds text was pasted twice or cut off.
LENGTH_BOUNDS = (0.25, 4.0)


def _length(msgid: str, msgstr: str) -> list[tuple[str, str]]:
    source, target = display_width(_plain(msgid)), display_width(_plain(msgstr))
    if max(source, target) < 40 or not source:
        return []
    ratio = target / source
    if not LENGTH_BOUNDS[0] <= ratio <= LENGTH_BOUNDS[1]:
        return [("warning", f"the translation is {ratio:.1f} times the source's length: text pasted twice, or "
                            "left out?")]
    return []


def _numbers(text: str, numerals: bool = True) -> list[str]:
    """The numbers a text states: digits, and (``numerals``) Chinese numerals that count (第七條, 十二月)."""
    text = URL.sub("", EMAIL.sub("", FOOTNOTE.sub("", text)))
    found = [n.replace(",", "") for n in NUMBER.findall(text)]
    if numerals:
        found += [str(_cjk_value(m.group("n") or m.group("m"))) for m in CJK_NUMBER.finditer(text)]
    return [n for n in found if n]


def _numeral_text(text: str, value: str) -> str:
    return next((m.group(0) for m in CJK_NUMBER.finditer(text) if str(_cjk_value(m.group("n") or m.group("m"))) == value),
                value)


#: A Chinese numeral that is a number: an ordinal (第七), or one before a date or legal counter
#: (十二月, 一九四八年, 二条). A lone 一 before a counter is mostly a word (一项, 一条路), not a number.
_NUMERAL = "[〇零一二两兩三四五六七八九十百千]"
CJK_NUMBER = re.compile(rf"(?<=第)(?P<n>{_NUMERAL}+)"
                        rf"|(?<![〇零一二两兩三四五六七八九十百千第])(?!一(?!{_NUMERAL}))(?P<m>{_NUMERAL}+)"
                        r"(?=[年月日号號条條章款届屆])")
_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def _cjk_value(numeral: str) -> int:
    """十二 → 12, 二十 → 20, 一九四八 → 1948 (digit by digit when there is no unit)."""
    if not any(c in _UNITS for c in numeral):
        return int("".join(str(_DIGITS[c]) for c in numeral))
    total, digit = 0, 0
    for char in numeral:
        if char in _DIGITS:
            digit = _DIGITS[char]
        else:
            total += (digit or 1) * _UNITS[char]
            digit = 0
    return total + digit


def _compare(name: str, source: list[str], target: list[str], added: str = "error") -> list[tuple[str, str]]:
    missing = [x for x in dict.fromkeys(source) if source.count(x) > target.count(x)]
    extra = [x for x in dict.fromkeys(target) if target.count(x) > source.count(x)]
    out = [("error", f"{name} {x!r} of the source is missing from the translation") for x in missing]
    out += [(added, f"{name} {x!r} is in the translation but not in the source") for x in extra]
    return out


_INLINE = text_parser()
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


def _wrong_script(text: str, lang: str) -> list[tuple[str, str]]:
    """Simplified-only characters in a Traditional text, and Traditional-only ones in a Simplified one."""
    import hanzidentifier

    script = language(lang).script
    if script not in ("Hans", "Hant"):
        return []
    other = hanzidentifier.SIMPLIFIED if script == "Hant" else hanzidentifier.TRADITIONAL
    found = sorted({c for c in text if hanzidentifier.identify(c) == other})
    if not found:
        return []
    kind = ("Simplified", "Traditional") if script == "Hant" else ("Traditional", "Simplified")
    return [("error", f"{kind[0]}-only characters in a {kind[1]} text: {' '.join(found)}")]


def read_glossary(path: Path) -> list[dict]:
    """The glossary: a column per language (BCP 47 tags in the header row), a row per term."""
    if not path.exists():
        return []
    rows = _glossary_rows(path)
    header = list(rows[0]) if rows else []
    if rows and not any(_is_tag(column) for column in header):
        raise DiglotError("glossary needs a header row of language tags, e.g. 'zh-Hans,en,zh-Hant,note'", path, 1)
    return [{canonical(k) if _is_tag(k) else k: (v or "").strip() for k, v in row.items() if k} for row in rows]


def _glossary_rows(path: Path) -> list[dict]:
    """The glossary's rows; bytes that are not UTF-8 or a broken CSV line are an error at their line."""
    from .safety import confined

    confined(path, path.parent)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DiglotError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the glossary as UTF-8", path,
                          line) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        raise DiglotError(f"malformed CSV: {exc}", path, reader.line_num) from None


def _is_tag(column: str | None) -> bool:
    try:
        language(column or "")
    except DiglotError:
        return False
    return True


def _glossary(msgid: str, msgstr: str, source: str, lang: str, terms: list[dict]) -> list[tuple[str, str]]:
    out = []
    for row in terms:
        term, agreed = row.get(source, ""), row.get(lang, "")
        if term and agreed and term in msgid and agreed.lower() not in msgstr.lower():
            out.append(("warning", f"glossary: '{term}' should be translated as '{agreed}'"))
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
            severity = "warning" if match.group(2).startswith("warning:") else "error"
            findings.append(Finding(path, int(match.group(1)), f"msgfmt: {match.group(2)}", severity))
        elif result.returncode and "fatal error" not in line and line.strip():
            findings.append(Finding(path, 1, f"msgfmt: {line.strip()}"))
    return findings
