"""Text hygiene applied to every input (sources and catalogues).

PDF extraction often yields Kangxi-radical code points (⽹ U+2F79) where the
text means the unified ideograph (网 U+7F51). They defeat OpenCC, search and
copy-paste. We map exactly those blocks through their Unicode compatibility
decomposition and leave everything else alone: full NFKC would also turn
fullwidth punctuation (，：；！？（）) into ASCII, which Chinese text needs.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Han ideographs, as a character-class body: the unified block and extension A, the compatibility
#: ideographs, and the supplementary planes (extensions B–H).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced setting: a wide or fullwidth character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


#: Kangxi Radicals and CJK Radicals Supplement.
RADICAL_BLOCKS = ((0x2F00, 0x2FDF), (0x2E80, 0x2EFF))


#: One character of those blocks (every input is scanned: a regular expression, not a loop in Python).
_RADICAL = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in RADICAL_BLOCKS) + "]")


def is_radical(char: str) -> bool:
    return _RADICAL.fullmatch(char) is not None


@lru_cache(maxsize=None)
def _ideograph_for(char: str) -> str:
    # The compatibility decomposition of a Kangxi radical is its unified
    # ideograph (U+2F79 → U+7F51). Radicals without one stay as they are.
    mapped = unicodedata.normalize("NFKC", char)
    return mapped if len(mapped) == 1 else char


def clean_text(text: str) -> str:
    """Map radical code points to unified ideographs; change nothing else."""
    if not _RADICAL.search(text):
        return text
    return _RADICAL.sub(lambda match: _ideograph_for(match.group()), text)


def count_radicals(text: str) -> int:
    return len(_RADICAL.findall(text))
