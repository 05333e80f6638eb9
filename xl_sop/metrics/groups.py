"""Rows and the groups they belong to: what every metric routine sums over.

Each metric is one routine on arrays of rows and a Groups (a group code per
row) that returns one row per group. The table functions (metrics.tables)
group by columns such as Family and Month; a cell function is the same routine
with a single group (Groups.single).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from xl_sop.forecast.base import FloatArray

IntArray: TypeAlias = NDArray[np.intp]
"""Group codes, counts per group."""
BoolArray: TypeAlias = NDArray[np.bool_]
"""One flag per row: the rows to measure."""
DayArray: TypeAlias = NDArray[np.datetime64]
"""Dates as days (datetime64[D]), NaT for blanks."""


@dataclass(frozen=True)
class Groups:
    """The group of each row: codes 0 .. size - 1, or -1 for a row in no group (a blank key)."""

    codes: IntArray
    size: int

    @classmethod
    def single(cls, rows: int) -> Groups:
        """Every row in one group: what a cell function measures."""
        return cls(np.zeros(rows, dtype=np.intp), 1)

    @classmethod
    def of(cls, frame: pd.DataFrame, by: Sequence[str]) -> tuple[Groups, pd.DataFrame]:
        """The groups of a table by the columns ``by``, and their keys (one row per group, sorted).

        As in DataFrame.groupby, a row with a blank key is in no group.
        """
        grouped = frame.groupby(list(by), sort=True, dropna=True)
        codes = grouped.ngroup().fillna(-1).to_numpy(dtype=np.intp)
        keys = grouped.size().reset_index()[list(by)]
        return cls(codes, len(keys)), keys

    def where(self, keep: BoolArray) -> Groups:
        """The same groups over the rows where ``keep`` is true."""
        return Groups(self.codes[keep], self.size)

    def sum(self, values: ArrayLike, where: BoolArray | None = None) -> FloatArray:
        """Sum of ``values`` per group, over the rows where ``where`` is true (every row if None)."""
        values = np.broadcast_to(np.asarray(values, dtype=float), self.codes.shape)
        keep = self.codes >= 0 if where is None else (self.codes >= 0) & where
        sums = np.bincount(self.codes[keep], weights=values[keep], minlength=self.size)
        return cast(FloatArray, sums)  # float64 with weights; numpy's stub declares intp whatever the weights

    def count(self, where: BoolArray | None = None) -> IntArray:
        """Number of rows per group where ``where`` is true."""
        keep = self.codes >= 0 if where is None else (self.codes >= 0) & where
        return np.bincount(self.codes[keep], minlength=self.size)


def or_single(groups: Groups | None, rows: int) -> Groups:
    """``groups``, or all ``rows`` in one group when None."""
    return Groups.single(rows) if groups is None else groups


def share(part: ArrayLike, whole: ArrayLike) -> FloatArray:
    """part / whole per group, NaN (a blank: undefined) where whole is 0."""
    part, whole = np.asarray(part, dtype=float), np.asarray(whole, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(whole != 0, part / np.where(whole != 0, whole, 1.0), np.nan)


def present(*arrays: FloatArray | DayArray) -> BoolArray:
    """True where every array holds a number (not NaN or NaT): the rows a metric can measure."""
    keep = np.ones(np.shape(arrays[0]), dtype=bool)
    for a in arrays:
        keep &= ~(np.isnat(a) if a.dtype.kind == "M" else np.isnan(a))
    return keep
