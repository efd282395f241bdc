"""The rule catalogue: every code the linter can report, its severity and its name.

Codes are stable: a code is never reused for another rule, so ``--ignore`` lists and
``# enum-ops: ignore[...]`` comments keep meaning the same thing across releases.  The
hundreds digit groups the rules (``docs/lint.md`` has one section per group):

* ``EO0xx`` -- the linter itself: SQL it could not parse or could not read;
* ``EO1xx`` -- statements that destroy data or edit the catalog by hand;
* ``EO2xx`` -- ``ALTER TYPE ... ADD VALUE`` and the migration's transaction;
* ``EO3xx`` -- table rewrites, hand-written swaps and ``lock_timeout``;
* ``EO4xx`` -- where types are created and which schema they land in;
* ``EO5xx`` -- CHECK constraints (the VARCHAR + CHECK variant).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    """How bad a finding is.

    ``error``: the revision fails at run time or destroys data; ``warning``: it works
    but takes a lock or a risk a reviewer must see; ``info``: something the linter
    could not check.  Only ``error`` and ``warning`` change the exit status unless
    ``--fail-on info`` is given.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str


_RULES = (
    Rule("EO001", "sql-syntax-error", Severity.WARNING,
         "SQL text PostgreSQL's own parser rejects"),
    Rule("EO002", "sql-not-checked", Severity.INFO,
         "SQL built at run time (f-string, variable, SQLAlchemy construct): not checked"),
    Rule("EO101", "drop-type-cascade", Severity.ERROR,
         "DROP TYPE ... CASCADE silently drops every column, view and function using it"),
    Rule("EO102", "pg-enum-surgery", Severity.ERROR,
         "INSERT/UPDATE/DELETE on pg_enum: hand-editing the catalog"),
    Rule("EO201", "add-value-in-transaction", Severity.ERROR,
         "raw ALTER TYPE ... ADD VALUE inside the migration's transaction"),
    Rule("EO202", "new-value-used-before-commit", Severity.ERROR,
         "an enum label added in a transaction is used before that transaction commits "
         "(SQLSTATE 55P04)"),
    Rule("EO203", "add-value-without-position", Severity.WARNING,
         "raw ADD VALUE without BEFORE/AFTER appends at the end"),
    Rule("EO204", "raw-transaction-control", Severity.WARNING,
         "COMMIT/BEGIN/ROLLBACK sent as SQL behind Alembic's back"),
    Rule("EO301", "hand-rolled-swap", Severity.WARNING,
         "a hand-written v2 swap (new type, ALTER COLUMN ... USING ...::text::..., rename)"),
    Rule("EO302", "alter-type-without-using", Severity.ERROR,
         "ALTER COLUMN ... TYPE to or from an enum without USING: fails at run time"),
    Rule("EO303", "rewrite-without-lock-timeout", Severity.WARNING,
         "a table rewrite under ACCESS EXCLUSIVE with no lock_timeout in force"),
    Rule("EO401", "enum-created-twice", Severity.ERROR,
         "create_table would CREATE TYPE for an enum that already exists"),
    Rule("EO402", "enum-schema-differs-from-table", Severity.ERROR,
         "an Enum without schema= in a table that has one: the type is created in, or "
         "looked up through, the default schema"),
    Rule("EO403", "unqualified-enum-name", Severity.WARNING,
         "an enum type named without its schema in raw SQL: search_path decides which "
         "type it is"),
    Rule("EO501", "check-validated-at-once", Severity.WARNING,
         "ADD CONSTRAINT ... CHECK without NOT VALID on an existing table"),
    Rule("EO502", "not-valid-validate-same-transaction", Severity.WARNING,
         "NOT VALID and VALIDATE CONSTRAINT in one transaction"),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
"""Every rule by code, in code order."""


def rule(code: str) -> Rule:
    """The rule for ``code`` (a KeyError names a code that does not exist)."""
    return RULES[code]


def matching(prefix: str) -> list[str]:
    """The codes a ``--select``/``--ignore``/inline prefix such as ``EO2`` stands for."""
    wanted = prefix.strip().upper()
    return [code for code in RULES if code.startswith(wanted)] if wanted else []
