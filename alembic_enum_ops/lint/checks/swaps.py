"""EO301: a hand-written v2 swap, recognised from its pieces and reported once per
function.

The pieces -- a new type created, columns altered to it ``USING ...::text::...``, a
rename -- are collected as the function runs (:class:`.state.SwapPieces`); only at the
end is it clear which type the swap produces, in which schema and with which labels,
which is what ``op.enum_swap(...)`` needs in the fix.
"""

from __future__ import annotations

import re
from typing import Any

from ..findings import Span
from .fix_text import op_call
from .state import FunctionState

_SWAP_SUFFIX = re.compile(r"(_new|_v\d+|_tmp|_next|_old|_2)$")


def finish_swap(state: FunctionState) -> None:
    """EO301, at the end of the function, when its statements made a swap."""
    swap = state.swap
    spans: list[Span] = [s for _, s in swap.alters]
    final: tuple[str, str] | None = None
    labels: tuple[str, ...] | None = None
    for created, (created_labels, span) in swap.created.items():
        for old, new_name, rename_span in swap.renames:
            if old != created:
                continue
            if (rename_span.line, rename_span.col) > (span.line, span.col):
                final = (created[0], new_name)  # x_v2 created, renamed to x at the end
            else:
                final = created  # x renamed away (x_old), then a new x created
            labels = created_labels
            spans += [span, rename_span]
    if swap.alters and final is None:
        target = swap.alters[0][0]
        created_info = swap.created.get(target)
        if created_info is not None:
            labels = created_info[0]
            spans.append(created_info[1])
        final = (target[0], _SWAP_SUFFIX.sub("", target[1]))
    if final is None or not spans:
        return
    first = min(spans, key=lambda s: (s.line, s.col))
    new_values: Any = list(labels) if labels else "[...labels in their new order...]"
    fix = op_call("enum_swap", final[1], new_values, schema=final[0])
    if isinstance(new_values, str):
        fix = fix.replace(repr(new_values), new_values)
    state.report(
        "EO301", first,
        f"hand-written v2 swap of {final[0]}.{final[1]} (new type, ALTER COLUMN ... USING "
        "...::text::..., drop, rename): it checks no data first (a row holding a removed "
        "label fails the whole revision midway), misses columns it does not name (other "
        "tables, arrays), and breaks on defaults, indexes, CHECKs and views on the column",
        f"{fix[:-1]}, mapping={{'<removed>': '<kept>'}})" " -- one statement that checks the "
        "data first (or maps it), and carries arrays, defaults, indexes, CHECKs and views",
    )
