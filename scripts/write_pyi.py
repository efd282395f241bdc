"""Write ``alembic_enum_ops/op.pyi``, the type stub of ``from alembic_enum_ops import op``,
from the registered operation classes (in the spirit of Alembic's ``tools/write_pyi.py``).

An operation's arguments are declared once, in its class's ``__init__``: Alembic's
``op.<name>`` is generated from that signature at import, and so is this stub, one
``def name(...) -> None`` per operation with the same parameter kinds, annotations (the
source text: the operation modules use ``from __future__ import annotations``),
defaults and docstring.  The imports the annotations need are looked up in the module
that defines each class.  The output is deterministic and passes ``ruff check``.

    python scripts/write_pyi.py            # rewrite alembic_enum_ops/op.pyi
    python scripts/write_pyi.py --check    # exit 1 when the committed stub is stale
    python scripts/write_pyi.py --stdout   # print the stub instead of writing it

``tests/test_op_stub.py`` regenerates the stub in memory and compares it with the
committed file byte for byte.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import importlib.util
import inspect
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "alembic_enum_ops" / "op.pyi"
LINE_LENGTH = 100  # pyproject.toml [tool.ruff] line-length
INDENT = "    "
FIRST_PARTY = "alembic_enum_ops"

HEADER = """\
# Type stub of alembic_enum_ops.op: Alembic's operations plus ours.
# Generated from the operation classes (each operation's arguments are declared in its
# __init__) by scripts/write_pyi.py: do not edit; run `python scripts/write_pyi.py`.
# tests/test_op_stub.py checks that it is current.
"""

# Alembic's own operations: ``op`` is Alembic's proxy with ours added.
BASE_IMPORT = ("alembic.op", "*", "  # noqa: F403")

# Sections of the stub, in this order: the operation families (modules of
# alembic_enum_ops.operations).  A module not listed here comes after them, titled by
# its name.
FAMILIES = {
    "alembic_enum_ops.operations.native": "native enums",
    "alembic_enum_ops.operations.swap": "native enums: swaps",
    "alembic_enum_ops.operations.check": "VARCHAR + CHECK variant",
    "alembic_enum_ops.operations.convert": "conversions between a native enum and a CHECK",
}


class StubError(Exception):
    """An operation whose signature cannot be written into the stub."""


@dataclass(frozen=True)
class Import:
    """``from module import name [as alias]`` (``name`` None: ``import module [as alias]``)."""

    module: str
    name: str | None = None
    alias: str | None = None

    @property
    def bound(self) -> str:
        """The name the statement binds."""
        if self.alias:
            return self.alias
        if self.name is not None:
            return self.name
        return self.module.split(".")[0]

    @property
    def imported(self) -> str:
        """``name`` or ``name as alias`` (``module`` for a plain import)."""
        base = self.module if self.name is None else self.name
        return f"{base} as {self.alias}" if self.alias and self.alias != base else base


def _load_operations() -> dict[str, type[Any]]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import alembic_enum_ops  # noqa: F401  (registers every operation)
    from alembic_enum_ops.operations.base import registered_operations

    return registered_operations()


def init_parameters(cls: type[Any]) -> list[inspect.Parameter]:
    """``cls.__init__``'s parameters without ``self``: the operation's arguments."""
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


def _normalised(annotation: str) -> str:
    return ast.unparse(ast.parse(annotation, mode="eval"))


def _annotation(cls: type[Any], parameter: inspect.Parameter | None, value: Any) -> str:
    where = f"{cls.__qualname__}.__init__" + (f" ({parameter.name})" if parameter else "")
    if value is inspect.Parameter.empty:
        raise StubError(f"{where}: every argument of an operation needs an annotation")
    if not isinstance(value, str):
        raise StubError(
            f"{where}: annotation {value!r} is not source text; the module defining an "
            "operation must use `from __future__ import annotations`"
        )
    return _normalised(value)


def _default(cls: type[Any], parameter: inspect.Parameter) -> str:
    text = repr(parameter.default)
    try:
        same = ast.literal_eval(text) == parameter.default
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise StubError(
            f"{cls.__qualname__}.__init__ ({parameter.name}): default {parameter.default!r} "
            "is not a literal a stub can spell"
        )
    return text


def _parameter_texts(cls: type[Any]) -> list[str]:
    texts: list[str] = []
    for parameter in init_parameters(cls):
        if parameter.kind not in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
        ):
            raise StubError(
                f"{cls.__qualname__}.__init__ ({parameter.name}): "
                f"{parameter.kind.description} parameters are not supported"
            )
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in texts:
            texts.append("*")
        text = f"{parameter.name}: {_annotation(cls, parameter, parameter.annotation)}"
        if parameter.default is not inspect.Parameter.empty:
            text += f" = {_default(cls, parameter)}"
        texts.append(text)
    return texts


def _docstring(doc: str | None) -> list[str]:
    if not doc:
        return []
    text = inspect.cleandoc(doc)
    if '"""' in text or text.endswith("\\"):
        raise StubError(f"cannot write the docstring {text[:40]!r}... into the stub")
    quote = 'r"""' if "\\" in text else '"""'
    lines = [line.rstrip() for line in text.splitlines()]
    if len(lines) == 1:
        return [f"{INDENT}{quote}{lines[0]}\"\"\""]
    body = [f"{INDENT}{line}" if line else "" for line in lines[1:]]
    return [f"{INDENT}{quote}{lines[0]}", *body, f'{INDENT}"""']


def _function(name: str, cls: type[Any]) -> list[str]:
    parameters = _parameter_texts(cls)
    returns = _annotation(cls, None, inspect.signature(cls.__init__).return_annotation)
    doc = _docstring(cls.__init__.__doc__)
    suffix = ":" if doc else ": ..."
    line = f"def {name}({', '.join(parameters)}) -> {returns}{suffix}"
    if len(line) <= LINE_LENGTH:
        head = [line]
    else:
        head = [
            f"def {name}(",
            *(f"{INDENT}{p}," for p in parameters),
            f") -> {returns}{suffix}",
        ]
    return head + doc


# --- imports -------------------------------------------------------------------------


def _module_imports(module_name: str) -> dict[str, Import]:
    """The names ``module_name`` imports (at top level or under ``if TYPE_CHECKING``)."""
    module = sys.modules[module_name]
    tree = ast.parse(inspect.getsource(module))
    package = module.__package__ or module_name.rpartition(".")[0]
    found: dict[str, Import] = {}

    def visit(nodes: Iterable[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.ImportFrom):
                source = importlib.util.resolve_name(
                    "." * node.level + (node.module or ""), package
                )
                for alias in node.names:
                    if alias.name != "*":
                        entry = Import(source, alias.name, alias.asname)
                        found[entry.bound] = entry
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    entry = Import(alias.name, None, alias.asname)
                    found[entry.bound] = entry
            elif isinstance(node, ast.If):
                visit(node.body)

    visit(tree.body)
    return found


def _names(annotation: str) -> set[str]:
    """The free names an annotation refers to (``sa.Enum``: ``sa``)."""
    return {
        node.id
        for node in ast.walk(ast.parse(annotation, mode="eval"))
        if isinstance(node, ast.Name)
    }


def _required_imports(operations: dict[str, type[Any]]) -> set[Import]:
    needed: set[Import] = set()
    for cls in operations.values():
        signature = inspect.signature(cls.__init__)
        annotations = [
            _annotation(cls, p, p.annotation) for p in list(signature.parameters.values())[1:]
        ]
        annotations.append(_annotation(cls, None, signature.return_annotation))
        imports = _module_imports(cls.__module__)
        module = sys.modules[cls.__module__]
        for name in sorted(set().union(*(_names(a) for a in annotations))):
            if name in imports:
                needed.add(imports[name])
            elif hasattr(builtins, name):
                continue
            elif name in vars(module):
                needed.add(Import(cls.__module__, name))
            else:
                raise StubError(
                    f"{cls.__qualname__}.__init__: cannot tell where {name!r} (in an "
                    f"annotation) comes from in {cls.__module__}"
                )
    return needed


def _section(module: str) -> int:
    top = module.split(".")[0]
    if top == "__future__":
        return 0
    if top in sys.stdlib_module_names:
        return 1
    if top == FIRST_PARTY:
        return 3
    return 2


def _name_key(name: str) -> tuple[int, str]:
    """isort's ``order-by-type`` (ruff's default): CONSTANTS, Classes, functions."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _import_lines(imports: set[Import]) -> list[str]:
    """The import block, sorted and grouped the way ``ruff check`` (isort rules) wants."""
    plain: dict[int, set[str]] = {}
    froms: dict[int, dict[str, set[str]]] = {}
    comments: dict[str, str] = {BASE_IMPORT[0]: BASE_IMPORT[2]}
    for entry in [*imports, Import(BASE_IMPORT[0], BASE_IMPORT[1])]:
        section = _section(entry.module)
        if entry.name is None:
            plain.setdefault(section, set()).add(entry.imported)
        else:
            froms.setdefault(section, {}).setdefault(entry.module, set()).add(entry.imported)
    blocks: list[list[str]] = []
    for section in sorted(set(plain) | set(froms)):
        block = [f"import {m}" for m in sorted(plain.get(section, ()), key=str.lower)]
        for module in sorted(froms.get(section, {}), key=str.lower):
            names = sorted(froms[section][module], key=_name_key)
            comment = comments.get(module, "")
            line = f"from {module} import {', '.join(names)}{comment}"
            if len(line) <= LINE_LENGTH:
                block.append(line)
            else:
                block += [
                    f"from {module} import ({comment}",
                    *(f"{INDENT}{n}," for n in names),
                    ")",
                ]
        blocks.append(block)
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        lines += block
    return lines


# --- the stub --------------------------------------------------------------------------


def render_stub(operations: dict[str, type[Any]] | None = None) -> str:
    """The text of ``op.pyi`` for ``operations`` (default: every registered one)."""
    if operations is None:
        operations = _load_operations()
    order = list(FAMILIES)

    def family(module: str) -> tuple[int, str]:
        return (order.index(module), "") if module in FAMILIES else (len(order), module)

    by_module: dict[str, list[tuple[str, type[Any]]]] = {}
    for name, cls in operations.items():
        by_module.setdefault(cls.__module__, []).append((name, cls))
    lines = [*HEADER.splitlines(), *_import_lines(_required_imports(operations))]
    for module in sorted(by_module, key=family):
        title = FAMILIES.get(module, module)
        lines += ["", f"# --- {title} ({module}) ---"]
        members = sorted(by_module[module], key=lambda item: _source_line(item[1]))
        for name, cls in members:
            lines += ["", *_function(name, cls)]
    return "\n".join(lines) + "\n"


def _source_line(cls: type[Any]) -> int:
    return int(cls.__init__.__code__.co_firstlineno)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", action="store_true", help="exit 1 if op.pyi is stale")
    action.add_argument("--stdout", action="store_true", help="print instead of writing")
    args = parser.parse_args(argv)
    try:
        text = render_stub()
    except StubError as exc:
        print(f"write_pyi: {exc}", file=sys.stderr)
        return 2
    if args.stdout:
        sys.stdout.write(text)
        return 0
    current = STUB.read_text(encoding="utf-8") if STUB.exists() else None
    if args.check:
        if current != text:
            print(f"{STUB.relative_to(ROOT)} is stale: run python scripts/write_pyi.py")
            return 1
        return 0
    if current != text:
        STUB.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {STUB.relative_to(ROOT)}")
    else:
        print(f"{STUB.relative_to(ROOT)} is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
