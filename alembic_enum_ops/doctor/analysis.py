"""The checks ``doctor`` runs: pure Python over a fixed number of catalog reads."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.engine import Connection

from ..catalog import (
    read_column_types,
    read_enums,
    read_search_path,
)
from ..ddl.swap_preview import describe_swaps
from ..schema_map import SchemaResolver
from .model_checks import ModelChecks
from .nodes import node_findings
from .report import DbObject, ExpectedEnum, Finding, Report, Severity
from .wording import (
    blocker_text,
    column_label,
    dependent_object,
    labels_text,
    py_str,
    sentence,
    sql_qualified,
    type_object,
)

# --- the diagnosis ---------------------------------------------------------------------


def diagnose(connection: Connection, expected: Sequence[ExpectedEnum] | None = None) -> Report:
    """Read the catalog (at most five queries, whatever the number of types; one more
    on a Citus coordinator: every worker's types) and report.

    With ``expected`` (the metadata's enums) the model is compared too; without it
    only what the catalog alone shows is reported.
    """
    schemas = SchemaResolver.of(connection)
    if schemas.mapping is not None and expected is not None:
        expected = [_translated(model, schemas) for model in expected]
    # types an extension owns (citus.distribution_type...) are the extension's business;
    # Citus's own types say the database is a Citus one (no query more on one server)
    every_enum = read_enums(connection)
    citus = any(e.extension == "citus" for e in every_enum)
    enums = [e for e in every_enum if e.extension is None]
    names = {e.name for e in enums} | {x.name for x in expected or ()}
    path = read_search_path(connection, names)
    default_schema = path.current_schema
    if schemas.mapping is not None and None in schemas.mapping:
        default_schema = schemas.default  # the tenant's schema, whatever search_path says
    # what uses each type, as the swap engine sees it: columns, what a swap recreates
    # and what blocks it (one statement for every type)
    swaps = describe_swaps(connection, [e.key for e in enums])
    wanted = sorted({
        (col.schema or default_schema or "", col.table, col.column)
        for model in expected or () for col in model.columns
    })
    column_types = read_column_types(connection, wanted)
    version = connection.dialect.server_version_info or ()
    findings = _Analysis(
        enums, swaps, path, expected, column_types,
        default_schema=default_schema, translated=schemas.mapping is not None,
    ).run()
    if citus:  # each worker's labels (one query)
        findings += node_findings(connection, enums)
    return Report(
        findings=findings,
        search_path=path,
        enum_count=len(enums),
        server_version=".".join(str(v) for v in version),
        database=connection.engine.url.render_as_string(hide_password=True),
        checked_metadata=expected is not None,
    )


def _translated(model: ExpectedEnum, schemas: SchemaResolver) -> ExpectedEnum:
    """The model's named schemas through the connection's ``schema_translate_map``
    (``schema=None`` stays None: it is the default schema, see :func:`diagnose`)."""

    def named(schema: str | None) -> str | None:
        return None if schema is None else schemas.database(schema)

    return dataclasses.replace(
        model,
        schema=named(model.schema),
        columns=tuple(
            dataclasses.replace(c, schema=named(c.schema)) for c in model.columns
        ),
    )


class _Analysis(ModelChecks):
    """The checks, each a method appending findings; pure Python over catalog data
    (the model's in :class:`ModelChecks`)."""

    def run(self) -> list[Finding]:
        self.search_path()
        self.duplicates()
        for model in self.expected:
            self.model_enum(model)
        self.unused()
        self.cross_schema()
        self.swap_dependents()
        return self.findings

    # -- search_path ------------------------------------------------------------------
    def search_path(self) -> None:
        path = self.path
        off_path = sorted({s for s, _ in self.enums} - set(path.schemas))
        objects = [DbObject("setting", None, "search_path")]
        if path.current_schema is None:
            self.add(
                Severity.WARNING, "search-path", objects,
                f"search_path is {path.setting!s}, but none of its schemas exists: "
                "unqualified CREATE TYPE / CREATE TABLE fail and schema=None cannot "
                "be resolved.",
                "Create the schema or set search_path (ALTER ROLE ... SET search_path = "
                "...), and pass schema= to every enum.",
            )
            return
        message = (
            f"search_path is {path.setting} (existing schemas: "
            f"{', '.join(path.schemas) or 'none'}; default schema "
            f"{path.current_schema})."
        )
        if off_path:
            message += (
                f" Enum types in {', '.join(off_path)} are not on it: unqualified SQL "
                "such as CAST(x AS name) cannot see them."
            )
        self.add(
            Severity.INFO, "search-path", objects, message,
            "Always schema-qualify enum types in raw SQL (CAST(:x AS schema.name)) and "
            "in the model (sa.Enum(..., schema=...)); do not rely on search_path.",
        )

    # -- the same name in several schemas --------------------------------------------
    def duplicates(self) -> None:
        expected = {m.name: self.expected_key(m) for m in self.expected}
        for name, copies in sorted(self.by_name.items()):
            if len(copies) < 2:
                continue
            resolved = self.path.resolves_to.get(name)
            used = {c.key: self.table_columns(c.key) for c in copies}
            parts = []
            for c in copies:
                cols = ", ".join(column_label(d) for d in used[c.key]) or "no table column"
                parts.append(f"{c.schema}.{name} (used by {cols})")
            where = (
                "nothing (no copy is on the search_path)" if resolved is None
                else f"{resolved[0]}.{resolved[1]}"
            )
            message = (
                f"Type name {name!r} exists in {len(copies)} schemas: {'; '.join(parts)}. "
                f"Unqualified SQL such as CAST(x AS {name}) resolves through search_path "
                f"({self.path.setting}) to {where}."
            )
            want = expected.get(name)
            used_keys = [k for k, cols in used.items() if cols]
            wrong_target = (
                (want is not None and resolved != want)
                or (want is None and resolved is not None and not used.get(resolved)
                    and bool(used_keys))
            )
            if want is not None:
                message += f" The metadata expects {want[0]}.{want[1]}."
            unused = [c for c in copies if not self.used(c.key) and c.key != want]
            fixes = [
                f"Remove the unused copy in a revision: op.enum_drop({py_str(name)}, "
                f"schema={py_str(c.schema)}) (DROP TYPE {sql_qualified(c.schema, name)})"
                for c in unused
            ]
            target = want or (used_keys[0] if len(used_keys) == 1 else None)
            if target is not None:
                fixes.append(
                    "Schema-qualify every cast: CAST(:x AS "
                    f"{sql_qualified(target[0], target[1])})"
                )
            else:
                fixes.append("Move every column onto one copy, then drop the others")
            self.add(
                Severity.ERROR if wrong_target and not self.translated else Severity.WARNING,
                "duplicate-type-name",
                [type_object(c.schema, name) for c in copies]
                + [dependent_object(d) for c in copies for d in used[c.key]],
                message,
                sentence(". ".join(fixes)),
            )

    # -- unused types -------------------------------------------------------------------
    def unused(self) -> None:
        declared = {self.expected_key(m) for m in self.expected}
        for key, found in sorted(self.enums.items()):
            if self.used(key) or key in declared:
                continue
            self.add(
                Severity.WARNING, "unused-type", [type_object(*key)],
                f"Enum {key[0]}.{key[1]} ({labels_text(found.labels)}) is used by no column, "
                "domain, function or other object (e.g. left behind by drop_all()).",
                f"Drop it in a revision: op.enum_drop({py_str(key[1])}, schema={py_str(key[0])}) "
                f"(DROP TYPE {sql_qualified(*key)}; no CASCADE needed), or keep it if "
                "something outside the database needs it.",
            )

    # -- columns whose type lives in another schema -----------------------------------
    def cross_schema(self) -> None:
        for key in sorted(self.swaps):
            for d in self.table_columns(key):
                if d.schema == key[0]:
                    continue
                self.add(
                    Severity.WARNING, "cross-schema-column",
                    [DbObject("column", d.schema, f"{d.relation}.{d.column}"), type_object(*key)],
                    f"Column {column_label(d)} (schema {d.schema}) uses enum "
                    f"{key[0]}.{key[1]} from another schema: create_all(), drop_all() and "
                    "unqualified SQL easily pick or create a copy in the wrong schema.",
                    "Declare the schema explicitly in the model "
                    f"(sa.Enum(..., name={py_str(key[1])}, schema={py_str(key[0])})), or move the "
                    f"type next to its table with op.enum_set_schema({py_str(key[1])}, "
                    f"{py_str(d.schema or '')}, schema={py_str(key[0])}) if nothing else uses it.",
                )

    # -- what a swap must handle ------------------------------------------------------
    def swap_dependents(self) -> None:
        """What a swap of each type would block on or carry over: the swap engine's own
        description (``describe`` mode), so this can never disagree with the swap."""
        for key, swap in sorted(self.swaps.items()):
            qname = f"{key[0]}.{key[1]}"
            # a generation expression is reported with its generated column
            blocking = [b for b in swap.blockers
                        if b.object.kind != "generation_expression"]
            rewritten = list(swap.recreated) + [
                c.object for c in swap.columns
                if c.is_table_column and c.converted and c.object.via_array
            ]
            if blocking:
                self.add(
                    Severity.WARNING, "swap-blocked",
                    [type_object(*key)] + [dependent_object(b.object) for b in blocking],
                    f"A swap of {qname} (removing or reordering labels) is blocked by: "
                    + ", ".join(blocker_text(b) for b in blocking)
                    + ". op.enum_swap refuses to touch them; DROP TYPE fails while they "
                    "exist.",
                    "In the revision, drop these objects before op.enum_swap(...) and "
                    "recreate them after it"
                    + ("; a partition-key, generated or distribution column cannot "
                       "change type: rebuild that table (undistribute_table() for a "
                       "distribution column) or keep the labels"
                       if any(b.reason in ("partition_key", "generated",
                                           "distribution_column") for b in blocking)
                       else "")
                    + "; adding labels (op.enum_add_value) and renaming them "
                    "(op.enum_rename_value) are not blocked.",
                )
            if rewritten:
                tables = sorted({f"{d.schema}.{d.relation}" for d in self.table_columns(key)})
                self.add(
                    Severity.INFO, "swap-rewrites",
                    [type_object(*key)] + [dependent_object(d) for d in rewritten],
                    f"A swap of {qname} must drop and recreate or convert: "
                    + ", ".join(str(dependent_object(d)) for d in rewritten)
                    + f"; it rewrites {len(tables)} table(s) under ACCESS EXCLUSIVE"
                    + (f" ({', '.join(tables)})" if tables else "") + ".",
                    "Nothing to do for op.enum_swap, which carries them over under a "
                    "lock_timeout; a hand-written v2 swap must drop and recreate each one "
                    "(views: 'cannot alter type of a column used by a view', defaults and "
                    "CHECKs: 'operator does not exist').",
                )
