"""A self-contained HTML report: plots embedded, tables, parameters, provenance; no server, no network."""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io import RunTables, atomic_write
from sim.report import memo
from sim.scenario.load import leaves

HEADLINE = ("delay_days", "delay_p95_days", "licence_wait_days", "censored_fraction", "shortfall_fraction",
            "shortfall_fraction_all_sources", "stockout_days", "needs", "attempts", "applications", "approval_share",
            "applications_pending", "rejections_veu", "rejections_ban", "revocations")
CAPTIONS = {
    "delay_ecdf": "Share of needs delivered within a given delay of their first request, all replications pooled.",
    "shortfall_fan": "Monthly supply shortfall: median across replications, with the p25-p75 and p5-p95 bands; "
                     "policy events on the strip below.",
    "shortfall_by_group": "Shortfall fraction by sector and by material, mean with 95 % confidence interval.",
    "licensing_outcomes": "Licensing outcomes per replication, mean with 95 % confidence interval.",
    "exporters": "Each exporter's utilisation (its output over its capacity) and order book at the month's end "
                 "(days of its capacity), mean across replications with a 95 % interval.",
    "differences": "Paired differences from the baseline variant on common random numbers, with 95 % CI.",
    "sweep_lines": "The metric's mean across replications against each swept parameter, with its 95 % CI band.",
    "sweep_heatmap": "The metric's mean over the two-parameter grid.",
    "tornado": "One at a time: change in the metric from the base point at each parameter's extreme levels.",
    "morris": "Morris screening: mu* (importance) against sigma (interactions and non-linearity).",
    "sobol": "Sobol first-order and total indices with 95 % confidence intervals.",
}
SKIPPED_PARAMETERS = ("name", "description")

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.85rem; color: #555; } code { background: #f5f5f5; padding: 0 0.2rem; }
"""

SELF_CHECK = """
<script>
window.reportErrors = 0;
window.addEventListener("error", function () { window.reportErrors += 1; }, true);
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.querySelectorAll("figure img"));
  var shown = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.body.setAttribute("data-plots-expected", String(images.length));
  document.body.setAttribute("data-plots-shown", String(shown));
  document.body.setAttribute("data-errors", String(window.reportErrors));
});
</script>
"""


def write_report(out: Path, title: str, *, runs: dict[str, RunTables], pngs: dict[str, bytes],
                 comparison: pd.DataFrame | None = None, baseline: str | None = None,
                 groups: Sequence[str] = ()) -> Path:
    """Write ``report.html`` into ``out`` and return its path: headlines for all buyers and each of ``groups``."""
    sections = [f"<h1>{html.escape(title)}</h1>",
                f"<p>Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by licence-sim.</p>"]
    if comparison is not None:
        sentences = memo.takeaways(comparison, baseline, ("all", *groups))
        sections += ["<h2>What each variant does</h2>",
                     "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>"]
    for group in ("all", *groups):
        sections += [f"<h2>Headline figures: {html.escape(memo.group_phrase(group))}</h2>",
                     _headline(runs, comparison, baseline, group)]
        if comparison is not None and (said := memo.unmoved_sentence(comparison, baseline, HEADLINE, group)):
            sections.append(f"<p>{html.escape(said)}</p>")
    sections += ["<h2>Plots</h2>"] + [_figure(stem, png) for stem, png in pngs.items()]
    if comparison is not None:
        sections += ["<h2>Comparison with the baseline, all metrics, all buyers</h2>",
                     _table(_compared(comparison[comparison["group"] == "all"], baseline))]
    for name, run in runs.items():
        sections += [f"<h2>Summary: {html.escape(name)}</h2>", _table(_summarised(run.summary)),
                     "<p>Every group (sector, destination, material, buyer group) is in <code>"
                     + (f"{html.escape(name)}/" if comparison is not None else "") + "summary.csv</code>.</p>"]
    sections += ["<h2>Parameters</h2>", _parameters(runs), "<h2>Provenance</h2>", _provenance(runs)]
    return _write_page(out, title, sections)


def write_sweep_report(out: Path, title: str, *, pngs: dict[str, bytes], tables: dict[str, pd.DataFrame],
                       description: dict[str, Any], notes: Sequence[str] = ()) -> Path:
    """Write ``report.html`` for a sweep folder: what to know first (``notes``), plots, indices, tipping points,
    every point."""
    sections = [f"<h1>{html.escape(title)}</h1>",
                f"<p>Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by licence-sim.</p>",
                *(f"<p><strong>{html.escape(note)}</strong></p>" for note in notes),
                "<h2>Sweep</h2>", _table(pd.DataFrame([{"": k, "value": _show(v)} for k, v in description.items()]))]
    sections += ["<h2>Plots</h2>"] + [_figure(stem, png) for stem, png in pngs.items()]
    for heading, frame in tables.items():
        sections += [f"<h2>{html.escape(heading)}</h2>", _table(frame)]
    return _write_page(out, title, sections)


def _write_page(out: Path, title: str, sections: list[str]) -> Path:
    page = (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style>{SELF_CHECK}</head><body>\n" + "\n".join(sections) + "\n</body></html>\n")
    path = out / "report.html"
    atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path


def _headline(runs: dict[str, RunTables], comparison: pd.DataFrame | None, baseline: str | None,
              group: str) -> str:
    rows = []
    for metric in HEADLINE:
        row = {"metric": memo.label(metric)}
        for name, run in runs.items():
            found = run.summary[(run.summary["metric"] == metric) & (run.summary["group"] == group)]
            if not found.empty:
                r = found.iloc[0]
                row[name] = memo.estimate(metric, r["mean"], r["ci_low"], r["ci_high"])
            if comparison is not None and name != baseline:
                d = comparison[(comparison["metric"] == metric) & (comparison["group"] == group)
                               & (comparison["variant"] == name)]
                if not d.empty:
                    r = d.iloc[0]
                    row[f"{name} - {baseline}"] = memo.difference(metric, r["diff"], r["diff_ci_low"],
                                                                  r["diff_ci_high"])
        if len(row) > 1:
            rows.append(row)
    return _table(pd.DataFrame(rows))


def _summarised(summary: pd.DataFrame) -> pd.DataFrame:
    """Every metric of a run, all buyers, memo-formatted: mean with its interval, and the 5th-95th percentiles."""
    rows = summary[summary["group"] == "all"]
    return pd.DataFrame({
        "metric": [memo.label(m) for m in rows["metric"]],
        "mean [95 % interval]": [memo.estimate(r.metric, r.mean, r.ci_low, r.ci_high) for r in rows.itertuples()],
        "5th – 95th percentile": [memo.spread(r.metric, r.p5, r.p95) for r in rows.itertuples()],
        "replications": rows["n"].to_numpy(),
    })


def _compared(table: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Every metric of a comparison, memo-formatted: each variant's mean, and its paired difference."""
    rows = []
    for metric, by_metric in table.groupby("metric", sort=False):
        row = {"metric": memo.label(metric)}
        for r in by_metric.itertuples():
            row[r.variant] = memo.estimate(metric, r.mean, r.ci_low, r.ci_high)
            if r.variant != baseline:
                row[f"{r.variant} - {baseline}"] = memo.difference(metric, r.diff, r.diff_ci_low, r.diff_ci_high)
        rows.append(row)
    return pd.DataFrame(rows)


def _figure(stem: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    caption = html.escape(CAPTIONS.get(stem, stem))
    return (f"<figure id='{stem}'><img alt='{html.escape(stem)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{caption} (also <code>{stem}.svg</code>)</figcaption></figure>")


def _parameters(runs: dict[str, RunTables]) -> str:
    flat = {name: leaves(run.provenance["scenario"]) for name, run in runs.items()}
    paths = sorted(set().union(*flat.values()))
    rows = [{"parameter": path, **{name: _show(values.get(path)) for name, values in flat.items()}}
            for path in paths if not path.startswith(SKIPPED_PARAMETERS)]
    table = pd.DataFrame(rows)
    if len(runs) > 1:
        differs = table[list(runs)].nunique(axis=1) > 1
        intro = "<p>Parameters that differ between the variants (every other parameter is the same):</p>"
        return intro + _table(table[differs])
    return "<p>The scenario as resolved, every default filled in:</p>" + _table(table)


def _provenance(runs: dict[str, RunTables]) -> str:
    keys = ("scenario_file", "overrides", "groups", "replications_chosen", "scenario_sha256", "seed", "replications",
            "workers", "package_version", "python", "created", "wall_seconds", "events_simulated")
    rows = [{"": key, **{name: _show(run.provenance.get(key)) for name, run in runs.items()}} for key in keys]
    return _table(pd.DataFrame(rows))


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, na_rep="", float_format=lambda v: f"{v:.4g}")
