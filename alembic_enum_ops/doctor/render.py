"""``doctor``'s report as text (for people) or JSON (for machines)."""

from __future__ import annotations

import json

from .report import Report

# --- output ----------------------------------------------------------------------------

_COLORS = {"error": "\033[1;31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def render_text(report: Report, *, color: bool = False) -> str:
    """Human-readable report: one block per finding, a summary line at the end."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines = [
        paint(_BOLD, "alembic-enum-ops doctor")
        + f" - {report.database} (PostgreSQL {report.server_version})",
        f"{report.enum_count} enum type(s); search_path: {report.search_path.setting}"
        + ("" if report.checked_metadata else "; no --metadata given (catalog checks only)"),
        "",
    ]
    for finding in report.findings:
        label = finding.severity.value.upper().ljust(7)
        lines.append(f"{paint(_COLORS[finding.severity.value], label)} [{finding.code}] "
                     f"{finding.message}")
        if finding.objects:
            lines.append("        objects: " + ", ".join(str(o) for o in finding.objects))
        lines.append(f"        fix: {finding.fix}")
        lines.append("")
    c = report.counts
    summary = f"{c['error']} error(s), {c['warning']} warning(s), {c['info']} info"
    if report.exit_code:
        summary = paint(_COLORS["error"], summary)
    lines.append(summary)
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    """The stable JSON document described in ``docs/doctor.md``."""
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
