"""Review of derived editions: what readers of a converted edition read, and why.

A derived edition (zh-Hant from zh-Hans, …) is OpenCC, then the phrase rules, then
the reviewers' overrides. Review must last across source edits: an override whose
block changed in the source is *stale* (``update`` marks it fuzzy, or it no longer
matches any block) and readers silently get the converted text instead, so the
build warns (``--strict`` fails), ``stats`` counts it, and ``review`` writes, per
block, the source, OpenCC's text, the rules that changed it and the final text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .editions import catalog_path, domains, edition_recipes, optional_catalog, read_documents


@dataclass(frozen=True)
class Stale:
    path: Path
    line: int
    msgid: str

    def __str__(self) -> str:
        return (f"{self.path}:{self.line}: the override of this block is stale (the block changed in the source): "
                f"readers get the converted text until a reviewer updates it")


def stale_overrides(doc, catalog, path: Path) -> list[Stale]:
    """Overrides of ``doc`` (one part) that no longer apply: fuzzy, or for text no block has."""
    if catalog is None:
        return []
    current = {seg.msgid for seg in doc.segments}
    out = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if message.fuzzy or message.id not in current:
            out.append(Stale(path, message.lineno or 1, message.id))
    return out


def stale_warnings(config: Config, doc) -> list[str]:
    """The stale overrides of every derived edition of ``doc``, as the build warns of them."""
    return [str(stale).replace(f"{config.root}/", "") for part, _lang, _recipe, path, catalog in
            derived_parts(config, [doc]) for stale in stale_overrides(part, catalog, path)]


def derived_parts(config: Config, docs=None):
    """(part, lang, recipe, overrides path, overrides) of each derived edition of every document."""
    for doc in read_documents(config) if docs is None else docs:
        for lang, recipe in edition_recipes(doc, config).items():
            if recipe.how != "derived":
                continue
            for part in domains(doc):
                path = catalog_path(config, lang, part.slug)
                yield part, lang, recipe, path, optional_catalog(path, lang)


@dataclass(frozen=True)
class ReviewStat:
    domain: str
    lang: str
    base: str
    profile: str
    blocks: int
    overridden: int  # blocks a live override replaces
    stale: int
    changed_by_rules: int  # blocks the phrase rules changed
    rules: int  # the project's own rules (phrases.tsv and the glossary), not Diglot's defaults
    rules_unused: tuple[str, ...]  # those whose phrase is in no block of the base edition

    def as_dict(self) -> dict:
        return {"document": self.domain, "language": self.lang, "derived_from": self.base, "profile": self.profile,
                "blocks": self.blocks, "overridden": self.overridden, "stale_overrides": self.stale,
                "changed_by_rules": self.changed_by_rules, "rules": self.rules,
                "rules_unused": list(self.rules_unused)}


def review_stats(config: Config) -> list[ReviewStat]:
    from .chinese import convert_text
    from .phrases import rule_pairs, rules_for

    results = []
    docs = read_documents(config)
    blocks = [seg.text for doc in docs for p in domains(doc) for seg in p.segments]
    texts_of: dict[str, str] = {}  # base language → every text its rules may apply to
    for part, lang, recipe, path, catalog in derived_parts(config, docs):
        pairs = rule_pairs(config, recipe.base, lang, recipe.profile)
        own = [r for r in rules_for(config, recipe.base, lang, recipe.profile) if not r.origin.startswith("diglot:")]
        texts = [seg.text for seg in part.segments if seg.lang == part.lang]
        live = {m.id for m in catalog or () if m.id and m.string and not m.fuzzy}
        changed = sum(1 for text in texts if convert_text(text, recipe.profile, pairs) != convert_text(text, recipe.profile))
        if recipe.base not in texts_of:
            texts_of[recipe.base] = "\n".join([*blocks, *_ui_strings(config, recipe.base)])
        everything = texts_of[recipe.base]
        unused = tuple(f"{r.source} → {r.target} ({r.origin})" for r in own if r.source not in everything)
        results.append(ReviewStat(part.slug, lang, recipe.base, recipe.profile, len(part.segments),
                                  sum(1 for seg in part.segments if seg.msgid in live),
                                  len(stale_overrides(part, catalog, path)), changed, len(own), unused))
    return results


def _ui_strings(config: Config, lang: str) -> list[str]:
    """The template strings of ``lang`` (a derived edition's rules apply to them too)."""
    from .editions import ui_catalogs

    catalog = ui_catalogs(config).get(lang)
    return [m.string for m in catalog or () if m.id and isinstance(m.string, str) and m.string]


def export_review(config: Config, lang: str, folder: Path | None = None) -> list[Path]:
    """output/review/<locale>/<document>.po for the derived edition ``lang``: per block, the source
    as msgid, the text readers get as msgstr, and as comments OpenCC's text and the rules applied,
    or the override that replaced them (a stale one is flagged fuzzy). Poedit opens it."""
    from babel.messages.catalog import Catalog

    from .chinese import convert_text
    from .errors import DiglotError
    from .files import atomic_write
    from .languages import language, locale_of
    from .phrases import applied, rule_pairs, rules_for
    from .workflow import po_bytes

    tag = language(lang).tag
    folder = folder or config.output_dir / "review" / locale_of(tag)
    written = []
    for part, edition_lang, recipe, path, catalog in derived_parts(config):
        if edition_lang != tag:
            continue
        rules = rules_for(config, recipe.base, tag, recipe.profile)
        pairs = rule_pairs(config, recipe.base, tag, recipe.profile)
        stale = {s.msgid for s in stale_overrides(part, catalog, path)}
        review = Catalog(locale=locale_of(tag), project=f"{part.slug} review", charset="utf-8", fuzzy=False,
                         header_comment=f"# Review of the {tag} edition of {part.slug}: msgstr is what readers read.\n"
                                        f"# Correct usage in {path.parent.parent.relative_to(config.root)}/phrases.tsv "
                                        f"(every block) or with an override in {path.relative_to(config.root)}.")
        for seg in part.segments:
            plain = convert_text(seg.text, recipe.profile) if seg.lang == part.lang else seg.text
            ruled = convert_text(seg.text, recipe.profile, pairs) if seg.lang == part.lang else seg.text
            message = catalog.get(seg.msgid) if catalog is not None else None
            comments = [f"{seg.kind}, {part.path.relative_to(config.root) if part.path.is_relative_to(config.root) else part.path}:{seg.line}"]
            final, flags = ruled, set()
            if ruled != plain:
                comments.append(f"OpenCC {recipe.profile}: {plain}")
                comments.append("rules: " + "; ".join(f"{r.source} → {r.target} ({r.origin})"
                                                      for r in applied(seg.text, plain, ruled, rules)))
            if message is not None and message.string and not message.fuzzy:
                comments.append(f"override: {path.relative_to(config.root)}:{message.lineno}")
                comments.append(f"converted: {ruled}")
                final = message.string
            elif seg.msgid in stale:
                comments.append(f"STALE override at {path.relative_to(config.root)}:{message.lineno if message else '?'}: "
                                f"{message.string if message else ''}")
                flags.add("fuzzy")
            review.add(seg.msgid, final, auto_comments=comments, flags=flags)
        out = folder / f"{part.slug}.po"
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(out, po_bytes(review))
        except OSError as exc:
            raise DiglotError(f"cannot write the review: {exc.strerror}", out) from None
        written.append(out)
    if not written:
        raise DiglotError(f"{tag} is not a derived edition of any document (nothing to review; see TRANSLATING.md)")
    return written
