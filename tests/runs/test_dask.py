"""The Dask executor: a real LocalCluster on loopback gives the same tables as the local pool."""

from __future__ import annotations

import pytest

from sim.analysis.parameters import parse_param
from sim.analysis.sweep import MemoryPoints, Sweep, run_sweep
from sim.runs.execute import check_scheduler
from tests.conftest import small

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_dask_and_local_sweeps_give_identical_tables(scheduler):
    scenario = small()
    sweep = Sweep((parse_param("authority.reviewers=2:6:3", scenario),), "grid", replications=3, seed=8)
    local = run_sweep(scenario, sweep, store=MemoryPoints(), workers=2)
    on_dask = run_sweep(scenario, sweep, store=MemoryPoints(), scheduler=scheduler)
    assert on_dask.equals(local)


def test_unreachable_scheduler_is_refused():
    with pytest.raises(ConnectionError, match="cannot reach the Dask scheduler"):
        check_scheduler("tcp://127.0.0.1:9")
