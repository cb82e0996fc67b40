"""The documented bounds on what Diglot reads (README, "Limits"): hostile sizes fail early, never hang a build."""

MAX_SOURCE_BYTES = 2_000_000
MAX_SEGMENT_CHARS = 100_000
MAX_SEGMENTS = 20_000
#: Lists and quotes inside one another. markdown-it silently drops what lies deeper than its
#: own nesting limit, so sources are parsed with room to spare and refused beyond this.
MAX_NESTING = 20
#: An XLIFF file an agency returns (diglot/xliff.py): many times any project's catalogues of one language.
MAX_XLIFF_BYTES = 50_000_000
#: Any other file Diglot reads from the project (a catalogue, a template or stylesheet, the
#: configuration, a glossary, phrase rules, a translation memory): far beyond any real one, so a huge or endless
#: file is refused by its size before it is read (diglot.safety.confined).
MAX_INPUT_BYTES = 64 * 1024 * 1024
