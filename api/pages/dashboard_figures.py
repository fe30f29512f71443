"""The manager dashboard's figures, shaped for its tables and charts from the SLA reads' results (no query of
its own): open work by team and level, open tasks by step, and each indicator's share on time week by week.

Every figure carries the URL of the list of cases behind it, so a table cell and a chart's bar link to
the same place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from engine.calendar import LONDON

LEVELS = ("level_1", "level_2", "level_3")
# GOV.UK colours: deadlines escalate from orange to red to purple; at risk orange, the rest blue.
RED, ORANGE, BLUE, PURPLE = "#d4351c", "#f47738", "#1d70b8", "#4c2c92"
LEVEL_COLOURS = (ORANGE, RED, PURPLE)
LINE_COLOURS = (BLUE, "#00703c", PURPLE, "#b58840", "#505a5f", RED, ORANGE)
Link = Callable[..., str]


def by_team(counts: list[dict[str, Any]], link: Link) -> list[dict[str, Any]]:
    """Per lane: breaches at each escalation level, at risk, and open, each with its list's URL."""
    teams: dict[str, dict[str, int]] = {}
    for row in counts:
        team = teams.setdefault(row["group"], dict.fromkeys((*LEVELS, "at_risk", "open"), 0))
        for key in team:
            team[key] += row[key]
    return [{"group": group, **{key: _figure(value, _team_link(link, key, group)) for key, value in team.items()}}
            for group, team in sorted(teams.items())]


def _team_link(link: Link, key: str, group: str) -> str:
    if key in LEVELS:
        return link("breaches", group=group, level=key[-1])
    return link("at_risk" if key == "at_risk" else "open_tasks", group=group)


def by_step(counts: list[dict[str, Any]], link: Link) -> list[dict[str, Any]]:
    """Per process and step (across lanes): open tasks, of which breached and at risk."""
    steps: dict[tuple[str, str], dict[str, Any]] = {}
    for row in counts:
        step = steps.setdefault((row["process"], row["step"]), {"name": row["name"], "breached": 0, "at_risk": 0,
                                                                 "open": 0})
        step["breached"] += sum(row[level] for level in LEVELS)
        step["at_risk"] += row["at_risk"]
        step["open"] += row["open"]
    lists = {"breached": "breaches", "at_risk": "at_risk", "open": "open_tasks"}
    return [{"process": process, "step": step, "name": entry["name"],
             **{key: _figure(entry[key], link(lists[key], process=process, step=step)) for key in lists}}
            for (process, step), entry in sorted(steps.items())]


def _figure(value: int, url: str) -> dict[str, Any]:
    return {"value": value, "url": url}


def week_starts(start: datetime, end: datetime) -> list[date]:
    """The Mondays (London) of every week that overlaps [start, end)."""
    first = start.astimezone(LONDON).date()
    monday = first - timedelta(days=first.weekday())
    last = (end - timedelta(microseconds=1)).astimezone(LONDON).date()
    return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def on_time_by_week(indicators: list[dict[str, Any]], weeks: list[date], link: Link) -> list[dict[str, Any]]:
    """Per indicator and week (by the day each task was done): how many on time of how many, and the share."""
    return [{"key": indicator["key"], "title": indicator["title"],
             "weeks": [_week(indicator, monday, link) for monday in weeks]} for indicator in indicators]


def _week(indicator: dict[str, Any], monday: date, link: Link) -> dict[str, Any]:
    sunday = monday + timedelta(days=6)
    cases = [c for c in indicator["cases"] if monday <= c["done_at"].astimezone(LONDON).date() <= sunday]
    on_time = sum(1 for c in cases if c["on_time"])
    return {"monday": monday, "on_time": on_time, "total": len(cases),
            "percent": round(100 * on_time / len(cases), 1) if cases else None,
            "url": link("indicator", key=indicator["key"], from_=monday.isoformat(), to=sunday.isoformat())}


def charts(teams: list[dict[str, Any]], steps: list[dict[str, Any]],
           weekly: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Chart.js data for the three charts, with the URL behind each bar or point (the bundle follows a click)."""
    team_labels = [team["group"] for team in teams]
    step_labels = [f"{step['process']}: {step['name']}" for step in steps]
    return {
        "teams": {"labels": team_labels, "datasets": [
            _dataset(f"Breached, level {n}", [team[f"level_{n}"] for team in teams], LEVEL_COLOURS[n - 1])
            for n in (1, 2, 3)]},
        "steps": {"labels": step_labels, "datasets": [
            _dataset("Breached", [s["breached"] for s in steps], RED),
            _dataset("At risk", [s["at_risk"] for s in steps], ORANGE),
            _dataset("Not yet at risk", [_rest(s) for s in steps], BLUE)]},
        "weeks": {"labels": [f"w/c {w['monday']:%d %b}" for w in weekly[0]["weeks"]] if weekly else [],
                  "datasets": [{"label": f"{i['key']} % on time", "data": [w["percent"] for w in i["weeks"]],
                                "links": [w["url"] for w in i["weeks"]], "spanGaps": True,
                                "borderColor": LINE_COLOURS[n % len(LINE_COLOURS)],
                                "backgroundColor": LINE_COLOURS[n % len(LINE_COLOURS)]}
                               for n, i in enumerate(weekly)]},
    }


def _rest(step: dict[str, Any]) -> dict[str, Any]:
    """The open tasks neither breached nor at risk (stacked on those two, the bar's height is all open)."""
    value = step["open"]["value"] - step["breached"]["value"] - step["at_risk"]["value"]
    return _figure(value, step["open"]["url"])


def _dataset(label: str, figures: list[dict[str, Any]], colour: str) -> dict[str, Any]:
    return {"label": label, "data": [f["value"] for f in figures], "links": [f["url"] for f in figures],
            "backgroundColor": colour, "borderColor": colour}
