"""The S&OP cycle: the six steps as functions of tables, run on a book (a file or the open workbook).

    run_step(book, "demand")      one step (ids: schema.STEPS)
    run_all(book)                 demand, supply, reconcile, executive, kpis
    undo_last_run(book)           restore what the last step replaced
    validate(book)                every problem in the workbook (inputs, missing tables or columns)
    publish(path, out_dir)        values-only .xlsx and PDF pack
    collect(master, copies)       merge inputs from returned copies, list conflicts
"""

from xl_sop.cycle.inputs import load_inputs, validate
from xl_sop.cycle.runner import StepResult, run_all, run_step, undo_last_run
from xl_sop.errors import Problem, ValidationError

__all__ = ["Problem", "StepResult", "ValidationError", "load_inputs", "run_all", "run_step", "undo_last_run", "validate"]
