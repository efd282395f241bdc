"""``verify(bind, metadata)``: fail a worker's start-up when the database's enums are
not what the model expects.

The user's research wanted a ``validate_enum_setup()`` run before the worker starts:
the type exists in the right schema, with the right labels, and unqualified SQL does
not hit a shadowing copy.  This is that check, generalised to every enum of the
metadata.  It runs the same diagnosis as ``alembic-enum-ops doctor --metadata`` and
raises one :class:`EnumVerificationError` listing *every* error-level problem, so a
deploy fixes them in one round instead of one restart per mismatch.

Async: ``await averify(async_engine_or_connection, metadata)``, or equivalently
``await async_conn.run_sync(verify, metadata)``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .doctor import ExpectedColumn, ExpectedEnum, Finding, Report, diagnose
from .errors import EnumStateError
from .metadata import discover

MetadataLike = sa.MetaData | Sequence[sa.MetaData]


class EnumVerificationError(EnumStateError):
    """The live database does not match the metadata's enums.

    ``findings`` holds every error-level :class:`~alembic_enum_ops.doctor.Finding`
    (code, objects, message, fix); the message lists them all.
    """

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        lines = [f"{len(self.findings)} enum problem(s) between the database and the model:"]
        for finding in self.findings:
            lines.append(f"- [{finding.code}] {finding.message}")
            lines.append(f"  fix: {finding.fix}")
        super().__init__("\n".join(lines))


def _members(type_: sa.Enum) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    enum_class = getattr(type_, "enum_class", None)
    if not (isinstance(enum_class, type) and issubclass(enum_class, enum.Enum)):
        return None, None
    members = list(enum_class.__members__.values())
    names = tuple(m.name for m in members)
    values = tuple(str(m.value) for m in members) if all(
        isinstance(m.value, str) for m in members
    ) else None
    return names, values


def expected_enums(metadata: MetadataLike) -> list[ExpectedEnum]:
    """The metadata's native enums, as ``doctor`` compares them."""
    result = []
    for model in discover(metadata):
        names, values = _members(model.type_)
        result.append(
            ExpectedEnum(
                name=model.name,
                schema=model.schema,
                labels=model.labels,
                columns=tuple(ExpectedColumn(s, t, c) for s, t, c in model.columns),
                member_names=names,
                member_values=values,
                persists_values=getattr(model.type_, "values_callable", None) is not None,
            )
        )
    return result


def _check(connection: Connection, metadata: MetadataLike) -> Report:
    expected = expected_enums(metadata)
    report = diagnose(connection, expected)
    names = {e.name for e in expected}
    relevant = [f for f in report.errors if f.type_names & names]
    if relevant:
        raise EnumVerificationError(relevant)
    return report


def verify(bind: Engine | Connection, metadata: MetadataLike) -> Report:
    """Raise :class:`EnumVerificationError` listing every mismatch between the live
    database and ``metadata``'s enums; return the full report otherwise.

    Checked: each type exists in the schema SQLAlchemy resolves for it, with the
    same labels in the same order (names-vs-values mix-ups are named as such); each
    model column uses that type and not a same-named copy; unqualified SQL does not
    resolve the name to another copy through ``search_path``.  Warnings (unused
    types, swap blockers...) do not raise; they are in the returned report.

    ``bind`` is a sync ``Engine`` or ``Connection``.  A connection's transaction state
    is left as it was.  For an ``AsyncEngine``/``AsyncConnection`` use
    :func:`averify` (or ``await conn.run_sync(verify, metadata)``).
    """
    if _is_async(bind):
        raise TypeError(
            "verify() got an async engine/connection: use `await averify(bind, metadata)` "
            "or `await async_connection.run_sync(verify, metadata)`"
        )
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return _check(connection, metadata)
    if isinstance(bind, Connection):
        was_in_transaction = bind.in_transaction()
        try:
            return _check(bind, metadata)
        finally:
            if not was_in_transaction and bind.in_transaction():
                bind.rollback()
    raise TypeError(f"verify() needs an Engine or a Connection, got {type(bind).__name__}")


async def averify(bind: Any, metadata: MetadataLike) -> Report:
    """:func:`verify` for an ``AsyncEngine`` or ``AsyncConnection``."""
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    if isinstance(bind, AsyncEngine):
        async with bind.connect() as connection:
            return await connection.run_sync(verify, metadata)
    if isinstance(bind, AsyncConnection):
        return await bind.run_sync(verify, metadata)
    raise TypeError(
        f"averify() needs an AsyncEngine or AsyncConnection, got {type(bind).__name__}"
    )


def _is_async(bind: object) -> bool:
    module = type(bind).__module__
    return module.startswith("sqlalchemy.ext.asyncio")
