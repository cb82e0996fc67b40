"""Phrase rules for derived Chinese editions: reviewed usage on top of OpenCC.

OpenCC converts characters and its own phrases; it cannot know that a policy text
means 聯繫 (connection) where s2twp writes 聯絡, or 數位 (digital) where it keeps
數字. A rule says so once for every block, instead of a reviewer copying whole
blocks into overrides (which freeze every other term in them and go stale when the
source changes). Rules come, in increasing precedence, from:

1. Diglot's defaults for the OpenCC profile (``diglot/phrases/<profile>.tsv``);
2. the glossary (``translations/glossary.csv``): the base language's column → the
   derived edition's column;
3. the project's ``translations/<locale>/phrases.tsv``.

The file format is OpenCC's own text dictionary with an optional note: one rule
per line, ``phrase<TAB>replacement[<TAB>note]``, ``#`` comments. Rules are handed to
OpenCC as a user dictionary (see ``chinese._converter``): OpenCC's segmentation
takes the longest match among its dictionary and the rules, so a rule applies at
word boundaries and never inside a longer word (并为 → 並為, yet 合并为 stays 合併為).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import DiglotError, DiglotErrors

DEFAULTS = Path(__file__).parent / "phrases"
FILE_NAME = "phrases.tsv"
#: Refused beyond this: a rules file is a reviewed list, not a dictionary dump.
MAX_RULES = 20_000
MAX_PHRASE = 64


@dataclass(frozen=True)
class Rule:
    source: str
    target: str
    origin: str  # file (relative to the project, or "diglot:<profile>") and line
    note: str = ""


def read_rules(path: Path, label: str | None = None) -> list[Rule]:
    """The rules of one file; every problem at once, each with its line."""
    from .safety import confined

    confined(path, path.parent)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DiglotError("not valid UTF-8; a phrases file is UTF-8 text", path,
                          data[: exc.start].count(b"\n") + 1) from None
    rules, errors, seen = [], [], {}
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        problem = _problem(fields)
        if problem:
            errors.append(DiglotError(problem, path, number))
            continue
        source, target = fields[0], fields[1]
        if source in seen:
            errors.append(DiglotError(f"'{source}' already has a rule on line {seen[source]}", path, number))
            continue
        seen[source] = number
        rules.append(Rule(source, target, f"{label or path.name}:{number}", fields[2].strip() if len(fields) > 2 else ""))
        if len(rules) > MAX_RULES:
            raise DiglotError(f"more than {MAX_RULES:,} rules", path, number)
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    return rules


def _problem(fields: list[str]) -> str | None:
    if len(fields) < 2 or not fields[0] or not fields[1]:
        return "a rule is 'phrase<TAB>replacement' (an optional third column is a note)"
    for value in fields[:2]:
        if value != value.strip() or re.search(r"\s", value):
            return f"'{value.strip()}': a phrase has no spaces (OpenCC's dictionaries split on them)"
        if len(value) > MAX_PHRASE:
            return f"a phrase of {len(value)} characters; at most {MAX_PHRASE}"
        if any(ord(c) < 32 or 0xD800 <= ord(c) < 0xE000 for c in value):
            return "a control character or surrogate in a phrase"
    return None


def default_rules(profile: str) -> list[Rule]:
    path = DEFAULTS / f"{profile}.tsv"
    return read_rules(path, f"diglot:{profile}") if path.exists() else []


def project_rules_path(config, lang: str) -> Path:
    from .languages import locale_of

    return config.translations_dir / locale_of(lang) / FILE_NAME


def glossary_rules(config, base: str, lang: str) -> list[Rule]:
    """The glossary's ``base`` column → its ``lang`` column, where both are filled."""
    from .workflow import read_glossary

    path = config.translations_dir / "glossary.csv"
    rules = []
    for number, row in enumerate(read_glossary(path), start=2):
        source, target = row.get(base, ""), row.get(lang, "")
        if source and target and source != target and not _problem([source, target]):
            rules.append(Rule(source, target, f"translations/glossary.csv:{number}"))
    return rules


def rules_for(config, base: str, lang: str, profile: str) -> tuple[Rule, ...]:
    """Every rule of the ``lang`` edition derived from ``base`` with ``profile``; the later wins."""
    chosen: dict[str, Rule] = {}
    path = project_rules_path(config, lang)
    own = read_rules(path, path.relative_to(config.root).as_posix()) if path.exists() or path.is_symlink() else []
    for rule in (*default_rules(profile), *glossary_rules(config, base, lang), *own):
        chosen[rule.source] = rule
    return tuple(chosen.values())


def check_targets(rules, lang: str) -> list[DiglotError]:
    """A rule whose replacement is in the other script (a Simplified character in a zh-Hant rule)."""
    import hanzidentifier

    from .languages import language

    script = language(lang).script
    if script not in ("Hans", "Hant"):
        return []
    other = hanzidentifier.SIMPLIFIED if script == "Hant" else hanzidentifier.TRADITIONAL
    errors = []
    for rule in rules:
        wrong = sorted({c for c in rule.target if hanzidentifier.identify(c) == other})
        if wrong:
            where, _, line = rule.origin.rpartition(":")
            errors.append(DiglotError(f"rule {rule.source} → {rule.target}: {' '.join(wrong)} "
                                      f"{'are' if len(wrong) > 1 else 'is'} not {script} text", Path(where),
                                      int(line) if line.isdigit() else None))
    return errors


def applied(text: str, plain: str, final: str, rules) -> list[Rule]:
    """The rules that changed ``text``'s conversion (``plain``: OpenCC alone, ``final``: with rules)."""
    return [rule for rule in rules if rule.source in text and final.count(rule.target) > plain.count(rule.target)]


def rule_pairs(config, base: str, lang: str, profile: str) -> tuple[tuple[str, str], ...]:
    """(phrase, replacement) pairs for OpenCC, read once per state of the files they come from."""
    files = (project_rules_path(config, lang), config.translations_dir / "glossary.csv")
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None for p in files)
    return _pairs(config, base, lang, profile, stamp)


@lru_cache(maxsize=64)
def _pairs(config, base: str, lang: str, profile: str, _stamp) -> tuple[tuple[str, str], ...]:
    rules = rules_for(config, base, lang, profile)
    errors = check_targets(rules, lang)
    if errors:
        raise errors[0] if len(errors) == 1 else DiglotErrors(errors)
    return tuple((rule.source, rule.target) for rule in rules)
