"""The PL/pgSQL units the online swap and the online conversions share
(``sql/*.sql``): capturing a table's index and CHECK definitions for its
shadow columns, adding the shadows and the sync trigger, one table's cut-over, and the
query finding BEFORE triggers that would fire after the sync trigger.

Each unit is a nested block (``late_triggers``: a query) with documented inputs
(``u_*`` variables and the shared state it names) and outputs; a caller's block says
where one goes with a line holding only ``@@NAME@@`` (``@@CAPTURE@@``,
``@@SYNC_TRIGGER@@``, ``@@CUTOVER_TABLE@@``, ``@@LATE_TRIGGERS@@``), which
:func:`include_online_units` replaces with the unit, indented as the line is.  One text
per unit means the swap and the conversions cannot drift apart: what the expand
writes into the trigger's comment is exactly what the cut-over reads.
"""

from __future__ import annotations

import re
import textwrap
from importlib import resources

UNITS = ("capture", "sync_trigger", "cutover_table", "late_triggers")

_PLACEHOLDER = re.compile(
    r"^( *)@@(" + "|".join(u.upper() for u in UNITS) + r")@@$", re.MULTILINE
)


def online_unit(name: str) -> str:
    """The text of one shared unit (``sql/<name>.sql``)."""
    if name not in UNITS:
        raise ValueError(f"no online unit {name!r}; units are {UNITS}")
    folder = resources.files(__package__) / "sql"
    return (folder / f"{name}.sql").read_text(encoding="utf-8")


def include_online_units(text: str) -> str:
    """``text`` with every ``@@NAME@@`` line replaced by that unit, indented alike."""

    def unit(match: re.Match[str]) -> str:
        indent, name = match.group(1), match.group(2).lower()
        return textwrap.indent(online_unit(name).rstrip("\n"), indent)

    return _PLACEHOLDER.sub(unit, text)
