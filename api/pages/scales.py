"""The case page's scaling chart: each danger statement's safety-scale ratings over time, as a Chart.js line
per statement (the mean of the day's ratings; gaps where none was given) and the same figures as tables."""

from __future__ import annotations

from typing import Any

OVERALL = "Overall safety"


def scale_chart(series: list[dict[str, Any]]) -> dict[str, Any]:
    """Chart.js `data` ({labels, datasets}) from `list_scales`: one dataset per danger statement."""
    labels = sorted({day["rated_on"] for one in series for day in one["by_date"]})
    datasets = []
    for one in series:
        means = {day["rated_on"]: day["mean"] for day in one["by_date"]}
        datasets.append({"label": statement_label(one), "data": [means.get(label) for label in labels]})
    return {"labels": labels, "datasets": datasets}


def scale_tables(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per statement, its ratings by date (how many, lowest, mean, highest): the chart without JavaScript."""
    return [{"label": statement_label(one), "rows": one["by_date"]} for one in series]


def statement_label(one: dict[str, Any]) -> str:
    if one["danger_statement_id"] is None:
        return OVERALL
    text = one["danger_statement"] or one["danger_statement_id"]
    return text if len(text) <= 80 else text[:77].rstrip() + "…"
