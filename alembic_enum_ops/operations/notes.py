"""Notes: comments autogenerate writes into a revision, never differences."""

from __future__ import annotations

from alembic.operations import ops as alembic_ops


class EnumNoteOp(alembic_ops.OpContainer):
    """A comment autogenerate writes into the revision.

    It is an empty ``OpContainer`` so ``alembic check`` (which collects
    ``to_diff_tuple()`` of the leaves) does not count it as a difference.
    """

    def __init__(self, text: str) -> None:
        super().__init__(())
        self.text = text

    def reverse(self) -> EnumNoteOp:
        return EnumNoteOp(self.text)


