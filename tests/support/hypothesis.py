"""Hypothesis settings for database-backed properties: a small fixed sample in CI, many
random examples with ``ENUM_OPS_LONG=1``."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

LONG = os.environ.get("ENUM_OPS_LONG") == "1"
"""``ENUM_OPS_LONG=1``: many more (random) examples; CI runs a small fixed sample."""


def bounded(examples: int, *, long_examples: int | None = None) -> settings:
    """Hypothesis settings for a database-backed property.

    In CI: ``examples`` derandomized examples (reproducible, a few seconds); with
    ``ENUM_OPS_LONG=1``: ``long_examples`` (default 20x) random ones.  No deadline:
    a shared CI box makes per-example timing meaningless.  CI keeps no example
    database (nothing is written to ``.hypothesis/``); long runs do, so a failure
    found there replays first next time.
    """
    return settings(
        max_examples=(long_examples or examples * 20) if LONG else examples,
        deadline=None,
        derandomize=not LONG,
        database=None if not LONG else settings.default.database,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        print_blob=True,
        # the explain phase re-runs a failing case hundreds of times against the
        # database to annotate lines; the shrunk example is what we need
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )
