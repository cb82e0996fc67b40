"""XLIFF 1.2 for agencies whose tools do not read PO: one file per language, in and out.

``export`` writes every catalogue of one language as one XLIFF file, a ``<file>``
per domain (``original="<domain>.po"``). ``import_xliff`` merges the translations
back into the existing ``.po`` files: it only sets msgstr and the fuzzy flag of
messages the catalogue already has, so an agency can never add, drop or rename a
message, and a catalogue is rewritten (``po_bytes``, atomically) only when its
bytes change. Exporting and importing an untouched file changes no byte.

Text is carried as text: Markdown (``[^1]``, ``**x**``, links) stays literal and
lxml escapes it; XLIFF inline elements are not used and are refused on import.

The import reads a file from outside the project: lxml never resolves entities,
loads a DTD or goes to the network, and a file with a DOCTYPE is refused before
anything is looked at (entity expansion bombs need one). Everything is checked
before the first ``.po`` is written, so a bad file leaves every catalogue as it was.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from .catalog import atomic_write, read_catalog
from .config import Config
from .errors import DiglotError, DiglotErrors
from .hygiene import clean_text
from .languages import canonical, language, locale_of
from .limits import MAX_XLIFF_BYTES

NS = "urn:oasis:names:tc:xliff:document:1.2"
XML_NS = "http://www.w3.org/XML/1998/namespace"
LANG = f"{{{XML_NS}}}lang"
SPACE = f"{{{XML_NS}}}space"
PLURALS = "x-gettext-plurals"
MSGCTXT = "x-gettext-msgctxt"

#: XLIFF 1.2 target states that mean "translated, publish it"; every other state with text is fuzzy.
DONE_STATES = frozenset(("translated", "signed-off", "final"))


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


@dataclass(frozen=True)
class Catalogue:
    """One existing catalogue of the language: its domain, source language and file."""
    domain: str
    lang: str
    source: str
    path: Path


@dataclass
class ImportResult:
    """What an import did: catalogues rewritten, messages changed, and warnings to show."""
    changed: list[Path] = field(default_factory=list)
    messages: int = 0
    warnings: list[str] = field(default_factory=list)


# --- which catalogues -----------------------------------------------------------

def catalogues(config: Config, lang: str) -> list[Catalogue]:
    """Every existing catalogue of ``lang`` (translated or a derived edition's overrides)."""
    from .workflow import catalogue_targets, domain_recipes

    lang = _tag(lang)
    domains = domain_recipes(config, dict.fromkeys((*config.languages, lang)))
    found = [Catalogue(domain, lang, domains[domain][0], path)
             for domain, target, path in catalogue_targets(config, domains) if target == lang and path.exists()]
    if not found:
        raise DiglotError(f"no catalogue of {lang} in {config.translations_dir.name}/ "
                          f"(looked for {locale_of(lang)}/LC_MESSAGES/*.po); run 'diglot init {lang}' first")
    return found


def _tag(lang: str) -> str:
    try:
        return language(lang).tag
    except DiglotError as exc:
        raise DiglotError(f"xliff {lang}: {exc.message}") from None


def default_output(config: Config, lang: str) -> Path:
    """output/xliff/<locale>.xlf: generated like every other output, and ignored by git."""
    return config.output_dir / "xliff" / f"{locale_of(_tag(lang))}.xlf"


def unit_id(message: Message) -> str:
    """A trans-unit id that stays the same across exports while msgctxt and msgid do
    (CAT tools key their memory on it), whatever else changes in the catalogue."""
    ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
    key = (message.context or "") + "\x04" + "\x00".join(ids)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def _messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


# --- export ------------------------------------------------------------------------

def export(config: Config, lang: str, output: Path | None = None) -> tuple[Path, dict[str, int]]:
    """Write the language's catalogues as one XLIFF 1.2 file; return it and counts by state."""
    from lxml import etree

    found = catalogues(config, lang)
    root = etree.Element(_q("xliff"), nsmap={None: NS}, version="1.2")
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for catalogue in found:
        catalog = read_catalog(catalogue.path, catalogue.lang)
        root.append(_file_element(catalogue, catalog, counts))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    path = output or default_output(config, lang)
    if not (path.exists() and path.read_bytes() == data):
        atomic_write(path, data)
    return path, counts


def _file_element(catalogue: Catalogue, catalog: Catalog, counts: dict[str, int]):
    from lxml import etree

    file = etree.Element(_q("file"), {"original": f"{catalogue.domain}.po", "datatype": "po",
                                      "source-language": catalogue.source, "target-language": catalogue.lang})
    header = etree.SubElement(file, _q("header"))
    etree.SubElement(header, _q("tool"), {"tool-id": "diglot", "tool-name": "Diglot"})
    body = etree.SubElement(file, _q("body"))
    ids: dict[str, str] = {}
    for message in _messages(catalog):
        uid = unit_id(message)
        if uid in ids:  # two different keys with one hash: never seen, but never merge them silently
            raise DiglotError(f"messages {ids[uid][:40]!r} and {_first(message.id)[:40]!r} have the same XLIFF id",
                              catalogue.path, message.lineno)
        ids[uid] = _first(message.id)
        counts[_state(message)] += 1
        try:
            body.append(_unit(message, uid, catalogue, catalog.num_plurals))
        except ValueError as exc:  # a control character XML 1.0 cannot hold
            raise DiglotError(f"this message cannot be written as XML: {exc}", catalogue.path, message.lineno) from None
    return file


def _first(msgid) -> str:
    return msgid[0] if isinstance(msgid, (list, tuple)) else msgid


def _state(message: Message) -> str:
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    if not any(strings):
        return "untranslated"
    return "fuzzy" if message.fuzzy else "translated"


def _unit(message: Message, uid: str, catalogue: Catalogue, plurals: int):
    """A trans-unit, or for a plural message a group of one trans-unit per plural form."""
    from lxml import etree

    if not isinstance(message.id, (list, tuple)):
        unit = _trans_unit(uid, message.id, message.string, message, catalogue)
        _describe(unit, message)
        return unit
    group = etree.Element(_q("group"), {"id": uid, "restype": PLURALS, SPACE: "preserve"})
    _describe(group, message)
    strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
    strings += [""] * (plurals - len(strings))
    for index, string in enumerate(strings):
        source = message.id[0] if index == 0 else message.id[1]
        group.append(_trans_unit(f"{uid}[{index}]", source, string, message, catalogue))
    return group


def _trans_unit(uid: str, source: str, string: str, message: Message, catalogue: Catalogue):
    from lxml import etree

    unit = etree.Element(_q("trans-unit"), {"id": uid, SPACE: "preserve"})
    etree.SubElement(unit, _q("source"), {LANG: catalogue.source}).text = source
    if string:
        state = "needs-review-translation" if message.fuzzy else "translated"
        etree.SubElement(unit, _q("target"), {LANG: catalogue.lang, "state": state}).text = string
    previous = "".join(message.previous_id) if message.previous_id else ""
    if message.fuzzy and previous and string and not isinstance(message.id, (list, tuple)):
        alt = etree.SubElement(unit, _q("alt-trans"), {"alttranstype": "previous-version"})
        etree.SubElement(alt, _q("source"), {LANG: catalogue.source}).text = previous
        etree.SubElement(alt, _q("target"), {LANG: catalogue.lang}).text = string
    return unit


def _describe(element, message: Message) -> None:
    """Comments, locations and msgctxt: what a translator needs to see, never imported back."""
    from lxml import etree

    for comment in message.auto_comments:
        etree.SubElement(element, _q("note"), {"from": "developer"}).text = comment
    for comment in message.user_comments:
        etree.SubElement(element, _q("note"), {"from": "translator"}).text = comment
    for filename, line in message.locations:
        group = etree.SubElement(element, _q("context-group"), {"purpose": "location"})
        etree.SubElement(group, _q("context"), {"context-type": "sourcefile"}).text = filename
        if line:
            etree.SubElement(group, _q("context"), {"context-type": "linenumber"}).text = str(line)
    if message.context:
        group = etree.SubElement(element, _q("context-group"), {"purpose": "information"})
        etree.SubElement(group, _q("context"), {"context-type": MSGCTXT}).text = message.context


# --- import: reading the file safely --------------------------------------------------

def parse(path: Path):
    """The XLIFF root element of ``path``; a DiglotError at FILE:LINE for anything unsafe or malformed."""
    from lxml import etree

    try:
        size = path.stat().st_size
        if size > MAX_XLIFF_BYTES:
            raise DiglotError(f"the file is {size:,} bytes; Diglot imports XLIFF files up to {MAX_XLIFF_BYTES:,} bytes",
                              path)
        data = path.read_bytes()
    except OSError as exc:
        raise DiglotError(f"cannot read the file: {exc.strerror}", path) from None
    _refuse_doctype(data, path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = re.sub(r", line \d+, column \d+$", "", exc.msg or str(exc))
        raise DiglotError(f"not well-formed XML: {message}",
                          path, exc.lineno or 1) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # a DOCTYPE in an encoding the byte scan missed
        raise DiglotError("the file has a DOCTYPE; XLIFF needs none and Diglot refuses DTDs and entities", path, 1)
    if root.tag != _q("xliff"):
        raise DiglotError(f"not an XLIFF 1.2 file: the root element is {_name(root.tag)!r}, not 'xliff' in the "
                          f"namespace {NS}", path, root.sourceline)
    if root.get("version") != "1.2":
        raise DiglotError(f"XLIFF version {root.get('version')!r}; Diglot reads XLIFF 1.2 (version=\"1.2\")",
                          path, root.sourceline)
    return root


_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _refuse_doctype(data: bytes, path: Path) -> None:
    """Refuse DTDs before the parser sees them: no entity, internal or external, is ever declared."""
    found = _DOCTYPE.search(data)
    if found:
        line = data[:found.start()].count(b"\n") + 1
        raise DiglotError(f"the file declares a {found.group(1).decode().upper()}; XLIFF needs none and Diglot "
                          "refuses DTDs and entities (they can expand to gigabytes or read other files)", path, line)


def _name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else str(tag)


# --- import: what the file says ----------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    """One trans-unit's verdict on a message: its text (None: no <target>) and whether it is fuzzy."""
    uid: str
    source: str
    target: str | None
    fuzzy: bool
    line: int


def _units(file, path: Path, errors: list[DiglotError]) -> list[Unit]:
    units, seen = [], {}
    for unit in file.iter(_q("trans-unit")):
        uid = unit.get("id")
        if not uid:
            errors.append(DiglotError("a trans-unit without an id", path, unit.sourceline))
            continue
        if uid in seen:
            errors.append(DiglotError(f"trans-unit id {uid!r} is repeated (first on line {seen[uid]})",
                                      path, unit.sourceline))
            continue
        seen[uid] = unit.sourceline
        source = unit.find(_q("source"))
        if source is None:
            errors.append(DiglotError(f"trans-unit {uid!r} has no <source>", path, unit.sourceline))
            continue
        target = unit.find(_q("target"))
        try:
            text = _text(source, path)
            units.append(Unit(uid, text, None if target is None else clean_text(_text(target, path)),
                              target is not None and _is_fuzzy(target, unit), unit.sourceline))
        except DiglotError as exc:
            errors.append(exc)
    return units


def _text(element, path: Path) -> str:
    """The element's text; <mrk> (segment markers some tools add) is read through, other inline
    elements are refused: Diglot's messages are text and Markdown, not placeholders."""
    for child in element.iterchildren():
        if child.tag != _q("mrk"):
            raise DiglotError(f"<{_name(element.tag)}> holds a <{_name(child.tag)}> element; Diglot's XLIFF carries "
                              "plain text (Markdown written out), so keep the text as exported", path, child.sourceline)
        _text(child, path)
    return "".join(element.itertext())


def _is_fuzzy(target, unit) -> bool:
    """needs-* and new are fuzzy; translated, signed-off and final are not. Without a state,
    approved="no" is fuzzy and anything else is translated."""
    state = target.get("state")
    if state is None:
        return unit.get("approved") == "no"
    return state not in DONE_STATES


# --- import: merging -----------------------------------------------------------------------

def import_xliff(config: Config, path: Path) -> ImportResult:
    """Merge an XLIFF file's targets into the catalogues it names; write only what changes."""
    root = parse(path)
    result, errors, writes = ImportResult(), [], []
    lang, line = _target_language(root, path)
    try:
        found = {c.domain: c for c in catalogues(config, lang)}
    except DiglotError as exc:
        raise DiglotError(f"target-language {lang}: {exc.message}", path, line) from None
    domains_seen: dict[str, int] = {}
    for file in root.iterchildren(_q("file")):
        original = file.get("original") or ""
        domain = original[:-3] if original.endswith(".po") else original
        if domain in domains_seen:
            errors.append(DiglotError(f"<file original={original!r}> appears twice (first on line "
                                      f"{domains_seen[domain]})", path, file.sourceline))
            continue
        domains_seen[domain] = file.sourceline
        catalogue = found.get(domain)
        if catalogue is None:
            result.warnings.append(_warning(path, file.sourceline, f"no catalogue {original!r} of {lang} in this "
                                            "project; its units are not imported"))
            continue
        source = file.get("source-language")
        if source and canonical(source) != catalogue.source:
            result.warnings.append(_warning(path, file.sourceline, f"source-language {source!r}, but {domain}'s "
                                            f"source language is {catalogue.source}"))
        change = _merge(catalogue, _units(file, path, errors), path, result)
        if change:
            writes.append(change)
    if errors:
        raise DiglotErrors(errors)
    for target, data in writes:  # everything was checked: now write
        atomic_write(target, data)
        result.changed.append(target)
    return result


def _target_language(root, path: Path) -> tuple[str, int]:
    """The one target-language of every <file>: an XLIFF file returns one language."""
    files = list(root.iterchildren(_q("file")))
    if not files:
        raise DiglotError("the file has no <file> element", path, root.sourceline)
    tags = {}
    for file in files:
        tag = file.get("target-language")
        if not tag:
            raise DiglotError("<file> has no target-language", path, file.sourceline)
        tags.setdefault(canonical(tag), file.sourceline)
    if len(tags) > 1:
        raise DiglotError(f"the file mixes target languages ({', '.join(tags)}); export one file per language",
                          path, list(tags.values())[1])
    tag = next(iter(tags))
    try:
        return language(tag).tag, files[0].sourceline
    except DiglotError as exc:
        raise DiglotError(f"target-language {tag!r}: {exc.message}", path, files[0].sourceline) from None


def _warning(path: Path, line: int | None, message: str) -> str:
    return f"{path}:{line or 1}: warning: {message}"


def _merge(catalogue: Catalogue, units: list[Unit], path: Path, result: ImportResult) -> tuple[Path, bytes] | None:
    """Apply the units to the catalogue; the new bytes of its file when they differ."""
    from .workflow import po_bytes

    catalog = read_catalog(catalogue.path, catalogue.lang)
    by_id = {unit_id(m): m for m in _messages(catalog)}
    plural_forms: dict[str, dict[int, Unit]] = {}
    changed = 0
    for unit in units:
        found = re.fullmatch(r"(.+)\[(\d+)\]", unit.uid)
        if found and found.group(1) in by_id and isinstance(by_id[found.group(1)].id, (list, tuple)):
            plural_forms.setdefault(found.group(1), {})[int(found.group(2))] = unit
            continue
        message = by_id.get(unit.uid)
        if message is None or isinstance(message.id, (list, tuple)):
            result.warnings.append(_warning(path, unit.line, f"trans-unit {unit.uid!r} is not a message of "
                                            f"{catalogue.path.name} ({unit.source[:40]!r}); not imported (export again "
                                            "after 'diglot update' to get the current messages)"))
            continue
        if unit.source != message.id:
            result.warnings.append(_warning(path, unit.line, f"trans-unit {unit.uid!r}: its <source> is not the "
                                            "message's text (was it edited?); not imported"))
            continue
        if unit.target is not None and _apply(message, unit.target, unit.fuzzy):
            changed += 1
            result.warnings += _problems(message, unit, catalogue, path)
    for uid, forms in plural_forms.items():
        changed += _apply_plural(by_id[uid], forms, catalog.num_plurals)
    if not changed:
        return None
    for message in catalog:
        message.flags.discard("python-format")  # as update and init write them: "50% of" is prose
    data = po_bytes(catalog)
    if catalogue.path.read_bytes() == data:
        return None
    result.messages += changed
    return catalogue.path, data


def _problems(message: Message, unit: Unit, catalogue: Catalogue, path: Path) -> list[str]:
    """What `check` will say of a translation the agency changed, at its line in the XLIFF file
    (a lost footnote call or link), so it is fixed where it was made. Warnings: the text is
    imported all the same, and `check` stays the gate before publishing."""
    from .workflow import check_message

    if message.fuzzy or not message.string:
        return []
    return [_warning(path, unit.line, f"trans-unit {unit.uid!r}: {text}")
            for severity, text in check_message(message.id, message.string, catalogue.lang, [], catalogue.source)
            if severity == "error"]


def _apply(message: Message, string: str, fuzzy: bool) -> int:
    """Set one message's msgstr and fuzzy flag; 1 if that changed it."""
    fuzzy = fuzzy and bool(string)  # an empty translation is untranslated, not fuzzy
    if message.string == string and message.fuzzy == fuzzy:
        return 0
    message.string = string
    _set_fuzzy(message, fuzzy)
    return 1


def _apply_plural(message: Message, forms: dict[int, Unit], plurals: int) -> int:
    strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
    strings += [""] * (plurals - len(strings))
    given = {i: u for i, u in forms.items() if u.target is not None and i < len(strings)}
    if not given:
        return 0
    new = [given[i].target if i in given else s for i, s in enumerate(strings)]
    fuzzy = any(u.fuzzy for u in given.values()) and any(new)
    if tuple(new) == tuple(strings) and message.fuzzy == fuzzy:
        return 0
    message.string = tuple(new)
    _set_fuzzy(message, fuzzy)
    return 1


def _set_fuzzy(message: Message, fuzzy: bool) -> None:
    if fuzzy:
        message.flags.add("fuzzy")
    else:
        message.flags.discard("fuzzy")
        message.previous_id = []  # reviewed: the previous msgid (#|) goes, as Poedit and msgmerge drop it
