"""Where Recap's non-Python files live, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """The ``templates/`` folder: inside the package when installed from a wheel, else the repo's."""
    for candidate in (_PACKAGE / "templates", _PACKAGE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("Recap's templates folder is missing: reinstall the package")


def data_dir() -> Path:
    """Files shipped inside the package (schemas, sandbox fixtures)."""
    return _PACKAGE / "data"
