"""Raw SQL read with PostgreSQL's own grammar, turned into facts the rules can use.

``op.execute("...")`` text is parsed by pglast (the libpg_query binding: the server's
parser, compiled as a library), never by regular expressions: comments, dollar
quotes, string literals that contain SQL, ``CAST(x AS t)`` versus ``x::t`` and
multi-statement strings are all seen exactly as the server will see them.

This package is the only place that knows pglast.  It reduces each statement to small
frozen facts (:class:`DropType`, :class:`AddValue`, ...), so the rules in
:mod:`..checks` read like the PostgreSQL facts they encode and do not depend on the
parse tree's shape, which changes between pglast major versions.  Modules:

* :mod:`.facts` -- the vocabulary: one frozen class per fact, and :class:`Statement`;
* :mod:`.parsing` -- text to statements: bind parameters, the parser, syntax errors;
* :mod:`.extraction` -- a statement's parse tree to facts;
* :mod:`.mentions` -- the types a statement names and the strings it holds;
* :mod:`.nodes` -- the accessors for pglast's nodes the last two share.

Callers use :func:`parse` from here (``sql_reader.parse``), so one name stands for the
reader wherever it is called.
"""

from __future__ import annotations

from .facts import (
    AddCheck,
    AddValue,
    AlterColumnType,
    CatalogEdit,
    CreateEnum,
    CreateTable,
    DropType,
    Fact,
    QName,
    RenameType,
    RenameValue,
    Setting,
    SetTypeSchema,
    Statement,
    StringUse,
    TableRewrite,
    TransactionControl,
    TypeRef,
    ValidateConstraint,
)
from .parsing import SqlSyntaxError, neutralize_binds, parse

__all__ = [
    "AddCheck",
    "AddValue",
    "AlterColumnType",
    "CatalogEdit",
    "CreateEnum",
    "CreateTable",
    "DropType",
    "Fact",
    "QName",
    "RenameType",
    "RenameValue",
    "SetTypeSchema",
    "Setting",
    "SqlSyntaxError",
    "Statement",
    "StringUse",
    "TableRewrite",
    "TransactionControl",
    "TypeRef",
    "ValidateConstraint",
    "neutralize_binds",
    "parse",
]
