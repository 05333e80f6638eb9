"""The Settings table (Setting, Value) read into typed values with documented defaults.

Setting names match case-insensitively, ignoring spaces, underscores and hyphens,
so "Service level", "service_level" and "SERVICE-LEVEL" are one setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from xl_sop.errors import InputError
from xl_sop.frames import columns


@dataclass(frozen=True)
class Scenario:
    name: str
    demand_factor: float = 1.0
    capacity_factor: float = 1.0


DEFAULT_SCENARIOS = (
    Scenario("Base", 1.0, 1.0),
    Scenario("Upside", 1.10, 1.0),
    Scenario("Downside", 0.90, 1.0),
)


def _key(name) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def read_settings(settings: pd.DataFrame | None) -> dict[str, object]:
    """{normalised setting name: value}; a setting listed twice is an error naming both rows."""
    if settings is None:
        return {}
    table = columns(settings, "Settings", "Setting", "Value")
    out, rows = {}, {}
    for row, (name, value) in enumerate(zip(table["Setting"], table["Value"]), start=1):
        if name is None or (isinstance(name, float) and name != name) or not str(name).strip():
            continue
        key = _key(name)
        if key in out:
            raise InputError(f"table Settings, rows {rows[key]} and {row}: setting '{name}' is listed twice")
        out[key], rows[key] = value, row
    return out


def setting_number(settings: dict, name: str, default: float, *, low: float = 0.0, high: float = float("inf")) -> float:
    value = settings.get(_key(name))
    if value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = float(str(value).strip().rstrip("%")) / (100 if str(value).strip().endswith("%") else 1)
    except ValueError:
        raise InputError(f"table Settings, setting '{name}': '{value}' is not a number") from None
    if not low <= number <= high:
        raise InputError(f"table Settings, setting '{name}': {number:g} is outside {low:g} to {high:g}")
    return number


def scenarios_from(settings: pd.DataFrame | None) -> tuple[Scenario, ...]:
    """Base, Upside and Downside with their demand and capacity factors.

    Settings read: "Upside demand factor" (default 1.10), "Upside capacity factor" (1.0),
    "Downside demand factor" (0.90), "Downside capacity factor" (1.0); factors 0 to 10.
    """
    values = read_settings(settings)
    out = []
    for default in DEFAULT_SCENARIOS:
        if default.name == "Base":
            out.append(default)
            continue
        out.append(Scenario(
            default.name,
            setting_number(values, f"{default.name} demand factor", default.demand_factor, high=10.0),
            setting_number(values, f"{default.name} capacity factor", default.capacity_factor, high=10.0),
        ))
    return tuple(out)
