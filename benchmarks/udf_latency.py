"""How long Excel waits for =SOP_FORECAST: cold start and warm calls.

Excel blocks while a cell function runs, so the first call after a workbook
opens matters as much as the rest. Each cold measurement runs in a fresh
Python process (as the xlwings UDF server starts one): the time to import
sop_udfs, then the first call on 36 months of history; warm calls are the
median of 200 further calls. Writes benchmarks/RESULTS_udf_latency.md.

    python benchmarks/udf_latency.py
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, time
t0 = time.perf_counter()
import xl_sop.forecast
tc = time.perf_counter()
import sop_udfs
t1 = time.perf_counter()
history = [[100 + 20 * ((m % 12) in (5, 6, 7)) + m] for m in range(36)]
sop_udfs.SOP_FORECAST(history, 12, None, None, 95)
t2 = time.perf_counter()
warm = []
for _ in range(200):
    a = time.perf_counter(); sop_udfs.SOP_FORECAST(history, 12, None, None, 95); warm.append(time.perf_counter() - a)
warm.sort()
print(json.dumps({"core_ms": 1000 * (tc - t0), "import_ms": 1000 * (t1 - t0), "first_call_ms": 1000 * (t2 - t1),
                  "warm_ms": 1000 * warm[100]}))
"""


def main():
    runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)]
    med = {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in runs[0]}
    lines = [
        "# =SOP_FORECAST latency",
        "",
        f"Made by `python benchmarks/udf_latency.py` on {dt.date.today().isoformat()}, {platform.machine()}, "
        f"Python {platform.python_version()}; median of 5 fresh processes; 36 months of history, horizon 12, level 95.",
        "",
        "| what | ms |",
        "|---|---:|",
        f"| import the core, xl_sop.forecast (fresh process) | {med['core_ms']:.0f} |",
        f"| import sop_udfs with xlwings (fresh process; xlwings itself imports pandas) | {med['import_ms']:.0f} |",
        f"| first call after import | {med['first_call_ms']:.1f} |",
        f"| warm call (median of 200) | {med['warm_ms']:.2f} |",
    ]
    out = Path(__file__).with_name("RESULTS_udf_latency.md")
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
