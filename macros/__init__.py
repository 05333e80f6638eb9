"""sop_macros: the ribbon buttons' Python side (RunPython targets).

Each macro hands ``xlwings.Book.caller()`` to the same step code that the
``xl-sop`` command line runs on a workbook file. The steps arrive with the
workbook and cycle issues; until then this package is intentionally empty.
"""
