"""The rule catalogue, and the linter's knowledge of our operations kept in step with
the operations themselves."""

from __future__ import annotations

import ast
import inspect
import io
import re
from pathlib import Path

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

import alembic_enum_ops  # registers the operations; op.pyi lists them
from alembic_enum_ops.lint import checks
from alembic_enum_ops.lint.rules import RULES, Severity, matching

STUB = Path(alembic_enum_ops.__file__).parent / "op.pyi"


def test_codes_names_and_severities() -> None:
    assert list(RULES) == sorted(RULES)
    for code, rule in RULES.items():
        assert re.fullmatch(r"EO[0-5]\d\d", code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.name)
        assert rule.summary
    assert len({r.name for r in RULES.values()}) == len(RULES)
    assert RULES["EO002"].severity is Severity.INFO
    assert {c for c, r in RULES.items() if r.severity is Severity.ERROR} == {
        "EO101", "EO102", "EO201", "EO202", "EO302", "EO401", "EO402",
    }
    assert matching("eo2") == ["EO201", "EO202", "EO203", "EO204"]
    assert matching("") == [] and matching("EO9") == []


def _our_operations() -> list[str]:
    tree = ast.parse(STUB.read_text())
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]


def _offline(call: str) -> str:
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql",
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    namespace = {"op": Operations(context)}
    with context.begin_transaction():
        exec(call, namespace)
    return buffer.getvalue()


CALLS = {
    "enum_create": "op.enum_create('s', ['a'], schema='ai')",
    "enum_drop": "op.enum_drop('s', schema='ai', values=['a'])",
    "enum_add_value": "op.enum_add_value('s', 'b', schema='ai')",
    "enum_rename_value": "op.enum_rename_value('s', 'a', 'b', schema='ai')",
    "enum_rename": "op.enum_rename('s', 't', schema='ai')",
    "enum_set_schema": "op.enum_set_schema('s', 'x', schema='ai')",
    "enum_swap": "op.enum_swap('s', ['a'], schema='ai', old_values=['a', 'b'])",
    "enum_remove_value": "op.enum_remove_value('s', 'b', schema='ai', old_values=['a', 'b'])",
    "check_enum_create": "op.check_enum_create('t', 'c', ['a'], schema='ai')",
    "check_enum_set_values": (
        "op.check_enum_set_values('t', 'c', ['a', 'b'], schema='ai', old_values=['a'])"
    ),
    "check_enum_drop": "op.check_enum_drop('t', 'c', schema='ai', values=['a'])",
    "enum_to_check": (
        "op.enum_to_check('t', 'c', schema='ai', type_name='s', type_schema='ai', values=['a'])"
    ),
    "check_to_enum": "op.check_to_enum('t', 'c', 's', ['a'], schema='ai')",
}


def test_the_operations_that_commit_midway_are_the_ones_the_linter_knows() -> None:
    """``COMMITTING_OPS`` are transaction boundaries for the linter: exactly the
    operations whose plan commits the revision's transaction before it ends."""
    assert sorted(CALLS) == sorted(_our_operations())
    midway = set()
    for name, call in CALLS.items():
        script = _offline(call)
        body = script.strip().removesuffix("COMMIT;").strip()
        if "COMMIT;" in body:
            midway.add(name)
    assert midway == set(checks.COMMITTING_OPS)


def test_argument_positions_match_the_operations() -> None:
    """Handlers read arguments as ``call.arg(index, keyword)``: each index must be
    that keyword's position in the real operation (ours and Alembic's)."""
    tree = ast.parse(inspect.getsource(checks.FunctionChecker))
    checked = 0
    for node in ast.walk(tree):
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("op_")):
            continue
        operation = node.name.removeprefix("op_")
        parameters = [
            p.name for p in inspect.signature(getattr(Operations, operation)).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"
        ]
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "arg"
            ):
                assert all(isinstance(a, ast.Constant) for a in call.args), ast.unparse(call)
                index, keyword = (a.value for a in call.args if isinstance(a, ast.Constant))
                assert parameters[index] == keyword, (operation, index, keyword, parameters)
                checked += 1
        for key in re.findall(r'kwargs\.get\("(\w+)"', ast.unparse(node)):
            keywords = inspect.signature(getattr(Operations, operation)).parameters
            accepts_any = any(p.kind is p.VAR_KEYWORD for p in keywords.values())
            assert key in keywords or accepts_any, (operation, key)
    assert checked >= 20
