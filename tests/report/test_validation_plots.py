"""Validation plots: the model's intervals against theory, as the checks judged them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.verify import COLUMNS, exact, judged_together, statistical
from sim.report import validation_plots
from tests.report.figures import outside


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = []
    for case, theory in (("mmc_c1_rho050", 1.0), ("mmc_c1_rho080", 4.0), ("mmc_c3_rho080", 1.3)):
        rows += [{"family": "mmc", "case": case, "replications": 8, **row} for row in judged_together(
            [statistical("mean wait for a reviewer (days)", theory, theory + 0.1 * rng.standard_normal(8))])]
    rows.append({"family": "semantics", "case": "fixed", "replications": 8, **exact("delay", 3.0, 3.0)})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def test_the_queue_plot_draws_theory_and_the_judged_interval_for_each_number_of_reviewers(table):
    ax = validation_plots.verification_mmc(table).axes[0]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == [
        "Erlang C, c = 1", "Erlang C, c = 3", "simulated, c = 1 (CI as judged)", "simulated, c = 3 (CI as judged)"]
    caps = [line.get_ydata() for line in ax.lines if line.get_marker() == "_"]  # the error bars' ends
    judged = table[table["family"] == "mmc"].sort_values(["case"])
    assert sorted(np.concatenate(caps)) == pytest.approx(sorted([*judged["ci_low"], *judged["ci_high"]]))


def test_the_summary_shows_every_statistical_check_and_no_exact_one(table):
    fig = validation_plots.verification_summary(table)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 3 and not any(label.startswith("fixed") for label in labels)
    assert outside(fig) == []
