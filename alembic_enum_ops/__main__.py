"""``python -m alembic_enum_ops``: the ``alembic-enum-ops`` command."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
