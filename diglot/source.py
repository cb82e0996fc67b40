"""Read ``source/<slug>.md`` (YAML front matter + Markdown) into a Document.

Text hygiene happens here, on the way in. Every block keeps its 1-based
source line, for catalogue references and error messages.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import yaml

from .blocks import TreeBuilder, one_line
from .syntax import blocks_only, markdown
from .errors import DiglotError, DiglotErrors
from .hygiene import clean_text
from .languages import canonical, language
from .model import FOOTNOTE_REF, Document, Meta, Node, Segment
from .safety import (MAX_SEGMENTS, REFERENCE_DEFINITION, check_markup, check_source_size, check_text, confined,
                     within_markup_limits)

KNOWN_KEYS = {"title", "description", "lang", "date", "publisher", "author", "rights", "identifier"}
REQUIRED_KEYS = ("title", "lang")
#: Front matter that is text: one message each, translated like the body (in this order).
TEXT_KEYS = ("title", "description", "publisher", "author", "rights")
#: Of those, the ones a source may also give per language ({zh-Hans: …, en: …}).
PER_LANGUAGE_KEYS = ("publisher", "author", "rights")
_HAN = r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"


def read_text(path: Path) -> str:
    """Decode a UTF-8 input file, with the line of the first bad byte on error."""
    confined(path, path.parent)  # a FIFO would hang the build; a link out of source/ would publish it
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DiglotError(f"cannot read the file: {exc.strerror}", path) from None
    check_source_size(len(data), path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DiglotError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", path, line
        ) from None
    return clean_text(text.replace("\r\n", "\n"))


def slug_of(path: Path) -> str:
    """The document's name in output paths and URLs: letters (Chinese too), digits, - and _."""
    slug = path.stem
    if not re.fullmatch(r"[^\W][\w-]*", slug) or ".." in slug:
        raise DiglotError("a document's file name may hold only letters (Chinese ones too), digits, '-' and '_', "
                          "e.g. 网络安全-2018.md; rename the file", path)
    return slug


def read_document(path: Path, source_root: Path | None = None, *, inherit: Meta | None = None,
                  allowed_keys: set[str] | None = None) -> Document:
    """Parse one source document; raise DiglotError(s) with path:line on bad input, every
    problem of the document at once. Figures' images are looked up under ``source_root``
    (the project's source folder; the document's folder when not given). A book's chapter
    ``inherit``s the book's front matter and may set only ``allowed_keys`` of its own."""
    from .media import ImageCheck

    text = read_text(path)
    front, _body_offset = _split_front_matter(text, path)
    fields, lines = _parse_front_matter(front, path, allowed_keys or KNOWN_KEYS, inherit is None)
    meta = meta_from(fields, lines, path) if inherit is None else _chapter_meta(fields, lines, path, inherit)
    segments = text_fields(fields, lines, meta, path)
    builder = TreeBuilder(segments, path, meta.lang, ImageCheck(source_root or path.parent, path), text.split("\n"))
    markup = _markup_limits(text, path)  # before the parse whose time they bound
    if markup:
        raise markup[0] if len(markup) == 1 else DiglotErrors(markup)
    env: dict = {}
    tokens = markdown().parse(text, env)
    errors = _reference_definitions(env, path)
    body, footnotes = builder.build(tokens)
    errors += builder.errors
    if len(segments) > MAX_SEGMENTS:
        raise DiglotError(f"{len(segments):,} blocks exceed the limit of {MAX_SEGMENTS:,} per document", path)
    for seg in segments:
        try:
            check_text(seg.text, path, seg.line)
        except DiglotError as exc:
            errors.append(exc)
    errors += _check_footnotes(segments, footnotes, path)
    if errors:
        errors.sort(key=lambda e: e.line or 0)
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    return Document(
        path=path, slug=slug_of(path), lang=meta.lang, meta=meta,
        segments=tuple(segments), body=tuple(body), footnotes=tuple(footnotes),
        warnings=tuple(_unused_footnotes(segments, footnotes, path)),
    )


def _markup_limits(text: str, path: Path) -> list[DiglotError]:
    """Each block's Markdown within the limits (safety.check_markup), read from the blocks' raw
    text: the inline parse of a paragraph of 25,000 '[^' took markdown-it 15 s."""
    if within_markup_limits(text):  # (most sources: no block needs reading apart)
        return []
    return _block_markup_limits(text, path)


def _block_markup_limits(text: str, path: Path) -> list[DiglotError]:
    errors, line = [], 1
    for token in blocks_only().parse(text, {}):
        line = token.map[0] + 1 if token.map else line
        if token.type == "inline":
            try:
                check_markup(token.content, path, line)
            except DiglotError as exc:
                errors.append(exc)
    return errors


def _chapter_meta(fields: dict, lines: dict[str, int], path: Path, book: Meta) -> Meta:
    """A chapter's front matter: its title; its language, when given, is the book's."""
    if "lang" in fields and _source_language(fields["lang"], path, lines["lang"]) != book.lang:
        raise DiglotError(f"the chapter says lang {fields['lang']}, but its book is in {book.lang}", path,
                          lines["lang"])
    return replace(book, given={})


def text_fields(fields: dict, lines: dict[str, int], meta: Meta, path: Path) -> list[Segment]:
    """Title, description, publisher, author and rights as segments (messages to translate)."""
    segments = []
    for key in TEXT_KEYS:
        value = fields.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, dict) and key in PER_LANGUAGE_KEYS:
            value = meta.given.get(key, {}).get(meta.lang)
            if not value:
                raise DiglotError(f"'{key}' is given per language but not in the source's ({meta.lang})",
                                  path, lines[key])
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise DiglotError(f"'{key}' must be text", path, lines[key])
        segments.append(Segment(key, key, one_line(str(value)), lines[key], meta.lang))
    return segments


def _check_footnotes(segments: list[Segment], footnotes: list[Node], path: Path) -> list[DiglotError]:
    """Every footnote call has a definition (a dangling call would print as '[^x]'); a note
    holds no note call (pandoc would recurse on one that calls itself)."""
    defined = {note.label for note in footnotes}
    errors = []
    for seg in segments:
        for label in FOOTNOTE_REF.findall(seg.text):
            if seg.kind == "footnote":
                errors.append(DiglotError(f"footnote call [^{label}] inside a footnote: notes cannot have notes",
                                          path, seg.line))
            elif label not in defined:
                errors.append(DiglotError(f"footnote [^{label}] is called but never defined", path, seg.line))
    return errors


def _unused_footnotes(segments: list[Segment], footnotes: list[Node], path: Path) -> list[str]:
    called = {label for seg in segments if seg.kind != "footnote" for label in FOOTNOTE_REF.findall(seg.text)}
    return [f"{path}:{note.line}: footnote [^{note.label}] is defined but never called; it is not published"
            for note in footnotes if note.label not in called]


def _reference_definitions(env: dict, path: Path) -> list[DiglotError]:
    """'[r]: url' lines would vanish from every edition (inline rendering has no definitions)."""
    return [DiglotError(REFERENCE_DEFINITION, path, ref["map"][0] + 1 if ref.get("map") else None)
            for ref in env.get("references", {}).values()]


def _split_front_matter(text: str, path: Path) -> tuple[str, int]:
    if not text.startswith("---\n"):
        raise DiglotError("no YAML front matter: the file must start with a line '---'", path, 1)
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        raise DiglotError("front matter is not closed: add a line '---' after it", path, 1)
    front = text[4 : 4 + end.start()]
    return front, front.count("\n") + 2


ALIASES_REFUSED = "YAML aliases and merge keys are not allowed; write each value out"
#: Tags a plain YAML file may spell out (!!str 2018); any other tag asks a loader to build something.
_CORE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map"))
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that Diglot will not read; its problem is the whole message."""


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text (we check them ourselves, with a line number) and
    refuses, at the line where it starts, what front matter never needs and an attacker uses:
    anchors and aliases (a billion-laughs bomb is nine lines of them), merge keys, tags that
    ask for an object, and lone surrogates ("\\ud800", which no UTF-8 output can hold)."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(problem=ALIASES_REFUSED, problem_mark=event.start_mark)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _CORE_TAGS:
            raise _Refused(problem=f"the YAML tag {tag.replace('tag:yaml.org,2002:', '!!')} is not allowed; "
                                   "front matter holds plain text, numbers, lists and mappings",
                           problem_mark=event.start_mark)
        node = super().compose_node(parent, index)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _MERGE_TAG:
                raise _Refused(problem=ALIASES_REFUSED, problem_mark=node.start_mark)
            if _SURROGATE.search(node.value):
                raise _Refused(problem="a lone surrogate escape (\\ud800-\\udfff) is not a character; "
                                       "write the character itself", problem_mark=node.start_mark)
        return node


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, path: Path, line_offset: int = 0, what: str = "front matter"):
    """The value of a YAML input and its node (for the lines of its keys), read once with the
    refusing loader; a problem is a DiglotError at the file's line (``line_offset``: lines before)."""
    try:
        loader = _FrontMatterLoader(text)  # its reader refuses a control character at once, unparsed
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 + line_offset
        raise DiglotError(f"malformed {what}: the character U+{exc.character:04X} is not allowed in YAML; "
                          "remove it", path, line) from None
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except _Refused as exc:
        raise DiglotError(exc.problem, path, exc.problem_mark.line + 1 + line_offset) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise DiglotError(f"malformed {what}: {problem}", path, line) from None
    finally:
        loader.dispose()


def parse_front_matter_text(text: str, path: Path, allowed: set[str], line_offset: int = 0) -> tuple[dict, dict]:
    """A YAML file of front matter (a book's book.yaml): its fields and the 1-based line of each."""
    return _parse_front_matter(text, path, allowed, True, line_offset)


def _parse_front_matter(front: str, path: Path, allowed: set[str] = frozenset(KNOWN_KEYS), needs_lang: bool = True,
                        line_offset: int = 1) -> tuple[dict, dict[str, int]]:
    """Return the fields and the 1-based file line of each key (``line_offset``: lines before the YAML)."""
    fields, node = load_yaml(front, path, line_offset)
    if not isinstance(fields, dict) or not isinstance(node, yaml.MappingNode):
        raise DiglotError("front matter must be a mapping of 'key: value' lines", path, 1 + line_offset)
    lines: dict[str, int] = {}
    for key, _ in node.value:
        if key.tag != "tag:yaml.org,2002:str":  # null, true, 1, 0x1F…: no name, and not what its text says
            raise DiglotError(f"front matter key {key.value!r} is not a name: keys are words such as title or "
                              "lang", path, key.start_mark.line + 1 + line_offset)
        if str(key.value) in lines:
            raise DiglotError(f"front matter key {key.value!r} appears twice", path, key.start_mark.line + 1 + line_offset)
        lines[str(key.value)] = key.start_mark.line + 1 + line_offset
    _check_keys(fields, lines, path, allowed, REQUIRED_KEYS if needs_lang else ("title",))
    return fields, lines


def _check_keys(fields: dict, lines: dict[str, int], path: Path, allowed: set[str], required) -> None:
    errors = []
    for key in fields:
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            errors.append(DiglotError(f"unknown front matter key {str(key)!r} (allowed: {names})", path, lines[str(key)]))
    for key in required:
        if not fields.get(key):
            errors.append(DiglotError(f"front matter lacks '{key}'", path, lines.get(key, 2)))
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)


def meta_from(fields: dict, lines: dict[str, int], path: Path, slug: str | None = None) -> Meta:
    lang = _source_language(fields["lang"], path, lines["lang"])
    when, when_text = _parse_date(fields.get("date"), path, lines.get("date", 2))
    return Meta(
        lang=lang,
        identifier=str(fields.get("identifier") or f"urn:diglot:{slug or slug_of(path)}"),
        date=when, date_text=when_text,
        given=_given_per_language(fields, lines, path),
    )


def _source_language(value, path: Path, line: int) -> str:
    if not isinstance(value, str):
        raise DiglotError(f"'lang' must be a BCP 47 language tag such as zh-Hans or en, not {value!r}", path, line)
    try:
        return language(value).tag
    except DiglotError as exc:
        raise DiglotError(f"'lang': {exc.message}", path, line) from None


def _given_per_language(fields: dict, lines: dict[str, int], path: Path) -> dict:
    """publisher: {zh-Hans: …, en: …}: each language's own text, which no translation replaces."""
    given = {}
    for key in PER_LANGUAGE_KEYS:
        value = fields.get(key)
        if not isinstance(value, dict):
            continue
        texts = {}
        for tag, text in value.items():
            if not isinstance(tag, str) or not isinstance(text, str):
                raise DiglotError(f"'{key}' per language maps language tags to text, e.g. en: …", path, lines[key])
            try:
                language(tag)
            except DiglotError as exc:
                raise DiglotError(f"'{key}': {exc.message}", path, lines[key]) from None
            texts[canonical(tag)] = one_line(text)
        given[key] = texts
    return given


def _parse_date(value, path: Path, line: int) -> tuple[date | None, str]:
    if value is None or value == "":
        return None, ""
    if isinstance(value, date):
        return value, value.isoformat()
    text = str(value)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not match:
        raise DiglotError(f"date '{text}' is not YYYY, YYYY-MM or YYYY-MM-DD", path, line)
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return date(year, month, day), text
    except ValueError:
        raise DiglotError(f"date '{text}' does not exist", path, line) from None
