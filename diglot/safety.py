"""What a source or a translation may point at: checked before any engine sees it.

Engines trust their input (WeasyPrint fetches file:// and http://, pandoc
embeds local files, browsers run javascript: links), so every link and image
target is checked here and refused with the file and line it came from.
Limits keep hostile sizes from hanging a build.
"""

from __future__ import annotations

import re
from itertools import islice
from pathlib import Path
from urllib.parse import unquote


from .errors import DiglotError

from .limits import (MAX_BRACKETS, MAX_DELIMITER_RUN, MAX_EMPHASIS, MAX_INPUT_BYTES, MAX_NESTING,  # noqa: F401
                     MAX_SEGMENT_CHARS, MAX_SEGMENTS, MAX_SOURCE_BYTES)  # (MAX_NESTING, MAX_SEGMENTS, MAX_SOURCE_BYTES: re-exported)
from .syntax import code_spans, text_parser

LINK_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def _parser():
    md = text_parser()
    md.validateLink = lambda url: True  # see every target, so a bad one is reported, not silently dropped
    return md


_MD = _parser()


def targets(text: str) -> tuple[tuple[str, str], ...]:
    """(kind, target) of every link and image in a segment's inline Markdown."""
    if "[" not in text and "<" not in text:  # (no link, image or autolink without either)
        return ()
    found = []
    stack = list(_MD.parseInline(text, {"footnotes": {"refs": {}}})[0].children or [])
    while stack:
        token = stack.pop(0)
        if token.type == "link_open":
            found.append(("link", token.attrs.get("href", "")))
        elif token.type == "image":
            found.append(("image", token.attrs.get("src", "")))
        stack[:0] = token.children or []
    return tuple(found)


def problem_with(kind: str, target: str) -> str | None:
    """Why ``target`` is refused, or None when it is allowed."""
    if kind == "image":
        return (f"image {target!r}: an image is not allowed inside running text; a figure is an image in a "
                "paragraph of its own, with its text alternative and an optional \"caption\"")
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", unquote(target))
    scheme = _SCHEME.match(cleaned)
    if scheme:
        if scheme.group(1).lower() in LINK_SCHEMES:
            return None
        return f"link {target!r}: the {scheme.group(1).lower()}: scheme is not allowed (only http, https, mailto)"
    if cleaned.startswith("#") or not cleaned:
        return None
    if re.fullmatch(r"(?:\./)?[^/\\:#?]+\.md(?:#\S*)?", cleaned):  # another chapter of a book (diglot.books)
        return None
    return (f"link {target!r}: links to files are not allowed; link to a web address (https://…) "
            f"or to a section (#…)")


def check_text(text: str, path: Path, line: int) -> None:
    """Raise at ``path:line`` for the first refused target, and for oversize text."""
    if len(text) > MAX_SEGMENT_CHARS:
        raise DiglotError(f"a block of {len(text):,} characters exceeds the limit of {MAX_SEGMENT_CHARS:,}; "
                          "split it into paragraphs", path, line)
    check_markup(text, path, line)
    control = CONTROL.search(text)
    if control:
        raise DiglotError(control_message(control.group(0)), path, line + text[: control.start()].count("\n"))
    for kind, target in targets(text):
        problem = problem_with(kind, target)
        if problem:
            raise DiglotError(problem, path, line)
    if has_reference_definition(text):
        raise DiglotError(REFERENCE_DEFINITION, path, line)


_DELIMITER_RUN = re.compile(r"([`*_~^\[\]<{$:])\1*")
_ESCAPED = re.compile(r"\\.", re.DOTALL)
_EMPHASIS = "*_~^"


def check_markup(text: str, path: Path, line: int) -> None:
    """Raise at the line where a block's Markdown goes past a limit (limits.MAX_DELIMITER_RUN,
    MAX_BRACKETS, MAX_EMPHASIS): a linear scan, run before any parser reads the text. Code and
    escaped characters do not count; a code span's own backticks do."""
    pieces, last = [], 0
    for start, end in code_spans(text):
        span = text[start:end]
        ticks = len(span) - len(span.lstrip("`"))
        pieces += [text[last:start + ticks], " " * (end - start - 2 * ticks)]
        last = end - ticks
    plain = _ESCAPED.sub("  ", "".join(pieces) + text[last:])  # as long as text: offsets are text's

    def at(offset: int) -> int:
        return line + text[:offset].count("\n")

    for run in _DELIMITER_RUN.finditer(plain):
        if run.end() - run.start() > MAX_DELIMITER_RUN:
            raise DiglotError(f"a run of {run.end() - run.start():,} '{run.group(1)}' is more Markdown than any text "
                              f"needs (at most {MAX_DELIMITER_RUN}); write fewer, or escape them (\\{run.group(1)})",
                              path, at(run.start()))
    for marks, limit, what in (("[", MAX_BRACKETS, "'[' (links, note calls, brackets)"),
                               (_EMPHASIS, MAX_EMPHASIS, "emphasis marks (* _ ~ ^)")):
        count = sum(plain.count(mark) for mark in marks)
        if count > limit:
            over = next(islice((index for index, char in enumerate(plain) if char in marks), limit, None))
            raise DiglotError(f"a block with {count:,} {what} is more than the {limit:,} one block may hold; "
                              "split it into paragraphs, or escape them", path, at(over))


def within_markup_limits(text: str) -> bool:
    """Whether every block of ``text`` (a whole source) is within check_markup's limits, told from
    the text as it stands: a block's text is made of its lines, and leaving out code and escapes
    only lowers its counts and splits its runs. False says nothing: check each block."""
    if text.count("[") > MAX_BRACKETS or sum(text.count(mark) for mark in _EMPHASIS) > MAX_EMPHASIS:
        return False
    return all(run.end() - run.start() <= MAX_DELIMITER_RUN for run in _DELIMITER_RUN.finditer(text))


#: Characters no text may hold: C0 and C1 controls but tab and newline (a form feed from
#: pdftotext makes an EPUB that EPUBCheck rejects as fatal), lone surrogates, non-characters.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def control_message(char: str) -> str:
    import unicodedata

    names = {"\x0c": "form feed", "\x00": "NUL", "\x1b": "escape", "\x0b": "vertical tab", "\x7f": "delete"}
    name = names.get(char) or unicodedata.name(char, "control character")
    return (f"control character U+{ord(char):04X} ({name}) in the text: remove it (no edition can show it, and "
            "an EPUB with it is invalid)")


REFERENCE_DEFINITION = ("link reference definitions ('[label]: address') are not supported; write the link "
                        "inline: [text](https://…)")


def has_reference_definition(text: str) -> bool:
    """True when ``text`` holds a '[label]: address' line.

    The web page and the PDF render a block inline, where it stays text; pandoc reads the
    e-book's blocks whole, where it becomes a definition: the block vanishes and any
    '[words][label]' elsewhere turns into a link no check has seen.
    """
    if "]:" not in text:  # (a label and its colon, with nothing between: CommonMark §4.7)
        return False
    env: dict = {}
    _MD.parse(text, env)
    return bool(env.get("references"))


def confined(path: Path, folder: Path, limit: int | None = MAX_INPUT_BYTES) -> None:
    """The boundary every input file passes before it is read: refuse one that is not a regular
    file, a symlink that leads out of ``folder``, or a file over ``limit`` bytes."""
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise DiglotError(f"the file is a symbolic link to {resolved}, outside {folder}; Diglot reads only "
                          "files inside the project", path)
    if not resolved.exists():
        raise DiglotError("no such file", path)
    if resolved.is_dir():
        raise DiglotError("this is a folder, not a file (a regular file is needed here)", path)
    if not resolved.is_file():
        raise DiglotError("not a regular file", path)
    if limit is not None and resolved.stat().st_size > limit:
        raise DiglotError(f"the file is {resolved.stat().st_size:,} bytes; Diglot reads files of this kind up to "
                          f"{limit:,} bytes", path)


def check_source_size(size: int, path: Path) -> None:
    if size > MAX_SOURCE_BYTES:
        raise DiglotError(f"the file is {size:,} bytes; Diglot builds documents up to {MAX_SOURCE_BYTES:,} bytes "
                          "(split it into several documents)", path)
