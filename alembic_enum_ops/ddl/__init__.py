"""DDL as data: plans (ordered statements with their transaction boundaries), the
runner that executes them online or prints them for ``--sql``, the quoting rules, and
one planner per family (:mod:`.native`, :mod:`.swap`, :mod:`.check`, :mod:`.convert`).

Planners are pure functions of their arguments: no connection, no catalog.
"""
