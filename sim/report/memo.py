"""Numbers as a memo quotes them: shares in per cent (differences in points), kilograms in tonnes past a
tonne, three significant figures, thousands separated, the 95 % interval to the same decimals as its estimate;
and the ``summary.md`` of a run or a comparison, with a sentence per variant that says what it did.

The terminal, the HTML report and ``summary.md`` format through these functions, so that the same figure
reads the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from sim.catalogue import METRICS

SIGNIFICANT = 3
TAKEAWAY = ("shortfall_fraction", "delay_days")
"""The metrics each comparison's one-sentence takeaway speaks of."""
MEMO = ("shortfall_fraction", "shortfall_fraction_all_sources", "delay_days", "delay_p95_days", "licence_wait_days",
        "censored_fraction", "stockout_days", "shortfall_kg", "applications", "approval_share", "review_days")
"""The metrics of ``summary.md``, for all buyers and each group shown."""


def _scale(metric: str, *values: float) -> tuple[float, str, str]:
    """(factor, unit of a value, unit of a difference) of a metric's figures."""
    unit = METRICS[metric].unit
    if unit == "share":
        return 100.0, " %", " points"
    if unit == "kg":
        big = max((abs(v) for v in values if not pd.isna(v)), default=0) >= 1000
        return (0.001, " t", " t") if big else (1.0, " kg", " kg")
    if unit == "days":
        return 1.0, " days", " days"
    return 1.0, "", ""


def _digits(*values: float) -> int:
    """Decimal places (negative: rounded to tens, hundreds...) that show the largest value to three figures."""
    largest = max((abs(v) for v in values if not pd.isna(v)), default=0.0)
    return 0 if largest == 0 else SIGNIFICANT - 1 - math.floor(math.log10(largest))


MAX_DECIMALS = 4
"""Past this many decimals (of the value as shown: per cent, days) a figure is too small to matter."""


def _telling(digits: int, value: float, low: float, high: float) -> int:
    """More decimals, up to three more, where rounding would make the interval read wrong: an end that is not 0
    shown as 0, or two ends that differ shown the same."""
    if pd.isna(low):
        return digits
    for extra in range(4):
        d = digits + extra
        ends = [round(low, d), round(high, d)]
        wrong = (low != 0 and ends[0] == 0) or (high != 0 and ends[1] == 0) or (low != high and ends[0] == ends[1])
        if not wrong or d >= MAX_DECIMALS:
            return d
    return digits + 3


def _plain(value: float, digits: int, signed: bool = False) -> str:
    rounded = round(value, digits) + 0.0  # + 0.0: no "-0"
    text = f"{rounded:{'+' if signed and rounded else ''},.{max(digits, 0)}f}"
    return text


def figures(metric: str, values: Sequence[float]) -> list[str]:
    """Values of one metric, each without its unit, to the decimals of the largest (the columns of a table)."""
    factor, _, _ = _scale(metric, *values)
    digits = min(_digits(*(v * factor for v in values)), MAX_DECIMALS)
    return ["n/a" if pd.isna(v) else _plain(v * factor, digits) for v in values]


def spread(metric: str, low: float, high: float) -> str:
    """A range of values with its unit: '10.3 – 11.9 %' (the 5th to 95th percentile across replications)."""
    shown = figures(metric, [low, high])
    return f"{shown[0]} – {shown[1]}{_scale(metric, low, high)[1]}"


def estimate(metric: str, mean: float, low: float = math.nan, high: float = math.nan) -> str:
    """A mean with its unit and its 95 % interval: '14.1 % [13.5, 14.6]', '52.9 days [50.7, 55.0]'."""
    return _quoted(metric, mean, low, high, signed=False, of_difference=False)


def difference(metric: str, diff: float, low: float = math.nan, high: float = math.nan) -> str:
    """A paired difference with its unit and 95 % interval: '+8.3 points [+7.9, +8.8]'."""
    return _quoted(metric, diff, low, high, signed=True, of_difference=True)


def size_of_change(metric: str, size: float, low: float, high: float) -> str:
    """How large a change is, unsigned, in the units of a difference: '8.3 points [7.9, 8.8]'."""
    return _quoted(metric, size, low, high, signed=False, of_difference=True)


def _quoted(metric: str, value: float, low: float, high: float, *, signed: bool, of_difference: bool) -> str:
    if pd.isna(value):
        return "n/a"
    factor, unit, diff_unit = _scale(metric, value, low, high)
    digits = min(_digits(value * factor, low * factor, high * factor), MAX_DECIMALS)
    digits = _telling(digits, value * factor, low * factor, high * factor)
    text = _plain(value * factor, digits, signed) + (diff_unit if of_difference else unit)
    if not pd.isna(low):
        text += f" [{_plain(low * factor, digits, signed)}, {_plain(high * factor, digits, signed)}]"
    return text


def noun(metric: str) -> str:
    """What a sentence calls a metric: its label before the unit ('delivery delay'), with what a share is of
    ('supply shortfall as a share of China-sourced demand')."""
    name, _, rest = METRICS[metric].label.partition(", ")
    return f"{name} as a {rest}" if rest.startswith("share of") else name


def label(metric: str) -> str:
    """A metric's label where its values carry their unit: the catalogue's, less its ', days' or ', kg' (which
    would be wrong where the values are in tonnes)."""
    return METRICS[metric].label.replace(", days", "").replace(", kg", "")


def heading(group: str) -> str:
    """A group's phrase as a heading: its first letter capital, the names in it as written."""
    phrase = group_phrase(group)
    return phrase[:1].upper() + phrase[1:]


def group_phrase(group: str) -> str:
    """A group of buyers in words: 'all buyers', 'buyer group eu_auto', 'the automotive sector'."""
    kind, _, name = group.partition(":")
    return {"all": "all buyers", "buyer": f"buyer group {name}", "sector": f"the {name} sector",
            "destination": f"buyers in {name}", "material": f"{name} demand"}[kind]


def takeaway(variant: str, baseline: str, group: str, rows: dict[str, pd.Series]) -> str:
    """One sentence on what a variant does to a group against the baseline, from comparison rows by metric."""
    parts = []
    for metric, row in rows.items():
        diff, low, high = row["diff"], row["diff_ci_low"], row["diff_ci_high"]
        if pd.isna(diff):
            continue
        if pd.isna(low):
            parts.append(f"changes the {noun(metric)} by {difference(metric, diff)} (no interval: too few "
                         "replications)")
        elif diff == low == high == 0:
            parts.append(f"leaves the {noun(metric)} as it is (the same in every replication)")
        elif low <= 0 <= high:
            parts.append(f"does not measurably change the {noun(metric)} ({difference(metric, diff, low, high)}; "
                         "the interval holds 0)")
        elif diff > 0:
            parts.append(f"raises the {noun(metric)} by {size_of_change(metric, diff, low, high)}")
        else:
            parts.append(f"lowers the {noun(metric)} by {size_of_change(metric, -diff, -high, -low)}")
    if not parts:
        return f"{variant} cannot be compared with {baseline} for {group_phrase(group)} (nothing measured)."
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{variant} {said} for {group_phrase(group)}, against {baseline}."


UNMOVED_HINT = ("what changes may not act on it (`sim validate FILE` warns of a value a dated event replaces or "
                "that acts on nothing; `sim explain FILE KEY` says where a value comes from), or act too little for "
                "this many replications")
IDENTICAL_HINT = ("the variants are the same in every replication: what differs between their files acts on nothing "
                  "(`sim validate FILE` warns of a value a dated event replaces or that acts on nothing)")


def unmoved(table: pd.DataFrame, baseline: str, metrics: Sequence[str], group: str = "all") -> tuple[list[str], bool]:
    """The metrics in which no variant differs from the baseline beyond the 95 % interval of its paired difference
    (every interval holds 0), and whether every variant is the same as the baseline in every replication."""
    rows = table[(table["group"] == group) & (table["variant"] != baseline) & table["metric"].isin(metrics)]
    holds = (rows["diff_ci_low"] <= 0) & (rows["diff_ci_high"] >= 0)
    same = [m for m in metrics if holds[rows["metric"] == m].all()]
    identical = bool(((rows["diff"] == 0) & (rows["diff_ci_low"] == 0) & (rows["diff_ci_high"] == 0)).all())
    return same, identical


def flat(points: pd.DataFrame, metric: str) -> bool:
    """Whether a sweep's metric does not move across its points: every point's 95 % interval overlaps every other's
    (the highest lower bound under the lowest upper bound)."""
    return bool(points[f"{metric}:ci_low"].max() <= points[f"{metric}:ci_high"].min())


def unmoved_sentence(table: pd.DataFrame, baseline: str, metrics: Sequence[str], group: str = "all") -> str | None:
    """What to say where nothing moved (None: something did)."""
    same, identical = unmoved(table, baseline, metrics, group)
    if identical:
        return f"No variant differs from {baseline} for {group_phrase(group)}: {IDENTICAL_HINT}."
    if same:
        return (f"No variant differs from {baseline} for {group_phrase(group)} beyond the 95 % interval of its "
                f"difference in: {', '.join(noun(m) for m in same)}. Where nothing moved, {UNMOVED_HINT}.")
    return None


def takeaways(table: pd.DataFrame, baseline: str, groups: Sequence[str]) -> list[str]:
    """The takeaway of every variant for every group, from a comparison table."""
    indexed = table.set_index(["metric", "group", "variant"])
    unknown = [group for group in groups if group not in set(table["group"])]
    if unknown:
        raise ValueError(f"no group {unknown[0]!r} in the comparison: groups are all, buyer:<group>, sector:<sector>, "
                         "destination:<destination> and material:<material>")
    said = []
    for variant in dict.fromkeys(table["variant"]):
        if variant == baseline:
            continue
        for group in groups:
            rows = {m: indexed.loc[(m, group, variant)] for m in TAKEAWAY if (m, group, variant) in indexed.index}
            said.append(takeaway(variant, baseline, group, rows))
    return said


def run_markdown(summary: pd.DataFrame, title: str, *, groups: Sequence[str], context: str) -> str:
    """``summary.md`` of a run: the memo metrics for all buyers and each group, mean with its 95 % interval,
    and the 5th and 95th percentiles across replications."""
    indexed = summary.set_index(["metric", "group"])
    lines = [f"# {title}", "", context, ""]
    for group in ("all", *groups):
        lines += [f"## {heading(group)}", "",
                  "| metric | mean [95 % interval] | 5th – 95th percentile |", "|---|---|---|"]
        for metric in MEMO:
            if (metric, group) not in indexed.index:
                continue
            row = indexed.loc[(metric, group)]
            lines.append(f"| {label(metric)} | {estimate(metric, row['mean'], row['ci_low'], row['ci_high'])} "
                         f"| {spread(metric, row['p5'], row['p95'])} |")
        lines.append("")
    return "\n".join(lines)


def comparison_markdown(table: pd.DataFrame, baseline: str, *, groups: Sequence[str], context: str) -> str:
    """``summary.md`` of a comparison: the takeaways, then per group each variant's mean and its paired
    difference from the baseline, with 95 % intervals."""
    variants = list(dict.fromkeys(table["variant"]))
    indexed = table.set_index(["metric", "group", "variant"])
    lines = [f"# Comparison against {baseline}", "", context, "", "## What each variant does", ""]
    lines += [f"- {sentence}" for sentence in takeaways(table, baseline, ("all", *groups))] + [""]
    for group in ("all", *groups):
        lines += [f"## {heading(group)}", "",
                  "| metric | " + " | ".join(variants) + " |", "|---|" + "---|" * len(variants)]
        for metric in MEMO:
            if (metric, group, baseline) not in indexed.index:
                continue
            cells = []
            for variant in variants:
                row = indexed.loc[(metric, group, variant)] if (metric, group, variant) in indexed.index else None
                if row is None:
                    cells.append("")
                elif variant == baseline:
                    cells.append(estimate(metric, row["mean"], row["ci_low"], row["ci_high"]))
                else:
                    cells.append(f"{estimate(metric, row['mean'])}; "
                                 f"{difference(metric, row['diff'], row['diff_ci_low'], row['diff_ci_high'])}")
            lines.append(f"| {label(metric)} | " + " | ".join(cells) + " |")
        lines.append("")
        if said := unmoved_sentence(table, baseline, MEMO, group):
            lines += [said, ""]
    lines.append(f"Each variant's mean; beside it, its paired difference from {baseline} (same random numbers, "
                 "replication by replication) with its 95 % interval.")
    return "\n".join(lines) + "\n"
