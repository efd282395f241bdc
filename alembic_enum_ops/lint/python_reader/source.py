"""A revision file's text: decoded and parsed as Python does, positions in characters,
and the ``# enum-ops: ignore[...]`` comments.

``ast`` counts columns in UTF-8 bytes and splits lines only at ``\\n``, ``\\r`` and
``\\r\\n``; editors and ruff count characters.  :class:`SourceText` converts, so every
position the linter reports is one an editor can jump to.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from ..findings import Span

_SUPPRESS = re.compile(r"#\s*enum-ops:\s*ignore(?P<file>-file)?\[(?P<codes>[^\]]*)\]", re.I)


class PythonSyntaxError(Exception):
    """The file is not valid Python (or not decodable): the linter cannot read it."""


def read_source(path: Path) -> str:
    """The file's text, decoded as Python does (PEP 263 cookie, UTF-8 default)."""
    data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise PythonSyntaxError(f"{path}: cannot decode the file: {exc}") from None


def parse_module(path: Path, text: str) -> ast.Module:
    """The file's syntax tree (:class:`PythonSyntaxError` if it is not Python)."""
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        where = f"{path}:{exc.lineno or 0}:{exc.offset or 0}"
        raise PythonSyntaxError(f"{where}: not valid Python ({exc.msg})") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        raise PythonSyntaxError(f"{path}: not valid Python ({exc})") from None


class SourceText:
    """Positions in the file, in the units editors use."""

    def __init__(self, text: str) -> None:
        # lines as ast counts them (str.splitlines also splits at \f, \x1c, \u2028...)
        self.lines = re.split(r"\r\n|\r|\n", text)

    def char_col(self, line: int, byte_col: int) -> int:
        """1-based column in characters for ast's 0-based UTF-8 byte offset."""
        if 1 <= line <= len(self.lines):
            text = self.lines[line - 1]
            return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1
        return byte_col + 1

    def segment(self, node: ast.expr) -> str | None:
        """The node's source text (``ast.get_source_segment`` re-splits the whole file
        on every call: too slow for a few hundred files)."""
        end_line, end_col = node.end_lineno, node.end_col_offset
        if end_line is None or end_col is None or end_line > len(self.lines):
            return None
        rows = [line.encode("utf-8") for line in self.lines[node.lineno - 1 : end_line]]
        if len(rows) == 1:
            return rows[0][node.col_offset : end_col].decode("utf-8", "replace")
        rows[0] = rows[0][node.col_offset :]
        rows[-1] = rows[-1][:end_col]
        return "\n".join(row.decode("utf-8", "replace") for row in rows)

    def span(self, node: ast.AST, statement: ast.AST | None = None) -> Span:
        """Where ``node`` is, within the lines of ``statement`` (default: the node's)."""
        outer = statement or node
        line = getattr(node, "lineno", 1)
        return Span(
            line,
            self.char_col(line, getattr(node, "col_offset", 0)),
            getattr(outer, "lineno", line),
            getattr(outer, "end_lineno", None) or getattr(node, "end_lineno", None) or line,
        )


def suppressions(text: str) -> tuple[dict[int, set[str]], set[str]]:
    """``# enum-ops: ignore[EO101,EO2]`` comments by line, and ``ignore-file[...]``."""
    lines: dict[int, set[str]] = {}
    whole: set[str] = set()
    if "enum-ops" not in text:
        return lines, whole
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - ast.parse passed
        return lines, whole
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        for match in _SUPPRESS.finditer(token.string):
            codes = {c.strip().upper() for c in match.group("codes").split(",") if c.strip()}
            if match.group("file"):
                whole |= codes
            else:
                lines.setdefault(token.start[0], set()).update(codes)
    return lines, whole
