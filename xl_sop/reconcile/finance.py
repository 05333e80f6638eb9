"""The financial view of a plan: revenue, cost and margin against the budget."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_sop.frames import item_attributes, monthly, numbers, require_items


def financial_view(plan: pd.DataFrame, items: pd.DataFrame, budget: pd.DataFrame, quantity: str = "Quantity") -> pd.DataFrame:
    """Plan in money by family and month, against the Budget table.

    Revenue = units x UnitPrice; COGS = units x UnitCost; Margin = Revenue - COGS;
    MarginPct = Margin / Revenue; UnitsGap = Units - BudgetUnits; RevenueGap =
    Revenue - BudgetRevenue (negative = below budget); RevenueGapPct = RevenueGap / BudgetRevenue.
    plan: Item, Month and the units in column ``quantity``. budget: Family, Month, Units,
    Revenue. Family-months present on one side only show 0 on the other.
    """
    p = monthly(plan, "plan", quantity)
    attrs = numbers(item_attributes(items, "Family", "UnitPrice", "UnitCost"), "Items", "UnitPrice", "UnitCost")
    require_items(pd.Series(p["Item"].unique()), attrs, "plan")
    p = p.merge(attrs, on="Item", how="left")
    p["Revenue"] = p[quantity] * p["UnitPrice"].fillna(0.0)
    p["COGS"] = p[quantity] * p["UnitCost"].fillna(0.0)
    planned = (p.groupby(["Family", "Month"], as_index=False)[[quantity, "Revenue", "COGS"]].sum()
               .rename(columns={quantity: "Units"}))
    units = monthly(budget, "Budget", "Units", keys=("Family",))
    revenue = monthly(budget, "Budget", "Revenue", keys=("Family",))
    b = (units.merge(revenue, on=["Family", "Month"], how="outer")
         .rename(columns={"Units": "BudgetUnits", "Revenue": "BudgetRevenue"}))
    out = planned.merge(b, on=["Family", "Month"], how="outer").fillna(0.0).sort_values(["Family", "Month"], ignore_index=True)
    out["Margin"] = out["Revenue"] - out["COGS"]
    out["MarginPct"] = out["Margin"] / out["Revenue"].where(out["Revenue"] != 0)
    out["UnitsGap"] = out["Units"] - out["BudgetUnits"]
    out["RevenueGap"] = out["Revenue"] - out["BudgetRevenue"]
    out["RevenueGapPct"] = out["RevenueGap"] / out["BudgetRevenue"].where(out["BudgetRevenue"] != 0)
    return out[["Family", "Month", "Units", "Revenue", "COGS", "Margin", "MarginPct", "BudgetUnits", "BudgetRevenue",
                "UnitsGap", "RevenueGap", "RevenueGapPct"]].astype({"Units": float}).replace({np.inf: np.nan})
