"""The one error type users see: a file, a 1-based line and what is wrong."""

from __future__ import annotations

from pathlib import Path


class DiglotError(Exception):
    """An input or environment problem, printed as ``path:line: message``.

    Library code raises it; only the CLI prints it and picks the exit code.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __reduce__(self):
        # Keep path and line when the error crosses a process boundary (parallel builds).
        return (type(self), (self.message, self.path, self.line))

    def located(self, path: str | Path, line: int | None = None) -> "DiglotError":
        """Return this error with a file (and line) filled in where it lacked one."""
        if self.path is None:
            self.path = Path(path)
        if self.line is None:
            self.line = line
        return self

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}"


class DiglotErrors(DiglotError):
    """Several problems found in one pass, reported together (like mkdocs' config)."""

    def __init__(self, errors: list[DiglotError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def __reduce__(self):
        return (type(self), (self.errors,))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
