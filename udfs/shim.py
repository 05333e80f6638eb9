"""The wrapper every cell function shares: errors become one short text."""

from __future__ import annotations

import functools
import math

from xl_sop.errors import SopError

MAX_MESSAGE = 250


def cell_function(func):
    """Return the function's value, or 'SOP_NAME: what is wrong' instead of raising.

    Excel shows a Python exception's text in the cell; this makes that text a
    sentence a planner can act on, and never a traceback.
    """
    name = func.__name__

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
            if isinstance(result, float) and not math.isfinite(result):
                return f"{name}: the result is not a finite number (are some values too large?)"
            return result
        except SopError as exc:
            return _short(f"{name}: {exc}")
        except Exception as exc:  # noqa: BLE001 - the cell must get text, whatever failed
            return _short(f"{name}: unexpected error ({type(exc).__name__}: {exc})")

    return wrapper


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."
