"""Gettext catalogues with Babel: extract messages, load them strictly, translate.

A Catalog knows no files here either: ``read_catalog`` and ``write_catalog``
meet the disk, ``extract_document`` and ``translate`` only meet Documents.
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, PoFileParser, write_po
from babel.support import Translations

from .errors import DiglotError
from .files import atomic_write  # noqa: F401  (re-exported for the workflow)
from .hygiene import clean_text
from .languages import locale_of
from .model import Document
from .safety import confined

PO_WIDTH = 76  # what msgmerge and Poedit keep, so our rewrites don't flood diffs
_KEYWORD = re.compile(r"^(?:#~\s*)?(?:msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt)\b")
_STRING_LINE = re.compile(r'^(?:#~\s*)?(?:msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt)?\s*(".*)$')


def po_path(translations: Path, lang: str, domain: str) -> Path:
    return translations / locale_of(lang) / "LC_MESSAGES" / f"{domain}.po"


def extract_document(doc: Document, root: Path) -> Catalog:
    """One message per segment, with ``#:`` references to the source lines."""
    catalog = _new_catalog(project=doc.slug)
    rel = _relative(doc.path, root)
    for seg in doc.segments:
        catalog.add(seg.text, locations=[(rel, seg.line)], auto_comments=[seg.kind])
    return catalog


def _new_catalog(project: str, locale: str | None = None) -> Catalog:
    return Catalog(
        locale=locale, project=project, version="1", charset="utf-8",
        creation_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
        msgid_bugs_address="", fuzzy=False,
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class _StrictParser(PoFileParser):
    """Babel's parser, but a repeated msgid is an error instead of a silent overwrite."""

    def _add_message(self) -> None:
        msgid = self.messages[0].denormalize() if self.messages else ""
        msgctxt = self.context.denormalize() if self.context else None
        key = self.catalog._key_for(msgid, msgctxt)
        if not self.obsolete and msgid and key in self.catalog._messages:
            raise PoFileError(f"duplicate message definition for msgid {msgid[:40]!r}", self.catalog, "", self.offset)
        super()._add_message()


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    """Parse a PO file strictly; any problem is a DiglotError at path:line."""
    locale = _catalogue_locale(path, lang)
    text = _read_po_text(path, _translations_folder(path))
    _check_plural_forms(text, path)
    if not _is_ui_catalogue(path):
        _no_plural_entries(text, path)
    catalog = _parse_po(text, path, Catalog(locale=locale, charset="utf-8"))
    _check_header(catalog, text, path)
    _restore_previous(catalog)
    for message in catalog:
        if message.id and isinstance(message.string, str):
            message.string = clean_text(message.string)
    return catalog


def read_template(path: Path) -> Catalog:
    """Parse a POT file as strictly as a catalogue (its header may be fuzzy, as xgettext's
    are), and check each ``#:`` reference, which Babel drops silently when it is not file:line."""
    text = _read_po_text(path, path.parent)
    _check_references(text, path)
    return _parse_po(text, path, Catalog(charset="utf-8"))


def _read_po_text(path: Path, folder: Path) -> str:
    """The text of a PO or POT file inside ``folder``: UTF-8, every string line well formed."""
    confined(path, folder)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DiglotError(f"cannot read the file: {exc.strerror}", path) from None
    return _check_string_lines(_decode_po(data, path), path)


def _parse_po(text: str, path: Path, catalog: Catalog) -> Catalog:
    parser = _StrictParser(catalog, ignore_obsolete=False, abort_invalid=True)
    try:
        parser.parse(io.StringIO(text))
    except PoFileError as exc:
        raise DiglotError(f"invalid PO file: {exc.args[0].rsplit(' on ', 1)[0]}", path, exc.lineno + 1) from None
    except (ValueError, SyntaxError) as exc:
        raise DiglotError(f"invalid PO file: {exc}", path) from None
    return catalog


def _catalogue_locale(path: Path, lang: str | None) -> str | None:
    """The Babel locale of a catalogue, or a DiglotError naming its folder (translations/fr_FX/…)."""
    if not lang:
        return None
    try:
        return locale_of(lang)
    except DiglotError as exc:
        raise DiglotError(locale_folder_problem(path, exc.message), path) from None


def locale_folder_problem(path: Path, reason: str) -> str:
    """Why a catalogue folder is not a language's: the message for translations/<folder>."""
    folder = next((p.parent.name for p in (path, *path.parents) if p.name == "LC_MESSAGES"), path.name)
    return (f"the catalogue folder {folder} is not a locale ({reason}); name it after a language, "
            f"e.g. translations/fr or translations/zh_Hant")


def _is_ui_catalogue(path: Path) -> bool:
    """translations/<locale>/LC_MESSAGES/ui.po: the templates' strings, which may have plural forms
    (a book chapter called ui is <book>/ui.po, one folder deeper)."""
    return path.name == "ui.po" and path.parent.name == "LC_MESSAGES"


def _no_plural_entries(text: str, path: Path) -> None:
    """A document message is one block of text: a plural entry would never be used."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("msgid_plural"):
            raise DiglotError("document messages have no plural forms; make this entry a plain msgid and msgstr",
                              path, number)


_REFERENCE = re.compile(r"[^\s:]+(?::[^\s:]+)*:\d+")


def _check_references(text: str, path: Path) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("#:"):
            for location in line[2:].split():
                if not _REFERENCE.fullmatch(location):
                    raise DiglotError(f"reference {location!r} is not 'file:line'; run 'diglot extract' to "
                                      "write the templates again", path, number)


# --- Plural-Forms: checked before Babel or gettext evaluates it ------------------------------

#: What Python's gettext refuses beyond (CLDR's longest rule, Cornish, is about 470 characters).
MAX_PLURAL_CHARS = 1000
MAX_PLURAL_DEPTH = 20
MAX_NPLURALS = 6


def _check_plural_forms(text: str, path: Path) -> None:
    """The header's Plural-Forms, if any, is 'nplurals=N; plural=EXPRESSION;' with an expression
    of C's plural grammar only: gettext compiles it into Python, so a hostile one must never reach it."""
    found = _header_field(text, "Plural-Forms")
    if found is None:
        return
    value, line = found
    match = re.fullmatch(r"\s*nplurals\s*=\s*([^;]*);\s*plural\s*=\s*(.*?)\s*;?\s*", value, re.S)
    if match is None:
        raise DiglotError("Plural-Forms must read 'nplurals=N; plural=EXPRESSION;' (e.g. 'nplurals=1; plural=0;' "
                          "for Chinese)", path, line)
    count, expression = match.groups()
    if not count.strip().isdigit() or not 1 <= int(count) <= MAX_NPLURALS:
        raise DiglotError(f"Plural-Forms: nplurals must be a whole number from 1 to {MAX_NPLURALS}, not "
                          f"{count.strip()[:40]!r}", path, line)
    try:
        # gettext's own tokenizer refuses any name but n, an expression over 1,000 characters and
        # nesting over 20 levels before it compiles anything into Python
        plural = gettext.c2py(expression)
    except ValueError as exc:
        raise DiglotError(f"Plural-Forms: {_plural_problem(str(exc))}", path, line) from None
    _check_plural_values(plural, int(count), path, line)


#: The counts a plural rule is tried on: every rule of CLDR differs within the first thousand.
_PLURAL_SAMPLES = (*range(1001), 10_000, 100_000, 1_000_000)


def _check_plural_values(plural, count: int, path: Path, line: int) -> None:
    """What gettext would do with the rule at run time: no division by zero, and a form
    for every count that the catalogue has (0 … nplurals - 1)."""
    for n in _PLURAL_SAMPLES:
        try:
            form = plural(n)
        except ZeroDivisionError:
            raise DiglotError(f"Plural-Forms: the plural expression divides by zero for n = {n}", path, line) from None
        if not 0 <= form < count:
            raise DiglotError(f"Plural-Forms: the plural expression gives form {form} for n = {n}, but nplurals is "
                              f"{count} (forms 0 to {count - 1})", path, line)


def _header_field(text: str, name: str) -> tuple[str, int] | None:
    """A field of the header entry (the msgstr of the first msgid "") and the line it starts on."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("msgid ")), None)
    if start is None or lines[start].strip() != 'msgid ""' or start + 1 >= len(lines) \
            or lines[start + 1].strip() != 'msgstr ""':
        return None
    joined, starts = "", []
    for number in range(start + 3, len(lines) + 1):  # 1-based lines after 'msgstr ""'
        stripped = lines[number - 1].strip()
        if not stripped.startswith('"'):
            break
        starts.append((len(joined), number))
        joined += stripped[1:-1]
    at = joined.find(f"{name}:")
    if at < 0:
        return None
    end = joined.find("\\n", at)
    line = max(number for offset, number in starts if offset <= at)
    return joined[at + len(name) + 1: end if end >= 0 else len(joined)], line


def _plural_problem(reason: str) -> str:
    """gettext's reason for refusing a plural expression, said for a translator."""
    token = re.match(r"invalid token in plural form: (.*)", reason)
    if token:
        return (f"{token.group(1)!r} is not allowed in a plural expression (only n, numbers, ?:, comparisons, "
                "arithmetic, && || ! and parentheses)")
    return {"unbalanced parenthesis in plural form": "unbalanced parentheses in the plural expression",
            "plural form expression is too long": f"the plural expression is too long (at most "
                                                  f"{MAX_PLURAL_CHARS:,} characters)",
            "plural form expression is too complex": f"the plural expression nests more than {MAX_PLURAL_DEPTH} "
                                                     "levels deep"}.get(reason, f"{reason} (in the plural expression)")


def _translations_folder(path: Path) -> Path:
    """translations/ for translations/<locale>/LC_MESSAGES/<domain>.po (a book's chapter:
    <domain> is <book>/<chapter>); else the file's folder."""
    for parent in path.parents:
        if parent.name == "LC_MESSAGES" and parent.parent != parent:
            return parent.parent.parent
    return path.parent


def _restore_previous(catalog: Catalog) -> None:
    """Babel reads ``#| msgid`` lines as translator comments; make them previous msgids again."""
    from babel.messages.pofile import unescape

    for message in [*catalog, *catalog.obsolete.values()]:
        previous = [c for c in message.user_comments if c.startswith("|")]
        if not previous:
            continue
        message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
        parts = [c[1:].strip() for c in previous]
        strings = [re.sub(r"^msgid\s+", "", part) for part in parts if not part.startswith("msgctxt")]
        message.previous_id = ["".join(unescape(x) for x in strings if x.startswith('"'))]


def _decode_po(data: bytes, path: Path) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        raise DiglotError("file starts with a byte-order mark (BOM); save it as UTF-8 without BOM", path, 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DiglotError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); catalogues must be UTF-8", path, line) from None
    match = re.search(r'"Content-Type:[^"]*charset=([A-Za-z0-9_.:-]+)', text)
    if match and match.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        line = text[: match.start()].count("\n") + 1
        raise DiglotError(f"declares charset {match.group(1)}; catalogues must be UTF-8", path, line)
    return clean_text(text)


def _check_string_lines(text: str, path: Path) -> str:
    """Each quoted string must close on its line and use only the escapes msgfmt accepts.

    Returns the text with the escapes Babel does not decode (``\\a \\b \\f \\v``, octal,
    hexadecimal) replaced by what msgfmt reads them as, so both parsers see the same strings.
    """
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("#") and not stripped.startswith("#~"):
            out.append(line)
            continue
        match = _STRING_LINE.match(stripped)
        if not match:
            if _KEYWORD.match(stripped):
                raise DiglotError("a keyword must be followed by a quoted string", path, number)
            out.append(line)
            continue
        quoted = match.group(1)
        body = re.fullmatch(r'"((?:[^"\\]|\\.)*)"', quoted)
        if body is None:
            raise DiglotError("unterminated or malformed string", path, number)
        decoded = _decode_escapes(body.group(1), path, number)
        out.append(line[: len(line) - len(line.lstrip())] + stripped[: match.start(1)] + f'"{decoded}"')
    return "\n".join(out)


#: One escape, read left to right as gettext's po-lex.c reads it: '\\\\*' is a backslash, then a star.
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]+)|(.))")
#: msgfmt's escapes and the byte each stands for; Babel reads only \\\\ \\" \\n \\t \\r.
_ESCAPE_BYTES = {"\\": 0x5C, '"': 0x22, "n": 0x0A, "t": 0x09, "r": 0x0D, "a": 0x07, "b": 0x08, "f": 0x0C, "v": 0x0B}
_BABEL_READS = frozenset('\\"ntr')


def _decode_escapes(body: str, path: Path, line: int) -> str:
    """A PO string's body, every escape checked as msgfmt checks it. Escapes Babel does not read
    (\\a \\b \\f \\v, octal, hexadecimal: bytes, for msgfmt) are rewritten so Babel reads the same text."""
    data, last, babel_reads = bytearray(), 0, True
    for match in _ESCAPE.finditer(body):
        data += body[last:match.start()].encode("utf-8")
        last = match.end()
        octal, hexadecimal, char = match.groups()
        if char is not None and char not in _ESCAPE_BYTES:
            raise DiglotError(f"bad escape sequence '\\{char}' (a backslash in the text is written '\\\\')",
                              path, line)
        babel_reads = babel_reads and char is not None and char in _BABEL_READS
        data.append(_ESCAPE_BYTES[char] if char else int(octal, 8) & 0xFF if octal else int(hexadecimal, 16) & 0xFF)
    if babel_reads:
        return body
    data += body[last:].encode("utf-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DiglotError("the string's escapes do not make UTF-8 text", path, line) from None
    return text.translate({0x5C: "\\\\", 0x22: '\\"', 0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r"})


def _check_header(catalog: Catalog, text: str, path: Path) -> None:
    header_line = _header_line(text)
    if catalog.fuzzy:
        raise DiglotError("the header entry is marked fuzzy; review it and remove the fuzzy flag", path, header_line)
    if "Plural-Forms:" not in text.split("\n\n", 1)[0] and 'msgid ""' in text:
        raise DiglotError("the header lacks Plural-Forms (e.g. 'nplurals=1; plural=0;' for Chinese)", path, header_line)


def _header_line(text: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith('msgid ""'):
            return number
    return 1


def write_catalog(catalog: Catalog, path: Path, *, omit_header: bool = False) -> bool:
    """Write atomically, only if the bytes change. Returns whether the file changed."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, omit_header=omit_header, sort_output=False, include_previous=True)
    data = buffer.getvalue()
    if path.exists() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True


def translate(doc: Document, catalog: Catalog | None, lang: str) -> Document:
    """Replace each segment's text by its translation; missing or fuzzy ones fall back."""
    segments = []
    for seg in doc.segments:
        message = catalog.get(seg.text) if catalog is not None else None
        if message is not None and message.string and not message.fuzzy:
            segments.append(replace(seg, text=message.string, lang=lang, source=seg.text))
        else:
            segments.append(replace(seg, source=seg.text, fallback=True))
    return doc.with_segments(segments, lang=lang)


def gnu_translations(catalog: Catalog | None) -> Translations:
    """A gettext Translations object for Jinja, compiled in memory (no .mo on disk)."""
    if catalog is None:
        return Translations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)
