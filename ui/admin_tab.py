"""The Admin tab: queues, job times, failures, credits and workers with their GPUs, plotted
from the database. Only accounts with the admin role (`python -m studio admin grant EMAIL`)
see figures; everyone else gets a one-line "admins only"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr
import pandas as pd

from studio.errors import Forbidden
from ui.guard import require_user, shown_to_user
from worker import stats

WORKER_COLUMNS = ["Worker", "Queues", "Running", "Last seen (s ago)", "GPUs"]
FAILURE_COLUMNS = ["Feature", "Reason", "Jobs"]


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def admin_figures(token: str) -> dict[str, Any]:
    """Every figure on the tab, for an admin's token (Forbidden for anyone else)."""
    user = require_user(token)
    if not user.is_admin:
        raise Forbidden("admins only: ask an operator for `python -m studio admin grant`")
    per_hour = _frame(stats.jobs_per_hour(), ["hour", "feature", "status", "jobs"])
    by_feature = per_hour.groupby(["hour", "feature"], as_index=False)["jobs"].sum()
    by_status = per_hour.groupby(["hour", "status"], as_index=False)["jobs"].sum()
    depths = stats.queue_depths()
    return {
        "summary": " · ".join(f"**{q}** queue: {n} waiting" for q, n in depths.items()),
        "jobs_by_feature": by_feature,
        "jobs_by_status": by_status,
        "times": _frame(stats.processing_times(), ["feature", "quantile", "seconds"]),
        "depth": _frame(stats.queue_depth_history(), ["time", "queue", "waiting"]),
        "credits": _frame(stats.credits_per_day(), ["day", "kind", "credits"]),
        "failures": [[r["feature"], r["reason"], r["jobs"]] for r in stats.failure_reasons()],
        "workers": [
            [w["worker"], w["queues"], w["running"], w["lastSeenSeconds"], w["gpus"]]
            for w in stats.workers()
        ],
    }


def admin_tab(token: gr.BrowserState) -> tuple[Callable, list, list]:
    """Build the Admin tab's contents inside the current gr.Tab; returns (fn, inputs,
    outputs) that load its figures (the studio runs them when the tab opens)."""
    gr.Markdown("Operators only: queues, job times, failures, credits and workers (UTC).")
    refresh = gr.Button("Refresh", variant="primary")
    summary = gr.Markdown("Loading…")
    with gr.Row():
        jobs_by_feature = gr.BarPlot(
            x="hour", y="jobs", color="feature", title="Jobs per hour by feature", x_bin=None
        )
        jobs_by_status = gr.BarPlot(
            x="hour", y="jobs", color="status", title="Jobs per hour by status", x_bin=None
        )
    with gr.Row():
        times = gr.BarPlot(
            x="feature", y="seconds", color="quantile", title="Processing time p50 / p95 (7 days)"
        )
        depth = gr.LinePlot(x="time", y="waiting", color="queue", title="Queue depth (24 h)")
    credits = gr.BarPlot(x="day", y="credits", color="kind", title="Credits per day (30 days)")
    failures = gr.Dataframe(headers=FAILURE_COLUMNS, label="Failures (7 days)", wrap=True)
    workers = gr.Dataframe(headers=WORKER_COLUMNS, label="Workers and GPUs", wrap=True)

    @shown_to_user
    def load(token_value: str):
        try:
            figures = admin_figures(token_value)
        except Forbidden as exc:  # said next to the button, not as a failed event
            return (exc.message, *[None] * 5, [], [])
        return (
            figures["summary"],
            figures["jobs_by_feature"],
            figures["jobs_by_status"],
            figures["times"],
            figures["depth"],
            figures["credits"],
            figures["failures"],
            figures["workers"],
        )

    outputs = [summary, jobs_by_feature, jobs_by_status, times, depth, credits, failures, workers]
    refresh.click(
        load,
        inputs=[token],
        outputs=outputs,
        api_name="admin_stats",
        api_visibility="private",
    )
    return load, [token], outputs
