"""``sim verify``: the model against queueing and inventory theory, into the validation page's folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.analysis.verify import QUICK_REPLICATIONS, Case, verify
from sim.io import VALIDATION_MARKS, check_output, write_table
from sim.report.pages import verification_page


def verify_folder(out: Path, selected: Sequence[Case], *, quick: bool = False,
                  workers: int | None = None) -> pd.DataFrame:
    """Verify the cases (see ``sim.analysis.verify.verify``) into ``out``: ``verify.csv``, its page and plots, each
    file written whole (beside the replay's, in the validation page's folder)."""
    check_output(out, marks=VALIDATION_MARKS)
    table = verify(selected, quick, workers)
    write_table(table, out / "verify.csv")
    verification_page(out, table, QUICK_REPLICATIONS if quick else None)
    return table
