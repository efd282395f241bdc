"""The online path: convert columns without rewriting a table under an exclusive lock
(expand, backfill, constraints, validations, indexes, cut-over).

- :mod:`.swap` -- the online swap (``enum_swap`` / ``enum_remove_value`` with
  ``online=True``): its plan, around the swap engine's online modes;
- :mod:`.convert` -- the online conversions between a native enum column and text +
  CHECK, and :mod:`.convert_refusals`, what they refuse;
- :mod:`.phases` -- the phases both share, whose statements are generated from the
  catalog when they run (so a rerun does what is left);
- :mod:`.units` -- the PL/pgSQL both share (``sql/*.sql``: capture, sync trigger,
  cut-over of one table, late BEFORE triggers);
- :mod:`.cleanup` -- removing what an abandoned conversion left.

Nothing is imported here: :mod:`..swap` (the engine) includes :mod:`.units`, and
:mod:`.swap` reads the engine, so each module is imported by its own name.
"""
