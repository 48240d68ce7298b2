"""The validation pages: what they say of the checks, beside the plots they show."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.verify import COLUMNS, exact, judged_together, statistical
from sim.report.pages import verification_page


def test_the_verification_page_counts_the_checks_and_shows_each_with_its_tolerance(tmp_path):
    sample = np.array([0.9, 1.1, 1.0, 0.95, 1.05])
    rows = judged_together([statistical("mean wait for a reviewer (days)", 1.0, sample),
                            exact("exports after the ban", 0.0, 2.0)])
    table = pd.DataFrame([{"family": "mmc", "case": "mmc_c1_rho050", "replications": 5, **row} for row in rows],
                         columns=list(COLUMNS))
    verification_page(tmp_path, table, quick_replications=8)
    page = (tmp_path / "verify.md").read_text()
    assert "`sim verify` (--quick (at most 8 replications a case)): 1 checks passed, 1 failed." in page
    assert "| mmc_c1_rho050 | exports after the ban | 0 | 2 |" in page
    assert "(99% for the 1 statistical checks together)" in page
    assert "![verification_mmc.png](verification_mmc.png)" in page
    assert {p.name for p in tmp_path.iterdir()} >= {"verification_mmc.png", "verification_checks.svg"}
