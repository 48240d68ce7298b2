"""Writing and reading results: long tables in chunks, read back without holding them whole."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim import io
from sim.commands.run import write_run
from sim.runs.execute import run
from tests.conftest import small


@pytest.fixture(scope="module")
def result():
    return run(small(), replications=5, seed=3, workers=1)


def test_long_tables_written_in_chunks_equal_the_whole_tables(tmp_path, monkeypatch, result):
    monkeypatch.setattr(io, "PARQUET_CHUNK", 2)
    write_run(result, tmp_path, source=None, workers=1)
    timeseries = pq.ParquetFile(tmp_path / io.TIMESERIES)
    assert timeseries.num_row_groups == 3  # replications 0-1, 2-3, 4
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / io.TIMESERIES), result.timeseries)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / io.REPLICATIONS), result.per_replication)


def test_monthly_totals_sum_every_material_and_destination_at_their_weights(tmp_path, result):
    write_run(result, tmp_path, source=None, workers=1)
    monthly = io.read_run(tmp_path).monthly  # the small scenario has no prices: kilograms as they are
    expected = result.timeseries.groupby(["replication", "month"], as_index=False)[["demand_kg", "shortfall_kg"]].sum()
    np.testing.assert_allclose(monthly[["demand", "shortfall"]], expected[["demand_kg", "shortfall_kg"]])
    assert len(monthly) == 5 * result.timeseries["month"].nunique()
    priced = io.weighted_monthly(result.timeseries, {"Dy": 10.0, "Ga": 0.0})
    dy = result.timeseries[result.timeseries["material"] == "Dy"].groupby(["replication", "month"])["demand_kg"].sum()
    np.testing.assert_allclose(priced["demand"], 10 * dy.to_numpy())


def test_a_failed_write_leaves_no_file(tmp_path):
    def fail(path):
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        io.atomic_write(tmp_path / "table.csv", fail)
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(tmp_path):
    a_file = tmp_path / "taken"
    a_file.write_text("")
    for out in (a_file, a_file / "under"):
        with pytest.raises(io.ResultsError, match="taken"):
            io.check_writable(out)
    io.check_writable(tmp_path / "new" / "folder")  # created later, by the writes
    assert not (tmp_path / "new").exists()


def test_a_run_with_exporters_writes_their_months_and_one_without_leaves_no_stale_table(tmp_path):
    makers = small(exporters={"big": {"material": "Dy", "capacity_kg_per_month": 300}})
    with_makers = run(makers, replications=3, workers=1)
    write_run(with_makers, tmp_path, source=None, workers=1)
    table = pd.read_csv(tmp_path / io.EXPORTERS)
    assert set(table["exporter"]) == {"big"} and len(table) == len(with_makers.layout.months)
    assert (table["utilisation"] <= 1).all() and (table["made_kg"] <= table["capacity_kg"] * (1 + 1e-6)).all()
    assert (table["utilisation_ci_low"] <= table["utilisation"]).all()
    assert io.read_run(tmp_path).exporters is not None
    write_run(run(small(), replications=2, workers=1), tmp_path, source=None, workers=1)
    assert not (tmp_path / io.EXPORTERS).exists() and io.read_run(tmp_path).exporters is None
