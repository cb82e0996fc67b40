"""What a build says it did: each output with its size, time and warnings, and what was skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)  # (thousands of them live to the end of a build)
class Output:
    """One file of output/ (built now, or already up to date); renderers add warnings to it."""

    path: Path
    lang: str
    fmt: str
    size: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    rebuilt: bool = True


@dataclass
class BuildReport:
    outputs: list[Output] = field(default_factory=list)
    fallbacks: dict[str, int] = field(default_factory=dict)  # language → segments shown in the source language
    skipped: dict[str, str] = field(default_factory=dict)  # "slug lang" → reason
    withdrawn: list[str] = field(default_factory=list)  # outputs removed because their edition was skipped
    warnings: list[str] = field(default_factory=list)  # path:line notes on the sources (an unused footnote …)
    up_to_date: bool = False
    peak_worker_kb: int = 0  # the largest resident set any worker reached
    #: Parts of books laid out in parts (diglot.parts) rendered in this build, in output/.diglot/parts/.
    parts: list[Output] = field(default_factory=list)

    @property
    def rebuilt(self) -> list[Output]:
        return [o for o in self.outputs if o.rebuilt]
