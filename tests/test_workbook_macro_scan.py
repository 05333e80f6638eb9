"""What mail and antivirus filters see in the macros: oletools' mraptor rates the template and a cycled workbook OK.

mraptor flags a macro project that runs something by itself (auto-exec: an open event,
Auto_Open) and also writes files or starts programs; xlwings' own module does the last two,
so the template must have no auto-exec trigger at all, as xlwings' quickstart has none.
"""

import pytest
from conftest import TEMPLATE, cycled_demo
from oletools.mraptor import MacroRaptor
from oletools.olevba import VBA_Parser


def _scan(path) -> MacroRaptor:
    """mraptor's verdict on the file, reached as its command line reaches it: every module's code at once."""
    parser = VBA_Parser(str(path))
    assert parser.detect_vba_macros()
    raptor = MacroRaptor(parser.get_vba_code_all_modules())
    raptor.scan()
    return raptor


def _assert_rated_ok(path) -> None:
    raptor = _scan(path)
    assert not raptor.autoexec, f"runs by itself: {raptor.autoexec_match}"
    assert not raptor.suspicious, raptor.get_flags()


def test_the_template_rates_ok():
    _assert_rated_ok(TEMPLATE)


@pytest.mark.slow
def test_a_workbook_after_a_full_cycle_rates_ok(tmp_path):
    _assert_rated_ok(cycled_demo(tmp_path, "Cycled.xlsm", 2))
