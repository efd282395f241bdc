"""Warnings our server-side blocks raise, forwarded to the ``alembic_enum_ops`` logger.

The swap engine warns (``RAISE WARNING 'alembic_enum_ops: ...'``) when it carries over
something it cannot adapt by itself, e.g. a view comparing a label as text.  A script
run with psql prints such warnings; online, the driver receives them as notices, and
nobody would see them.  While a step runs, the runner listens for them here and logs
each one as a warning (the engine's statement-by-statement NOTICEs at debug level).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection

log = logging.getLogger("alembic_enum_ops")

PREFIX = "alembic_enum_ops: "


def _forward(severity: str | None, message: str | None) -> None:
    if not message or not message.startswith(PREFIX):
        return
    if (severity or "").upper() == "WARNING":
        log.warning("%s", message)
    else:
        log.debug("%s", message)


@contextmanager
def forwarding_server_messages(connection: Connection) -> Iterator[None]:
    """Forward our server messages while the block runs (psycopg 3, sync or async,
    and asyncpg; with another driver nothing is forwarded)."""
    driver = getattr(connection.connection, "driver_connection", None)
    remove: Callable[[], None] | None = None
    if driver is not None and hasattr(driver, "add_notice_handler"):  # psycopg 3

        def on_notice(diag: Any) -> None:
            _forward(diag.severity_nonlocalized or diag.severity, diag.message_primary)

        driver.add_notice_handler(on_notice)

        def remove() -> None:
            driver.remove_notice_handler(on_notice)

    elif driver is not None and hasattr(driver, "add_log_listener"):  # asyncpg

        def on_log(_conn: Any, message: Any) -> None:
            _forward(getattr(message, "severity_en", None) or getattr(message, "severity", None),
                     getattr(message, "message", None))

        driver.add_log_listener(on_log)

        def remove() -> None:
            driver.remove_log_listener(on_log)

    try:
        yield
    finally:
        if remove is not None:
            remove()
