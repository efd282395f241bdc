"""The common shape of alembic-enum-ops operations and the checks their arguments share.

Each operation is a ``MigrateOperation`` registered on Alembic's ``Operations`` at import,
so ``op.enum_create(...)`` and friends exist as soon as ``alembic_enum_ops`` is
imported in ``env.py``.  Like Alembic's own operations, each knows its ``reverse()``
(autogenerate writes the downgrade from it) and its ``to_diff_tuple()`` (what
``alembic check`` and ``compare_metadata`` report).  Arguments are validated in the
constructors, so a bad call fails before any SQL is built, with a message naming the
type and the offending value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from alembic.operations import MigrateOperation, Operations

from ..errors import InvalidEnumInputError
from ..validation import check_name, check_schema, qualified_label

OperationClass = TypeVar("OperationClass", bound=type[MigrateOperation])

_REGISTERED: dict[str, type[MigrateOperation]] = {}

_SUPPORTED_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def operation(name: str) -> Callable[[OperationClass], OperationClass]:
    """Class decorator: register the class as ``op.<name>`` on Alembic's ``Operations``
    (once, at import) and under ``name`` here, for :func:`operation_class`.

    The arguments of an operation are declared once, in its ``__init__``: the
    classmethod Alembic proxies as ``op.<name>`` is generated from that signature (see
    :func:`invoke_classmethod`), and so are the type stub (``scripts/write_pyi.py``)
    and the autogenerate renderer (:mod:`alembic_enum_ops.autogenerate.render`).
    """

    def register(cls: OperationClass) -> OperationClass:
        if name in vars(cls):
            raise TypeError(
                f"{cls.__qualname__} defines {name}() itself: the operation's arguments "
                "are declared in __init__ only, and the classmethod is generated from it"
            )
        if name in _REGISTERED:
            raise TypeError(f"operation {name!r} is already registered")
        setattr(cls, name, classmethod(invoke_classmethod(cls, name)))
        Operations.register_operation(name)(cls)
        _REGISTERED[name] = cls
        return cls

    return register


def invoke_classmethod(cls: type[MigrateOperation], name: str) -> Callable[..., None]:
    """The function behind ``op.<name>``: ``name(cls, operations, <the parameters of
    cls.__init__>)`` building ``cls(...)`` and handing it to ``operations.invoke``.

    Alembic's ``Operations.register_operation`` reads the classmethod's *code object*
    (SQLAlchemy's ``inspect_getfullargspec``: argument names, ``__defaults__``,
    ``__kwdefaults__``, ``__annotations__``), not ``__signature__``, to build the
    proxy.  So, as Alembic builds its own proxies, the function is compiled from source
    text naming every parameter with its kind, and then given ``__init__``'s defaults,
    annotations (source text, the modules use ``from __future__ import annotations``)
    and docstring (the user-facing text ``help(op.<name>)`` shows).
    """
    init = cls.__init__
    parameters = list(inspect.signature(init).parameters.values())[1:]  # without self
    header = ["cls", "operations"]
    arguments: list[str] = []
    for parameter in parameters:
        if parameter.kind not in _SUPPORTED_KINDS:
            raise TypeError(
                f"{cls.__qualname__}.__init__: parameter {parameter.name!r} is "
                f"{parameter.kind.description}; operations take positional-or-keyword "
                "and keyword-only parameters only"
            )
        if parameter.name in header:
            raise TypeError(
                f"{cls.__qualname__}.__init__: parameter name {parameter.name!r} is "
                "reserved for the generated classmethod"
            )
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            if "*" not in header:
                header.append("*")
            arguments.append(f"{parameter.name}={parameter.name}")
        else:
            arguments.append(parameter.name)
        header.append(parameter.name)
    source = (
        f"def {name}({', '.join(header)}):\n"
        f"    operations.invoke(cls({', '.join(arguments)}))\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<operation {name}>", "exec"), {}, namespace)
    function: Callable[..., None] = namespace[name]
    function.__defaults__ = init.__defaults__
    function.__kwdefaults__ = None if init.__kwdefaults__ is None else dict(init.__kwdefaults__)
    function.__annotations__ = {"operations": "Operations", **init.__annotations__}
    function.__module__ = cls.__module__
    function.__qualname__ = f"{cls.__qualname__}.{name}"
    function.__doc__ = init.__doc__
    return function


def operation_class(name: str) -> type[MigrateOperation]:
    """The class registered as ``op.<name>``: lets one family's ``reverse()`` build
    another family's operation without the two modules importing each other."""
    return _REGISTERED[name]


def registered_operations() -> dict[str, type[MigrateOperation]]:
    """Every registered operation, ``{name: class}``, in registration order."""
    return dict(_REGISTERED)


def operation_name(cls: type[MigrateOperation]) -> str:
    """The ``op.<name>`` under which ``cls`` is registered."""
    for name, registered in _REGISTERED.items():
        if registered is cls:
            return name
    raise KeyError(f"{cls.__qualname__} is not a registered operation")


def label_for(schema: str | None, name: object) -> str:
    """``schema.name`` for messages, even before ``name`` is known to be a string."""
    return qualified_label(schema, name if isinstance(name, str) else repr(name))


class EnumOperation(MigrateOperation):
    """Common base: every enum operation targets one type ``schema.name``."""

    name: str
    schema: str | None

    @property
    def type_label(self) -> str:
        return qualified_label(self.schema, self.name)

    @property
    def described_target(self) -> str:
        """What the operation works on, for a reader (revision headers)."""
        return self.type_label



def check_values(values: object, *, where: str) -> tuple[str, ...]:
    """Values allowed by a CHECK: a non-empty list of distinct strings without NUL.

    Unlike enum labels they have no 63-byte limit (a CHECK compares text).
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | set | frozenset):
        raise InvalidEnumInputError(f"{where}: values must be a list of strings, got {values!r}")
    result: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise InvalidEnumInputError(
                f"{where}: values must be strings, got {value!r} ({type(value).__name__})"
            )
        if "\x00" in value:
            raise InvalidEnumInputError(f"{where}: value {value!r} contains a NUL byte")
        if value in result:
            raise InvalidEnumInputError(f"{where}: duplicate value {value!r}")
        result.append(value)
    if not result:
        raise InvalidEnumInputError(f"{where}: the list of values is empty")
    return tuple(result)


class CheckEnumOperation(MigrateOperation):
    """Common base: a text column ``schema.table.column`` whose values a CHECK limits."""

    table: str
    column: str
    schema: str | None
    constraint_name: str | None

    def _init_target(
        self, table: str, column: str, schema: str | None, constraint_name: str | None
    ) -> None:
        self.table = check_name(table, what="table name")
        self.column = check_name(column, what="column name")
        self.schema = check_schema(schema)
        self.constraint_name = (
            None
            if constraint_name is None
            else check_name(constraint_name, what="constraint name")
        )

    @property
    def column_label(self) -> str:
        table = f"{self.schema}.{self.table}" if self.schema else self.table
        return f"column {table}.{self.column}"

    @property
    def described_target(self) -> str:
        """What the operation works on, for a reader (revision headers)."""
        return f"{qualified_label(self.schema, self.table)}.{self.column}"




def check_length(
    column_label: str, what: str, length: int | None, values: Sequence[str] | None
) -> int | None:
    """``length`` (a ``varchar(n)`` size) when it is a positive integer that fits every
    value; a clear error otherwise."""
    if length is None:
        return None
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise InvalidEnumInputError(
            f"{column_label}: {what} must be a positive integer, got {length!r}"
        )
    if values:
        longest = max(len(v) for v in values)
        if longest > length:
            raise InvalidEnumInputError(
                f"{column_label}: {what}={length} is shorter than the longest "
                f"value ({longest} characters)"
            )
    return length


