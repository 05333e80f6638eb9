"""xl-sop: Sales and Operations Planning inside Excel.

The core is pure Python (numpy, pandas, scipy) and knows nothing of Excel:
``xl_sop.forecast`` is the statistical forecasting engine. The cell functions
live in ``sop_udfs`` and the ribbon macros in ``sop_macros``; both are thin.
"""

from xl_sop.errors import InputError, SolverError, SopError, WorkbookError

__version__ = "0.1.0"

__all__ = ["InputError", "SolverError", "SopError", "WorkbookError", "__version__"]
