"""forecast_many on a Dask cluster: the long table split by series into partitions, each forecast by a worker.

``forecast_many(table, h, ..., engine=...)`` comes here when ``engine`` is not None:

- ``"dask"``: the Dask client already running in this process (``distributed.get_client()``), or else a
  LocalCluster on this machine's cores (one single-threaded worker process per core) for the one call;
- a scheduler address (``"tcp://10.0.0.5:8786"``): that cluster, connected for the call;
- a ``dask.distributed.Client``: that client, left open.

How it runs: the driver (this process) reads the three columns once with the same cell readers as the
single-process run, so a bad cell is reported by its row as there; numbers the series in the order they first
appear; cuts them into partitions of whole series (consecutive in that order); and sends the partitions to the
workers a few at a time, at most two per worker thread in flight in all, so that a worker's memory is bounded
by its partitions, not by the table.
Each worker runs :func:`xl_sop.forecast.batch.forecast_many` (``engine=None``) on its partition: the same
code as the single-process run. The driver gathers the partitions' results in order, so the result is the
single-process result row for row: one calendar (each partition ends at the table's latest month, see
:func:`split_by_series`) and the series in the input's order.

Costs: the driver holds the table and the result (about 80 bytes per history row and 130 per forecast row);
the cluster holds at most two partitions of ``series_per_partition`` series per worker thread at a time.
Progress is reported per finished partition, in series.

dask is an extra (``pip install "xl-sop[dask]"``): nothing here imports it before a cluster is asked for, and
the workers of a real cluster need xl-sop installed in the same version (docs/distributed.md).
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xl_sop.errors import ExternalToolError, InputError

DASK_EXTRA = 'pip install "xl-sop[dask]"'
MAX_SERIES_PER_PARTITION = 2000
"""About 2.5 s of work per partition at about 1.2 ms a series: long enough for the scheduler's cost per task
(about a millisecond) not to count, short enough for a progress bar and for a lost worker to cost little."""
PARTITIONS_PER_THREAD = 4
"""Partitions per worker thread at least (a smaller table gets smaller partitions), so the workers finish together."""
IN_FLIGHT_PER_THREAD = 2
"""Partitions sent ahead per worker thread: one running, one waiting; the driver sends the next as one finishes."""
CONNECT_TIMEOUT = "10s"


@dataclass(frozen=True)
class Partition:
    """The rows of some consecutive series (columns id, month, quantity as read), and how many series it holds."""

    rows: pd.DataFrame
    series: int


def split_by_series(table: pd.DataFrame, series_per_partition: int | None, threads: int = 1, id_col: str = "Item",
                    date_col: str = "Month", value_col: str = "Quantity",
                    family: dict[Hashable, Hashable] | None = None) -> list[Partition]:
    """The long table cut into partitions of whole series, in the order the series first appear.

    Columns are found and read as ``forecast_many`` reads them (a bad cell raises the same InputError naming
    its row); rows without a series or a month are left out, as there. The partitions' columns are named
    ``id_col``, ``date_col`` and ``value_col``, months are month-start timestamps and quantities floats.

    One calendar: ``forecast_many`` ends every series at the table's latest month (a month without a row is
    zero demand). A partition whose own latest month is earlier gets one row more, its first series at the
    table's latest month with quantity 0: exactly what that series has there in the whole table.

    ``series_per_partition`` None: ``ceil(series / (PARTITIONS_PER_THREAD x threads))``, at most
    MAX_SERIES_PER_PARTITION.

    ``family`` ({series: family}): a family's series all go to one partition (a family's pooled seasonal profile
    needs all its items), families in the order their first series appears; a partition is then at least one
    whole family, so it may hold more series than the size. The caller puts the results back in input order.
    """
    from xl_sop.forecast.batch import _column
    from xl_sop.frames import month_values, number_values

    item_c, date_c, qty_c = (_column(table, n, w) for n, w in ((id_col, "item"), (date_col, "month"), (value_col, "quantity")))
    months = month_values(table, "history", date_c)
    qty = _plain_numbers(table[qty_c])
    if qty is None:  # text or other cells: the cell reader, which names a bad cell by its row
        qty = number_values(table, "history", qty_c)
    frame = pd.DataFrame({id_col: table[item_c], date_col: months, value_col: qty})
    frame = frame[frame[id_col].notna() & frame[date_col].notna()].reset_index(drop=True)
    if frame.empty:
        raise InputError("history table has no rows with an item and a month")
    codes, uniques = pd.factorize(frame[id_col], sort=False)
    count = len(uniques)
    size = series_per_partition or min(MAX_SERIES_PER_PARTITION, math.ceil(count / (PARTITIONS_PER_THREAD * max(threads, 1))))
    if size < 1:
        raise InputError(f"series per partition must be 1 or more, not {size}")
    part_of_series = np.arange(count) // size
    if family:
        part_of_series = _whole_families(uniques, family, size)
    part_of_row = part_of_series[codes]
    order = np.argsort(part_of_row, kind="stable")  # rows grouped by partition, in their order within it
    bounds = np.searchsorted(part_of_row[order], np.arange(int(part_of_series.max()) + 2))
    last = frame[date_col].max()
    parts: list[Partition] = []
    for index, (begin, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        rows = frame.iloc[order[begin:end]]
        if rows[date_col].max() < last:
            pad = pd.DataFrame({id_col: rows[id_col].iloc[:1].to_numpy(), date_col: [last], value_col: [0.0]})
            rows = pd.concat([rows, pad.astype(rows.dtypes.to_dict())], ignore_index=True)
        parts.append(Partition(rows.reset_index(drop=True), int((part_of_series == index).sum())))
    return parts


def _whole_families(series: pd.Index, family: dict[Hashable, Hashable], size: int) -> np.ndarray:
    """The partition of each series when a family's series stay together: families (a series without one is its
    own) in the order their first series appears, filled into partitions of about ``size`` series."""
    groups, _ = pd.factorize(pd.Series([family.get(s, ("no family", s)) for s in series], dtype=object), sort=False)
    per_group = np.bincount(groups)
    part_of_group = np.zeros(per_group.size, dtype=int)
    part, filled = 0, 0
    for g, n in enumerate(per_group):
        if filled and filled + n > size:
            part, filled = part + 1, 0
        part_of_group[g] = part
        filled += n
    out: np.ndarray = part_of_group[groups]
    return out


def _plain_numbers(column: pd.Series) -> pd.Series | None:
    """A float or integer column whose values are all finite or blank, as floats: what the cell reader makes of
    it, without its loop over the cells (about 0.6 us a cell); None for any other column."""
    if column.dtype.kind not in "fiu":
        return None
    values = column.to_numpy(dtype=float)
    if np.isinf(values).any():
        return None
    return pd.Series(values, index=column.index, name=column.name)


def forecast_partition(rows: pd.DataFrame, h: int, season_length: int | None, method: str, level: tuple[float, ...],
                       id_col: str, date_col: str, value_col: str,
                       families: dict[Hashable, Hashable] | None = None) -> pd.DataFrame:
    """What a worker runs: the single-process forecast_many on one partition (whole families, when given)."""
    from xl_sop.forecast.batch import forecast_many

    return forecast_many(rows, h, season_length=season_length, method=method, level=level or None,
                         id_col=id_col, date_col=date_col, value_col=value_col, families=families or None)


def forecast_on_cluster(
    table: pd.DataFrame, h: int, engine: object, season_length: int | None = None, method: str = "auto",
    level: tuple[float, ...] = (), id_col: str = "Item", date_col: str = "Month", value_col: str = "Quantity",
    progress: Callable[[int, int], None] | None = None, series_per_partition: int | None = None,
    family: dict[Hashable, Hashable] | None = None,
) -> pd.DataFrame:
    """forecast_many's result, computed on the Dask cluster that ``engine`` names (see the module's docstring).

    ``family`` ({series: family}, forecast_many's ``families`` read): a family's series are forecast together, so
    that they borrow the same pooled profile as in one process; the result is put back in input order."""
    with _client(engine) as client:
        threads = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        parts = split_by_series(table, series_per_partition, threads, id_col, date_col, value_col, family)
        total = sum(p.series for p in parts)
        kwargs: dict[str, Any] = dict(h=int(h), season_length=season_length, method=method, level=level,
                                      id_col=id_col, date_col=date_col, value_col=value_col)
        results = _run(client, parts, IN_FLIGHT_PER_THREAD * threads, progress, total, kwargs, family)
    out = pd.concat(results, ignore_index=True)
    if family:  # partitions hold whole families: back to the order the series first appear in the table
        from xl_sop.forecast.batch import _column

        first = {s: k for k, s in enumerate(pd.unique(table[_column(table, id_col, "item")]))}
        rank = out[id_col].map(first).to_numpy()
        out = out.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    return out


def _run(client: Any, parts: list[Partition], window: int, progress: Callable[[int, int], None] | None, total: int,
         options: dict[str, Any], family: dict[Hashable, Hashable] | None = None) -> list[pd.DataFrame]:
    """Each partition forecast on the cluster, at most ``window`` sent ahead; the results in the partitions' order.
    ``family``: each partition is sent the families of its own series only."""
    from distributed import as_completed

    run_id = uuid.uuid4().hex[:12]
    results: list[pd.DataFrame | None] = [None] * len(parts)
    index_of: dict[Hashable, int] = {}
    pending = iter(enumerate(parts))
    finished = as_completed()

    def send_next() -> None:
        for index, part in pending:
            extra = {}
            if family:
                id_col = options["id_col"]
                extra["families"] = {s: family[s] for s in pd.unique(part.rows[id_col]) if s in family}
            future = client.submit(forecast_partition, part.rows, key=f"xl-sop-forecast-{run_id}-{index}", pure=False,
                                   **options, **extra)
            index_of[future.key] = index
            finished.add(future)
            return

    for _ in range(window):
        send_next()
    done = 0
    for future in finished:
        index = index_of.pop(future.key)
        results[index] = future.result()  # a worker's error is raised here, as the single-process run raises it
        future.release()
        done += parts[index].series
        if progress is not None:
            progress(done, total)
        send_next()
    return [r for r in results if r is not None]


@contextlib.contextmanager
def _client(engine: object) -> Iterator[Any]:
    """The client ``engine`` names; one this opens (a cluster of its own, a connection) is closed afterwards."""
    module = _distributed()
    if isinstance(engine, module.Client):
        yield engine
        return
    if not isinstance(engine, str) or not engine.strip():
        raise InputError(f"engine must be None, 'dask', a scheduler address or a dask.distributed Client, not {engine!r}")
    if engine.strip().lower() == "dask":
        try:
            running = module.get_client()
        except ValueError:  # no client in this process: a local cluster of our own
            running = None
        if running is not None:
            yield running
            return
        with local_client() as own:
            yield own
        return
    address = engine.strip()
    try:
        connected = module.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExternalToolError(f"cannot reach the Dask scheduler at {address} ({exc})") from exc
    with connected:
        yield connected


WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
"""Dask settings of the workers xl-sop starts: no statistical profiler (it samples every worker's stack every
10 ms, a few percent of the forecast's time; docs/distributed.md says how to switch it off on a real cluster)."""


@contextlib.contextmanager
def local_client(workers: int | None = None) -> Iterator[Any]:
    """A client of a LocalCluster on this machine: ``workers`` single-threaded worker processes (None: one per
    core), no dashboard; closed, with its processes, when the block ends."""
    if workers is not None and workers < 1:
        raise InputError(f"the number of workers must be 1 or more, not {workers}")
    module = _distributed()
    import dask

    with dask.config.set(WORKER_CONFIG), \
            module.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            module.Client(cluster) as client:
        yield client


def _distributed() -> Any:
    """dask.distributed, or the error that says how to install it."""
    try:
        import distributed
    except ImportError:
        raise ExternalToolError(f"forecasting on a Dask cluster needs dask: {DASK_EXTRA}") from None
    return distributed
