"""forecast_many on a Dask cluster: a real LocalCluster (in this process, two workers), compared with the
single-process run exactly; the workbook's Settings route; the core without dask."""

import importlib
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from xl_sop.errors import ExternalToolError, InputError
from xl_sop.forecast import distributed as dist
from xl_sop.forecast import forecast_many

# The dask extra: skipped without it, except in CI, which installs it (.ci/run).
distributed = importlib.import_module("distributed") if os.environ.get("CI") else pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded workers in this process, reached by TCP like a real cluster (a second to start)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster) as connected:
        yield connected


def many_series(count: int = 240, seed: int = 3) -> pd.DataFrame:
    """``count`` monthly series of 14 to 40 months, in shuffled rows, with what a warehouse extract has: series
    ending before the latest month (the first 30, consecutive), months without a row, blank quantities, a row
    without an item, integer and text item codes, a series of zeros and one of blanks only."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(count):
        length = int(rng.integers(14, 41))
        end = pd.Timestamp("2026-10-01") - pd.DateOffset(months=int(rng.integers(2, 9)) if i < 30 else 0)
        months = pd.date_range(end=end, periods=length, freq="MS")
        level = rng.lognormal(3, 1)
        season = 1 + 0.3 * np.sin(np.arange(length) * 2 * np.pi / 12)
        qty = np.maximum(np.round(level * season * (1 + 0.2 * rng.standard_normal(length))), 0)
        item = i if i % 7 == 0 else f"S-{i:04d}"
        rows += [(item, m, q) for m, q in zip(months, qty, strict=True) if rng.random() > 0.05]
    rows += [("ZERO", m, 0.0) for m in pd.date_range("2025-01-01", periods=12, freq="MS")]
    rows += [("BLANK", m, np.nan) for m in pd.date_range("2026-08-01", periods=3, freq="MS")]
    rows += [(None, pd.Timestamp("2026-01-01"), 5.0)]
    table = pd.DataFrame(rows, columns=["Item", "Month", "Quantity"])
    table.loc[table.sample(20, random_state=seed).index, "Quantity"] = np.nan
    table = table.sample(frac=1.0, random_state=seed)
    early = table["Item"].isin([i if i % 7 == 0 else f"S-{i:04d}" for i in range(30)])
    return pd.concat([table[early], table[~early]], ignore_index=True)  # the early-ending series first


def test_the_cluster_gives_the_single_process_result_exactly(client):
    table = many_series()
    here = forecast_many(table, 6, level=(80, 95))
    calls = []
    there = forecast_many(table, 6, level=(80, 95), engine=client, progress=lambda done, total: calls.append((done, total)))
    pd.testing.assert_frame_equal(there, here, check_exact=True)
    assert here["Item"].nunique() == 242 and {"Zero demand", "not forecast"} <= set(here["Method"])
    assert len(calls) >= 4 and calls[-1] == (242, 242)  # one call per partition, in series
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_families_borrow_the_same_profile_on_the_cluster_as_in_one_process(client):
    """Items with less than two seasons borrow their family's pooled profile: a family's items are forecast in one
    partition, so the cluster gives the single-process result, in the input's order."""
    rng = np.random.default_rng(5)
    rows, families = [], {}
    for k in range(60):  # 4 families, interleaved in the input's order; two items in three have 15 months only
        item, months = f"I{k:02d}", pd.date_range(end="2026-10-01", periods=48 if k % 3 == 0 else 15, freq="MS")
        families[item] = f"F{k % 4}"
        season = 1 + 0.4 * np.sin(2 * np.pi * (months.month.to_numpy() - 4) / 12)  # a calendar season
        level = 50 if k % 3 == 0 else 5  # the new items small: the family's total keeps its season
        rows += [(item, m, float(q)) for m, q in zip(months, np.round(level * season * rng.lognormal(0, 0.1, len(months))),
                                                     strict=True)]
    table = pd.DataFrame(rows, columns=["Item", "Month", "Quantity"]).sample(frac=1.0, random_state=1)
    here = forecast_many(table, 6, families=families)
    there = forecast_many(table, 6, families=families, engine=client)
    pd.testing.assert_frame_equal(there, here, check_exact=True)
    assert here["Method"].str.contains("borrowed profile").any()
    parts = dist.split_by_series(table, 10, family=families)
    for part in parts:  # a family is never split between partitions
        assert not set(part.rows["Item"].map(families).dropna()) & {
            families[i] for other in parts if other is not part for i in other.rows["Item"] if i in families}


def test_partitions_of_whole_series_on_one_calendar():
    table = many_series()
    parts = dist.split_by_series(table, 10)
    assert sum(p.series for p in parts) == 242 and len(parts) == 25
    items = [list(dict.fromkeys(p.rows["Item"])) for p in parts]
    flat = [item for part in items for item in part]
    assert len(flat) == len(set(flat)) == 242  # each series in one partition only
    first_seen = list(dict.fromkeys(table.dropna(subset=["Item"])["Item"]))
    assert flat == first_seen  # partitions follow the input's order of series
    latest = table["Month"].max()
    assert all(p.rows["Month"].max() == latest for p in parts)
    padded = [p for p in parts if (table.loc[table["Item"].isin(p.rows["Item"]), "Month"].max() < latest)]
    assert padded, "no partition needed the calendar row: the test does not exercise it"
    for p in padded:
        assert p.rows.iloc[-1]["Quantity"] == 0.0 and p.rows.iloc[-1]["Item"] == p.rows.iloc[0]["Item"]


def test_small_partitions_and_early_ending_ones_give_the_same_result(client):
    table = many_series()
    here = forecast_many(table, 4)
    there = dist.forecast_on_cluster(table, 4, client, series_per_partition=7)
    pd.testing.assert_frame_equal(there, here, check_exact=True)


def test_a_worker_holds_only_the_partitions_sent_ahead(client):
    """At most two partitions per worker thread are sent and not yet gathered at any time, whatever the table's
    size. (Counted on the client, which drops a gathered one at once; the scheduler forgets it a moment later.)"""
    seen = []

    def count(done, total):
        seen.append(sum(1 for key in client.futures if str(key).startswith("xl-sop-forecast")))

    dist.forecast_on_cluster(many_series(), 3, client, progress=count, series_per_partition=5)
    assert len(seen) == 49 and max(seen) <= dist.IN_FLIGHT_PER_THREAD * 2


def test_engine_dask_uses_the_running_client_and_an_address_connects(client, cluster):
    table = many_series(60)
    here = forecast_many(table, 3, level=90)
    with distributed.get_task_stream(client) as tasks:
        pd.testing.assert_frame_equal(forecast_many(table, 3, level=90, engine="dask"), here, check_exact=True)
    assert any(str(t["key"]).startswith("xl-sop-forecast") for t in tasks.data)
    pd.testing.assert_frame_equal(forecast_many(table, 3, level=90, engine=cluster.scheduler_address), here,
                                  check_exact=True)


def test_bad_cells_and_engines_are_said_as_in_process(client, monkeypatch):
    bad = many_series(20).astype({"Quantity": object})
    bad.loc[4, "Quantity"] = "lots"
    with pytest.raises(InputError) as here:
        forecast_many(bad, 3)
    with pytest.raises(InputError) as there:
        forecast_many(bad, 3, engine=client)
    assert str(there.value) == str(here.value) and "row 5, column Quantity: 'lots'" in str(here.value)
    with pytest.raises(InputError, match="engine must be None, 'dask', a scheduler address or a dask.distributed Client"):
        forecast_many(many_series(5), 3, engine=4)
    monkeypatch.setattr(dist, "CONNECT_TIMEOUT", "0.5s")
    with pytest.raises(ExternalToolError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        forecast_many(many_series(5), 3, engine="tcp://127.0.0.1:9")


# --- the workbook's route: Settings / Scheduler address -> Run Forecast on the cluster ---------------------------


@pytest.mark.slow  # a demo workbook filled, its demand step run twice
def test_run_forecast_on_the_cluster_named_in_settings(tmp_path, client, cluster):
    from xl_sop.cli import main
    from xl_sop.cycle.demo import fill_demo_book
    from xl_sop.workbook.filebook import FileBook

    books = {}
    for name in ("here", "cluster"):
        path = tmp_path / f"{name}.xlsm"
        book = fill_demo_book(path, items=30, months=30)
        if name == "cluster":
            settings = book.read_table("tblSettings")
            assert "Scheduler address" in settings["Setting"].tolist()  # the template's row
            settings.loc[settings["Setting"] == "Scheduler address", "Value"] = cluster.scheduler_address
            book.write_table("tblSettings", settings)
        book.save()
        with distributed.get_task_stream(client) as tasks:
            assert main(["run", str(path), "--step", "demand"]) == 0
        ran = [t for t in tasks.data if str(t["key"]).startswith("xl-sop-forecast")]
        assert bool(ran) == (name == "cluster"), ran
        books[name] = FileBook(path).read_table("tblDemandPlan")
    assert len(books["here"]) == (30 + 1) * 12  # and the item the demo launches
    pd.testing.assert_frame_equal(books["cluster"], books["here"], check_exact=True)


def test_the_scheduler_address_setting():
    from xl_sop.settings import read_settings

    settings = read_settings(pd.DataFrame({"Setting": ["Scheduler address", "Production strategy"],
                                           "Value": ["  tcp://10.0.0.5:8786 ", "Level"]}))
    assert settings.scheduler_address == "tcp://10.0.0.5:8786" and settings.production_strategy == "level"
    assert not settings.problems
    assert read_settings(pd.DataFrame({"Setting": ["Scheduler address"], "Value": [None]})).scheduler_address is None
    assert read_settings(pd.DataFrame({"Setting": ["Horizon"], "Value": [6]})).scheduler_address is None


# --- the core without the extra ----------------------------------------------------------------------------------

WITHOUT_DASK = """
import importlib, importlib.abc, sys
from pathlib import Path

EXTRA = {"dask", "distributed", "pyarrow"}

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in EXTRA:
            raise ModuleNotFoundError(f"No module named {name!r} (refused by the test)", name=name)

sys.meta_path.insert(0, Refuse())
import xl_sop

root = Path(xl_sop.__file__).parent
for path in sorted(root.rglob("*.py")):
    importlib.import_module(".".join(("xl_sop", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__"))

import pandas as pd
from xl_sop.cli import main
from xl_sop.cycle.demo import fill_demo_book
from xl_sop.errors import ExternalToolError
from xl_sop.forecast import forecast_many

book = Path(sys.argv[1])
fill_demo_book(book, items=4, months=24).save()
assert main(["run", str(book), "--step", "demand"]) == 0
history = pd.DataFrame({"Item": ["A"] * 24, "Month": pd.date_range("2024-01-01", periods=24, freq="MS"), "Quantity": 5.0})
try:
    forecast_many(history, 3, engine="dask")
except ExternalToolError as exc:
    assert 'pip install "xl-sop[dask]"' in str(exc), exc
else:
    raise AssertionError("a cluster was used without dask")
assert EXTRA.isdisjoint(m.partition(".")[0] for m in sys.modules), EXTRA & set(sys.modules)
print("headless without dask")
"""


@pytest.mark.slow  # a subprocess and a demo workbook: a few seconds
def test_the_core_and_the_headless_demo_run_without_dask(tmp_path):
    run = subprocess.run([sys.executable, "-c", WITHOUT_DASK, str(tmp_path / "Demo.xlsm")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "headless without dask"
