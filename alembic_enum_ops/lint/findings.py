"""What the linter reports: one :class:`Finding` per problem, with where and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import Rule, Severity, rule


@dataclass(frozen=True)
class Span:
    """Where something is in a revision file.

    ``line``/``col`` are 1-based, ``col`` counted in characters (as ruff and editors
    do, not in the UTF-8 bytes ``ast`` uses).  ``first_line``..``last_line`` are the
    lines of the whole statement the finding belongs to (an ``op.execute(...)`` call
    over several lines): a ``# enum-ops: ignore[...]`` comment on any of them applies.
    """

    line: int
    col: int
    first_line: int
    last_line: int

    def at(self, line: int, col: int) -> Span:
        """The same statement, pointing at another place inside it."""
        return Span(line, col, min(self.first_line, line), max(self.last_line, line))


@dataclass(frozen=True)
class Finding:
    """One problem in one revision file."""

    code: str
    path: str
    span: Span
    message: str
    fix: str
    where: str = field(default="upgrade", compare=False)
    """The function it was found in (``upgrade``, ``downgrade``, ...)."""

    @property
    def rule(self) -> Rule:
        return rule(self.code)

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def col(self) -> int:
        return self.span.col

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.col, self.code)
