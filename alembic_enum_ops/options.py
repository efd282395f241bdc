"""Options, passed per migration through ``context.configure(enum_ops=...)``.

There is deliberately no process-wide configuration: two Alembic environments in one
process (tests, multi-database set-ups) must not see each other's settings.  An
operation call may override a setting for itself (``lock_timeout=...``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .ddl.sqltext import check_timeout

CONFIGURE_KEY = "enum_ops"
"""The keyword of ``context.configure()`` that carries an :class:`EnumOpsOptions`."""


@dataclass(frozen=True)
class EnumOpsOptions:
    """Settings of alembic-enum-ops for one migration environment.

    Pass an instance (or a plain dict with the same keys) as
    ``context.configure(..., enum_ops=EnumOpsOptions(lock_timeout="3s"))``.
    """

    lock_timeout: str = "2s"
    """``lock_timeout`` set before every statement that takes an exclusive lock."""

    lock_retries: int = 5
    """How many times a step is retried after SQLSTATE 55P03 (lock not available)."""

    retry_backoff: float = 0.5
    """First retry delay in seconds; doubled each time, with jitter."""

    retry_backoff_max: float = 8.0
    """Upper bound of one retry delay in seconds."""

    autogenerate_drops: bool = True
    """Let autogenerate emit ``enum_drop`` for types the metadata no longer uses."""

    check_batch_size: int = 10_000
    """Rows per committed batch when the VARCHAR + CHECK variant remaps data."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lock_timeout", check_timeout(self.lock_timeout))
        if self.lock_retries < 0:
            raise ValueError(f"lock_retries must be >= 0, got {self.lock_retries!r}")
        if self.retry_backoff < 0 or self.retry_backoff_max < 0:
            raise ValueError("retry_backoff and retry_backoff_max must be >= 0")
        if self.check_batch_size < 1:
            raise ValueError(f"check_batch_size must be >= 1, got {self.check_batch_size!r}")

    def replace(self, **changes: Any) -> EnumOpsOptions:
        """A copy with some settings changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def coerce(cls, value: object) -> EnumOpsOptions:
        """Accept an instance, a mapping of its fields, or None (defaults)."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            known = {f.name for f in dataclasses.fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise ValueError(
                    f"unknown enum_ops option(s) {unknown}; known: {sorted(known)}"
                )
            return cls(**dict(value))
        raise TypeError(
            f"enum_ops must be an EnumOpsOptions or a dict, got {type(value).__name__}"
        )

    @classmethod
    def from_context_opts(cls, opts: Mapping[str, Any]) -> EnumOpsOptions:
        """Read the options a ``MigrationContext`` was configured with."""
        return cls.coerce(opts.get(CONFIGURE_KEY))
