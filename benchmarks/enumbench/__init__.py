"""The benchmark harness behind ``python benchmarks/run.py``.

Three tools are measured side by side on the same data, in the same run, in rotating
order: ``ours`` (alembic-enum-ops), ``peer`` (alembic-postgresql-enum, newest from
PyPI, in a venv of its own) and ``hand`` (the hand-written Alembic recipe from the
user's research).  Every migration runs through real Alembic (``python -m alembic``
in a throw-away project), so start-up costs and transaction framing are the same for
every tool.  Nothing here is imported by the package or by its tests, except the smoke
test that runs the whole harness on tiny data.
"""
