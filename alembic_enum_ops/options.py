"""Options, passed per migration through ``context.configure(enum_ops=...)``.

There is deliberately no process-wide configuration: two Alembic environments in one
process (tests, multi-database set-ups) must not see each other's settings.  An
operation call may override a setting for itself (``lock_timeout=...``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .validation import check_timeout

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

    distributed: bool | None = None
    """Citus: make ``lock_timeout`` reach the workers (``SET LOCAL
    citus.propagate_set_commands = 'local'`` before it, in the same transaction).
    ``None`` (the default): online, when the ``citus`` extension is in the database;
    never in an ``--sql`` script.  ``True``: always, ``--sql`` scripts included (on a
    server without Citus the setting is an inert placeholder).  ``False``: never
    (docs/distributed.md)."""

    autogenerate_drops: bool = True
    """Let autogenerate emit ``enum_drop`` for types the metadata no longer uses."""

    check_batch_size: int = 10_000
    """Rows per committed batch when the VARCHAR + CHECK variant remaps data."""

    online_batch_size: int = 5_000
    """Rows per batch (one committed UPDATE each) when an online conversion backfills
    its shadow columns (``online=True``)."""

    online_batch_pause: float = 0.0
    """Seconds to sleep between two batches of an online backfill: throttles the WAL a
    replica must replay and the I/O the application shares."""

    online_progress_interval: float = 10.0
    """Seconds between two progress lines (batches and rows done, rate, ETA) of an
    online backfill or index build, on the ``alembic_enum_ops`` logger."""

    online_conversions: bool = False
    """Autogenerate: write ``online=True`` on the swaps and conversions it emits, so
    each converts its columns without rewriting the tables under an exclusive lock
    (docs/online.md)."""

    ignore_label_order: bool = False
    """Autogenerate: a difference in label *order* alone is not a change.  New labels
    are still added (``enum_add_value``), at the end, in the model's order; a removed
    label still needs a swap, which keeps the database's order of the others."""

    compare_labels: bool = True
    """Autogenerate: compare the labels of existing enums at all.  ``False`` leaves
    every existing type's labels alone (types are still created, moved and dropped)."""

    skip_label_comparison: Collection[str | tuple[str, str]] = ()
    """Autogenerate: enums whose labels are not compared (created, moved and dropped
    as usual): ``"schema.name"`` (the default schema spelled out, e.g.
    ``"public.mood"``), a bare ``"name"`` (that name in every schema), or a
    ``(schema, name)`` tuple.  An entry that matches no enum is logged, not refused.
    To leave an enum out of autogenerate altogether, use ``include_name`` /
    ``include_object``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lock_timeout", check_timeout(self.lock_timeout))
        if self.distributed not in (None, True, False):
            raise TypeError(f"distributed must be None, True or False, got {self.distributed!r}")
        for name in ("ignore_label_order", "compare_labels"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False, got {value!r}")
        skip = self.skip_label_comparison
        if isinstance(skip, str):
            raise TypeError(
                "skip_label_comparison must be a collection of 'schema.name' strings or "
                f"(schema, name) tuples, got the string {skip!r}: write {{{skip!r}}}"
            )
        object.__setattr__(self, "skip_label_comparison", frozenset(skip))
        list(self.skipped_label_keys())  # validates every entry
        if self.lock_retries < 0:
            raise ValueError(f"lock_retries must be >= 0, got {self.lock_retries!r}")
        if self.retry_backoff < 0 or self.retry_backoff_max < 0:
            raise ValueError("retry_backoff and retry_backoff_max must be >= 0")
        if self.check_batch_size < 1:
            raise ValueError(f"check_batch_size must be >= 1, got {self.check_batch_size!r}")
        if self.online_batch_size < 1:
            raise ValueError(
                f"online_batch_size must be >= 1, got {self.online_batch_size!r}"
            )
        if self.online_batch_pause < 0 or self.online_progress_interval < 0:
            raise ValueError("online_batch_pause and online_progress_interval must be >= 0")

    def skipped_label_keys(self) -> Iterator[tuple[str | None, str, str]]:
        """``(schema or None for any schema, name, entry as written)`` per entry of
        :attr:`skip_label_comparison`."""
        for entry in sorted(self.skip_label_comparison, key=repr):
            if isinstance(entry, tuple) and len(entry) == 2 and all(
                isinstance(part, str) and part for part in entry
            ):
                yield entry[0], entry[1], repr(entry)
            elif isinstance(entry, str):
                if entry.count(".") > 1:
                    raise ValueError(
                        f"skip_label_comparison entry {entry!r} is ambiguous (more than one "
                        "dot): write it as a (schema, name) tuple"
                    )
                schema, _, name = entry.rpartition(".")
                if not name or ("." in entry and not schema):
                    raise ValueError(
                        f"skip_label_comparison entry {entry!r} needs a schema and a name"
                    )
                yield (schema or None), name, repr(entry)
            else:
                raise TypeError(
                    "skip_label_comparison entries are 'schema.name', 'name' or "
                    f"(schema, name), got {entry!r}"
                )

    def compares_labels_of(self, schema: str, name: str) -> bool:
        """Whether autogenerate compares the labels of enum ``schema.name``."""
        if not self.compare_labels:
            return False
        return not any(
            skip_name == name and skip_schema in (None, schema)
            for skip_schema, skip_name, _ in self.skipped_label_keys()
        )

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
