"""Translation memory: what the project already translated, offered to new messages.

msgmerge's compendium (``msgmerge -C``) for Diglot: every catalogue the project keeps
in a language, plus any ``.po`` or ``.tmx`` file a translator drops into
``translations/memory/``, pre-fills messages that have no translation yet. An exact
match is taken as translated (or fuzzy, ``translation_memory = "fuzzy"``); a near match
is fuzzy, with the remembered source as its previous msgid (``#|``) so Poedit shows the
difference. Every pre-filled entry carries the translator comment ``MEMORY_NOTE …`` so
``stats`` can say how many came from memory and a reviewer can find them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from .errors import DiglotError

MEMORY_NOTE = "from translation memory:"
#: A near match must be at least this similar (difflib's ratio; msgmerge's fuzzy threshold is alike).
NEAR = 0.75


@dataclass(frozen=True)
class Remembered:
    source: str
    target: str
    origin: str  # where it came from: a catalogue or memory file, relative to the project


class Memory:
    """Source text → its translation in one language, with a near-match search."""

    def __init__(self, entries: list[Remembered]):
        self.exact: dict[str, Remembered] = {}
        for entry in entries:
            self.exact.setdefault(entry.source, entry)
        self._by_length = sorted(self.exact.values(), key=lambda e: len(e.source))

    def __len__(self) -> int:
        return len(self.exact)

    def near(self, text: str) -> tuple[Remembered, float] | None:
        """The most similar remembered source (ratio ≥ NEAR), or None."""
        best, best_ratio = None, NEAR
        low, high = len(text) * NEAR, len(text) / NEAR
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(text)
        for entry in self._by_length:
            if len(entry.source) < low:
                continue
            if len(entry.source) > high:
                break
            matcher.set_seq1(entry.source)
            if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio or (ratio == best_ratio and best is None):
                best, best_ratio = entry, ratio
        return (best, best_ratio) if best is not None else None


def project_memory(config, lang: str, exclude: Path | None = None) -> Memory:
    """Every translated, non-fuzzy message of ``lang`` the project keeps (but ``exclude``'s),
    then translations/memory/*.po, *.tmx: catalogues first, so the project's own usage wins."""
    from .catalog import read_catalog

    root = config.root
    entries: list[Remembered] = []
    folder = config.translations_dir
    from .languages import locale_of

    for path in sorted((folder / locale_of(lang) / "LC_MESSAGES").glob("*.po")):
        if exclude is not None and path == exclude:
            continue
        entries += _from_catalog(read_catalog(path, lang), _rel(path, root))
    memory_dir = folder / "memory"
    if memory_dir.is_dir():
        for path in sorted(memory_dir.iterdir()):
            if path.suffix == ".po" and _po_language(path) == lang:
                entries += _from_catalog(read_catalog(path, lang), _rel(path, root))
            elif path.suffix == ".tmx":
                entries += read_tmx(path, lang, root)
    return Memory(entries)


def _from_catalog(catalog, origin: str) -> list[Remembered]:
    return [Remembered(m.id, m.string, origin) for m in catalog
            if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy]


def _po_language(path: Path) -> str | None:
    """The BCP 47 tag of a memory .po (its Language header), or None."""
    from .catalog import read_catalog
    from .languages import tag_of_locale

    catalog = read_catalog(path)
    return tag_of_locale(str(catalog.locale)) if catalog.locale else None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def read_tmx(path: Path, lang: str, root: Path) -> list[Remembered]:
    """Translation units of a TMX 1.4 file whose variants include ``lang``: the source is the
    header's srclang variant. Parsed without DTDs, entities or network (a TMX is untrusted)."""
    from lxml import etree

    from .safety import confined

    confined(path, root)  # at most MAX_INPUT_BYTES, as every input
    data = path.read_bytes()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        line = data[: data.find(b"<!")].count(b"\n") + 1
        raise DiglotError("a TMX file with a DOCTYPE is refused (its entities could expand without bound)", path, line)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise DiglotError(f"not a well-formed TMX file: {exc.msg}", path, exc.lineno) from None
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    header = tree.find("header")
    srclang = header.get("srclang") if header is not None else None
    entries = []
    for tu in tree.iter("tu"):
        variants = [(tuv.get(xml_lang) or tuv.get("lang") or "", tuv.find("seg")) for tuv in tu.findall("tuv")]
        texts = [(tag, "".join(seg.itertext())) for tag, seg in variants if seg is not None]
        source = next((text for tag, text in texts if srclang and _same_language(tag, srclang)), None)
        target = next((text for tag, text in texts if _same_language(tag, lang)), None)
        if source and target and source != target:
            entries.append(Remembered(source, target, _rel(path, root)))
    return entries


def _same_language(tag: str, wanted: str) -> bool:
    """A TMX variant's tag (CAT tools write en-US, zh-CN) names ``wanted``: the same language and
    script, and the same region when ``wanted`` names one (zh-CN is zh-Hans, zh-TW is not)."""
    from .languages import language

    try:
        have, want = language(tag), language(wanted)
    except DiglotError:
        return False
    same = have.subtag == want.subtag and have.script == want.script
    return same and (not want.region or have.region == want.region)


def prefill(catalog, memory: Memory, mode: str) -> int:
    """Fill each untranslated message of ``catalog`` from ``memory``; the number filled."""
    if mode == "off" or not len(memory):
        return 0
    filled = 0
    for message in catalog:
        if not message.id or message.string or not isinstance(message.id, str):
            continue
        exact = memory.exact.get(message.id)
        if exact is not None:
            message.string = exact.target
            if mode == "fuzzy":
                message.flags.add("fuzzy")
            message.user_comments = [*message.user_comments, f"{MEMORY_NOTE} {exact.origin}"]
            filled += 1
            continue
        near = memory.near(message.id)
        if near is not None:
            entry, ratio = near
            message.string = entry.target
            message.flags.add("fuzzy")
            message.previous_id = [entry.source]
            message.user_comments = [*message.user_comments, f"{MEMORY_NOTE} {entry.origin} ({ratio:.0%} match)"]
            filled += 1
    return filled


def from_memory(message) -> bool:
    return any(comment.startswith(MEMORY_NOTE) for comment in message.user_comments)
