"""Production metrics: schedule attainment."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from xl_sop.metrics._inputs import equal_length, single_value
from xl_sop.metrics.groups import Groups, or_single, present, share


def schedule_attainment_grouped(planned: ArrayLike, actual: ArrayLike, groups: Groups | None = None) -> pd.DataFrame:
    """Production schedule attainment per group = sum min(actual, planned) / sum planned.

    Parameters
    ----------
    planned, actual : array of float
        Units scheduled and units produced per item-period [units]. A row with
        a blank in either is skipped (a month not yet reported has no actual).
    groups : Groups, optional
        The group of each row; default: all rows in one group.

    Returns
    -------
    DataFrame, one row per group: Pairs (count of rows measured), Planned
    (sum planned [units]) and Attainment [share, 1 = made as planned], NaN
    where nothing is planned. Over-production of one item or month does not
    offset a miss elsewhere (capped per row). Definitions vary (some count
    work orders finished on schedule); this is the quantity form, with no
    standard reference.
    """
    p, a = np.asarray(planned, dtype=float), np.asarray(actual, dtype=float)
    groups = or_single(groups, p.size)
    pair = present(p, a)
    total = groups.sum(p, pair)
    return pd.DataFrame({"Pairs": groups.count(pair), "Planned": total,
                         "Attainment": share(groups.sum(np.minimum(a, p), pair), total)})


def schedule_attainment(planned: object, actual: object) -> float:
    """Production schedule attainment: ``schedule_attainment_grouped`` on one group.

    planned, actual: ranges of equal length [units]. Result: share.
    """
    p, a = equal_length(("planned", planned), ("actual", actual))
    return single_value(schedule_attainment_grouped(p, a), "Attainment", counted="Pairs",
                        nothing="planned/actual pairs with numbers",
                        undefined="the total planned is zero: the ratio is undefined")
