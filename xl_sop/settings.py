"""The Settings table (Setting, Value) read into typed values, with every problem found.

The settings, their defaults, formats and ranges are declared once, in
``schema.SETTINGS``; this is their one reader, used by the cycle, publish and
the table functions. Setting names match case-insensitively, ignoring spaces,
underscores and hyphens, so "Service level", "service_level" and
"SERVICE-LEVEL" are one setting. Cells are read by xl_sop.cells: "95%" is 0.95
wherever a setting takes a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from xl_sop import cells
from xl_sop.errors import CellError, InputError, UnknownNameError
from xl_sop.workbook import schema


def setting_key(name: object) -> str:
    """The name a setting is matched by: lower case letters and digits only."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


_SPECS = {setting_key(spec[0]): spec for spec in schema.SETTINGS}


@dataclass(frozen=True)
class SettingProblem:
    row: int | None
    """The row of the Settings table (1 = first data row), None when the table itself is at fault."""
    column: str
    text: str


@dataclass(frozen=True)
class Settings:
    """Typed settings: a blank or unreadable setting takes its default (Cycle month: none)."""

    values: dict[str, object] = field(default_factory=dict)
    problems: tuple[SettingProblem, ...] = ()

    def get(self, name: str) -> object:
        """The value of a setting of schema.SETTINGS, or its default when blank or unreadable."""
        key = setting_key(name)
        if key not in _SPECS:
            known = ", ".join(spec[0] for spec in schema.SETTINGS)
            raise UnknownNameError(f"there is no setting '{name}' (settings: {known})")
        value = self.values.get(key)
        if value is not None:
            return value
        default = _SPECS[key][1]
        return None if _SPECS[key][2] == schema.MONTH else default

    @property
    def cycle_month(self) -> pd.Timestamp | None:
        """The first plan month, or None when blank (the step then takes the month after the history)."""
        value = self.get("Cycle month")
        return value if isinstance(value, pd.Timestamp) else None

    @property
    def horizon(self) -> int:
        return int(self._number("Horizon"))

    @property
    def season_length(self) -> int:
        return int(self._number("Season length"))

    @property
    def cycle_service_level(self) -> float:
        """The probability of no stock-out in a replenishment cycle, for safety stock (not the fill rate)."""
        return self._number("Service level")

    @property
    def holding_share(self) -> float:
        """Holding cost per unit and month as a share of its unit cost (Settings row "Holding cost")."""
        return self._number("Holding cost")

    @property
    def backlog_share(self) -> float:
        """Cost of a unit one month late as a share of its unit price (Settings row "Backlog cost")."""
        return self._number("Backlog cost")

    @property
    def overtime_factor(self) -> float:
        """An overtime hour costs this times a regular hour (Settings row "Overtime cost")."""
        return self._number("Overtime cost")

    @property
    def regular_hour_cost(self) -> float:
        return self._number("Regular hour cost")

    @property
    def production_strategy(self) -> str:
        return str(self.get("Production strategy"))

    @property
    def spread_by(self) -> str:
        """How a family figure on 1 Demand is shared by its items: forecast, history or equal."""
        return str(self.get("Spread family figures by"))

    @property
    def family_forecast(self) -> str:
        """How a family's statistical forecast relates to its items': bottom-up, top-down or min-trace
        (Settings row "Family forecast"; xl_sop.forecast.hierarchical)."""
        return str(self.get("Family forecast"))

    @property
    def scheduler_address(self) -> str | None:
        """The Dask scheduler Run Forecast sends the forecast to (Settings row "Scheduler address"); None: in-process."""
        value = self.get("Scheduler address")
        return str(value) if value else None

    @property
    def approvals_required(self) -> tuple[str, ...]:
        """The roles whose approval Freeze Plan needs (Settings row "Approvals required": roles separated by commas or
        semicolons, e.g. "CFO, COO"); () when blank."""
        value = self.get("Approvals required")
        roles = str(value).replace(";", ",").split(",") if value else []
        return tuple(dict.fromkeys(r.strip() for r in roles if r.strip()))

    @property
    def show_regions(self) -> str | None:
        """Which region rows 1 Demand shows (Settings row "Show regions"): None for every region, "none" for items
        only, or a region's or segment's name as typed (xl_sop.cycle.regions)."""
        value = self.get("Show regions")
        text = str(value).strip() if value else ""
        return None if text.lower() in ("", "all") else ("none" if text.lower() == "none" else text)

    def _number(self, name: str) -> float:
        return float(self.get(name))  # type: ignore[arg-type]


def read_settings(table: pd.DataFrame | None) -> Settings:
    """The Settings table read into typed values and problems (nothing raises for bad values).

    A setting listed twice, a value that is not a number, date or choice, or a
    number outside the setting's range is a problem naming its row; the setting
    then takes its default.
    """
    if table is None:
        return Settings()
    lookup = {str(c).strip().lower(): c for c in table.columns}
    if "setting" not in lookup or "value" not in lookup:
        return Settings(problems=(SettingProblem(None, "Setting", "the table needs the columns Setting and Value"),))
    problems: list[SettingProblem] = []
    raw: dict[str, tuple[int, object, object]] = {}
    for row, name, value in zip(table.index, table[lookup["setting"]], table[lookup["value"]], strict=True):
        if cells.is_blank(name):
            continue
        key = setting_key(name)
        if key in raw:
            problems.append(SettingProblem(int(row), "Setting",
                                           f"setting '{name}' is listed twice (rows {raw[key][0]} and {row})"))
        raw[key] = (int(row), name, value)
    values: dict[str, object] = {}
    for key, (name, _default, fmt, low, high, _meaning) in _SPECS.items():
        if key not in raw or cells.is_blank(raw[key][2]):
            continue
        row, _typed_name, value = raw[key]
        try:
            values[key] = _typed(value, fmt, low, high, name)
        except CellError as exc:
            problems.append(SettingProblem(row, "Value", f"{name}: {exc.table_text(_example(fmt))}"))
        except InputError as exc:
            problems.append(SettingProblem(row, "Value", f"{name}: {exc}"))
    return Settings(values, tuple(problems))


def _typed(value: object, fmt: str, low: float | None, high: float | None, name: str) -> object:
    if fmt == schema.MONTH:
        return cells.month(value)
    if fmt == schema.TEXT:
        choice = str(value).strip().lower()
        allowed = schema.choices(name)
        if not allowed:  # free text (an address)
            return str(value).strip() or None
        if choice not in allowed:
            raise InputError(f"'{value}' is not one of {', '.join(allowed)}")
        return choice
    number = cells.number(value, percent=True)
    assert number is not None  # blanks were skipped by the caller
    if low is not None and high is not None and not low <= number <= high:
        raise InputError(f"{number:g} is outside {low:g} to {high:g}")
    return number


def _example(fmt: str) -> str:
    return "2026-11-01" if fmt == schema.MONTH else cells.NUMBER_EXAMPLE
