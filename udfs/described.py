"""Excel's help for each argument of a cell function, taken from the catalogue (xl_sop/workbook/cell_functions.py).

The template's VBA registers the catalogue's texts for Excel's Insert Function
dialog; xlwings' own Import Functions reads them from the function (xw.arg doc=).
Both show the same words, written once.
"""

from __future__ import annotations

import xlwings as xw

from xl_sop.workbook.cell_functions import BY_NAME


def described(func):
    """The cell function with the catalogue's help on each argument that has one."""
    for parameter in BY_NAME[func.__name__].parameters:
        if parameter.help:
            xw.arg(parameter.name, doc=parameter.help)(func)
    return func
