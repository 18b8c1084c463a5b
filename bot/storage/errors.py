"""What counts as a database failure, which ones are worth another try, and what the database said."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError, SQLAlchemyError

# Anything the database, its driver or SQLAlchemy raised (a bad URL, a refused connection, a failed query).
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError,)
# A locked or restarting database: the same work may well succeed a little later.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError,)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a database failure worth retrying (a lock, a restart, a dropped connection)."""
    return isinstance(exc, TRANSIENT_ERRORS)


def error_reason(exc: BaseException) -> str:
    """The first line of what the database (its driver) said, without the statement SQLAlchemy adds."""
    return (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0]
