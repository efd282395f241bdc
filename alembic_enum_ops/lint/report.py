"""The three output formats: text (people, editors), JSON (tools), GitHub annotations.

* ``text``: ``path:line:col: CODE [severity] message`` (the ``path:line:col:`` prefix
  editors and CI log viewers turn into links, as with ruff and flake8), the fix
  indented under it, and a one-line summary;
* ``json``: one object, ``{"version": 1, "findings": [...], "summary": {...}}``, every
  field of every finding;
* ``github``: GitHub Actions workflow commands (``::error file=...``), so findings show
  up on the pull request's diff; errors as ``error``, warnings as ``warning``, info as
  ``notice``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from .findings import Finding
from .rules import Severity

JSON_VERSION = 1


def _plural(count: int, word: str) -> str:
    plural = count == 1 or word == "info"
    return f"{count} {word}{'' if plural else 's'}"


def summary(findings: Sequence[Finding], files: int, suppressed: int = 0) -> str:
    counts = Counter(f.severity for f in findings)
    hidden = f" ({suppressed} suppressed)" if suppressed else ""
    if not findings:
        return f"All checked: {_plural(files, 'revision file')}, no findings{hidden}."
    parts = [
        _plural(counts[severity], severity.value)
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[severity]
    ]
    where = len({f.path for f in findings})
    return (
        f"Found {_plural(len(findings), 'finding')} ({', '.join(parts)}) in "
        f"{_plural(where, 'file')} of {files} checked{hidden}."
    )


def render_text(findings: Sequence[Finding], files: int, suppressed: int = 0) -> str:
    lines: list[str] = []
    for finding in findings:
        lines.append(
            f"{finding.path}:{finding.line}:{finding.col}: {finding.code} "
            f"[{finding.severity.value}] {finding.message}"
        )
        lines.append(f"    fix: {finding.fix}")
    lines.append(summary(findings, files, suppressed))
    return "\n".join(lines) + "\n"


def as_dict(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code,
        "name": finding.rule.name,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.line,
        "col": finding.col,
        "function": finding.where,
        "message": finding.message,
        "fix": finding.fix,
    }


def render_json(findings: Sequence[Finding], files: int, suppressed: int = 0) -> str:
    counts = Counter(f.severity.value for f in findings)
    document = {
        "version": JSON_VERSION,
        "findings": [as_dict(f) for f in findings],
        "summary": {
            "files": files,
            "findings": len(findings),
            "error": counts.get("error", 0),
            "warning": counts.get("warning", 0),
            "info": counts.get("info", 0),
            "suppressed": suppressed,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], files: int, suppressed: int = 0) -> str:
    lines = []
    for finding in findings:
        properties = ",".join(
            [
                f"file={_escape_property(finding.path)}",
                f"line={finding.line}",
                f"col={finding.col}",
                f"title={_escape_property(f'{finding.code} {finding.rule.name}')}",
            ]
        )
        body = _escape_data(f"{finding.message}\nfix: {finding.fix}")
        lines.append(f"::{_GITHUB_LEVEL[finding.severity]} {properties}::{body}")
    lines.append(summary(findings, files, suppressed))
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "github": render_github}
