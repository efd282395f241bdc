"""The models.py sources the e2e stories autogenerate from.

``tests/e2e/test_autogenerate.py`` asserts on what autogenerate renders for them and
``tests/lint/test_e2e.py`` lints the same revisions, so both read them from here.
"""

from __future__ import annotations


def models_source(body: str, header: str = "") -> str:
    """A models.py: the imports every model here uses, ``header``, a ``metadata``, then
    ``body``."""
    return (
        "import enum\n"
        "import sqlalchemy as sa\n"
        "from sqlalchemy.dialects import postgresql\n"
        f"{header}\n"
        "metadata = sa.MetaData()\n" + body
    )


INSERTIONS = {
    "at_start": (["b", "c"], ["a", "b", "c"]),
    "in_middle": (["a", "c"], ["a", "b", "c"]),
    "at_end": (["a", "b"], ["a", "b", "c"]),
    "several": (["b", "d"], ["a0", "a1", "b", "c0", "c1", "d", "e0", "e1"]),
}
"""One type per place a label can be inserted: (labels before, labels after)."""


def insertion_models(index: int) -> str:
    """One table per :data:`INSERTIONS` entry, its enum holding the labels before
    (``index`` 0) or after (1)."""
    lines = []
    for name, pair in INSERTIONS.items():
        lines.append(
            f"sa.Table('t_{name}', metadata, sa.Column('id', sa.Integer, primary_key=True),"
            f" sa.Column('s', sa.Enum(*{pair[index]!r}, name={name!r}, schema='ai')),"
            " schema='ai')"
        )
    return models_source("\n".join(lines) + "\n")


EXOTIC = ["it's", 'say "hi"', "a|b", "[x", "back\\slash", "ünï", "%s :x"]
"""Labels that need quoting or escaping somewhere: quotes, regular-expression characters,
a backslash, non-ASCII, a %-format and a bind-parameter look-alike."""


STYLES = '''
import warnings


class Status(enum.Enum):
    PENDING = "pending"
    DONE = "done"


class StatusType(sa.types.TypeDecorator):
    impl = sa.Enum(Status, name="decorated", values_callable=lambda e: [m.value for m in e])
    cache_ok = True


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    inherits = sa.Enum("a", "b", name="inherits", inherit_schema=True)

sa.Table(
    "styles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("explicit", sa.Enum("a", name="explicit", schema="ai")),
    sa.Column("unqualified", sa.Enum("a", name="unqualified")),
    sa.Column("inherits", inherits),
    sa.Column("names", sa.Enum(Status, name="member_names")),
    sa.Column("values", sa.Enum(Status, name="member_values",
                                values_callable=lambda e: [m.value for m in e])),
    sa.Column("decorated", StatusType()),
    sa.Column("array", postgresql.ARRAY(sa.Enum("x", "y", name="in_array", schema="ai"))),
    sa.Column("pg", postgresql.ENUM("p", name="pg_enum", schema="ai")),
    schema="ai",
)
sa.Enum("s", name="standalone", schema="ai", metadata=metadata)
ms = sa.MetaData(schema="ms")
sa.Table("meta", ms, sa.Column("id", sa.Integer, primary_key=True),
         sa.Column("m", sa.Enum("a", name="meta_schema")))
metadata = [metadata, ms]
'''
"""Every way a model declares an enum: explicit, unqualified and inherited schemas,
Python enums by name and by value, a TypeDecorator, an array, ``postgresql.ENUM``, a
standalone type bound to the metadata, and a second ``MetaData(schema=...)``."""
