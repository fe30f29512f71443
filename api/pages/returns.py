"""Statutory returns pages for managers: the DfE CIN census for a census year and the Ofsted Annex A lists for
a period, each list as a table whose rows link to their case, and each downloadable as CSV. Tables and files
come from the same engine/queries functions as `sosflow returns` and `GET /api/v1/returns/…`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from api import context
from api.pages.wording import enter_date, parse_day
from engine.calendar import LONDON
from engine.errors import NotFound
from engine.queries.annex_a import HEADINGS, annex_a_csv, list_annex_a_rows
from engine.queries.cin_census import COLUMNS, census_year, cin_census_csv, list_cin_census_rows
from engine.queries.people import months_before
from forms.formats import EARLIEST_YEAR, LATEST_YEAR

return_pages = Blueprint("return_pages", __name__)
SHOWN_ROWS = 200  # a table on a page; the CSV has every row
YEARS_OFFERED = 10
LIST_TITLES = {1: "Contacts", 2: "Early help assessments", 3: "Referrals", 4: "Assessments",
               5: "Section 47 enquiries and initial child protection conferences", 6: "Children in need",
               7: "Children subject to a child protection plan"}


@dataclass(frozen=True)
class Table:
    """A return's rows for a page: the published columns, each row's case (id, reference) kept apart."""

    columns: list[str]
    rows: list[tuple[str, str, list[str]]]
    total: int


@return_pages.route("/returns")
def index() -> ResponseReturnValue:
    """Choose a census year or an Annex A period."""
    return _index()


@return_pages.route("/returns/cin-census")
def cin_census() -> ResponseReturnValue:
    year, errors = _year()
    if errors:
        return _index(errors=errors)
    first, last = census_year(year)
    with context.db().reading() as session:
        table = _table(COLUMNS, list_cin_census_rows(session, first, last))
    return render_template("pages/returns/cin_census.html", year=year, years=_years(), table=table,
                           first=first, last=last, shown=SHOWN_ROWS,
                           csv_url=url_for("return_pages.cin_census_csv", year=year))


@return_pages.route("/returns/cin-census.csv", endpoint="cin_census_csv")
def cin_census_csv_file() -> ResponseReturnValue:
    year, errors = _year()
    if errors:
        return _index(errors=errors)
    with context.db().reading() as session:
        return _csv(cin_census_csv(session, year), f"cin-census-{year}.csv")


@return_pages.route("/returns/annex-a")
def annex_a() -> ResponseReturnValue:
    period, errors = _period()
    if errors or period is None:
        return _index(errors=errors)
    first, last = period
    with context.db().reading() as session:
        tables = {number: _table(HEADINGS[number], list_annex_a_rows(session, number, first, last))
                  for number in HEADINGS}
    chosen: dict[str, Any] = _period_args(first, last)
    links = {number: url_for("return_pages.annex_a_csv", number=number, **chosen) for number in HEADINGS}
    return render_template("pages/returns/annex_a.html", tables=tables, titles=LIST_TITLES, csv_urls=links,
                           first=first, last=last, shown=SHOWN_ROWS, args=_period_args(first, last))


@return_pages.route("/returns/annex-a/list-<int32:number>.csv", endpoint="annex_a_csv")
def annex_a_csv_file(number: int) -> ResponseReturnValue:
    if number not in HEADINGS:
        raise NotFound(f"there is no Annex A list {number}")
    period, errors = _period()
    if errors or period is None:
        return _index(errors=errors)
    first, last = period
    with context.db().reading() as session:
        body = annex_a_csv(session, number, first, last)
    return _csv(body, f"annex-a-list-{number}-{first.isoformat()}-{last.isoformat()}.csv")


def _index(errors: list[dict[str, str]] | None = None) -> ResponseReturnValue:
    today = context.now().astimezone(LONDON).date()
    args = {"from": request.args.get("from", _dmy(months_before(today, 6))),
            "to": request.args.get("to", _dmy(today))}
    return render_template("pages/returns/index.html", years=_years(), year=request.args.get("year", _years()[0]),
                           args=args, errors=errors or [], error_for=errors_for), 422 if errors else 200


def _years() -> list[str]:
    """The census years to offer, newest (the one today is in) first."""
    today = context.now().astimezone(LONDON).date()
    current = today.year if today.month >= 4 else today.year - 1
    return [f"{year}-{(year + 1) % 100:02d}" for year in range(current, current - YEARS_OFFERED, -1)
            if EARLIEST_YEAR <= year < LATEST_YEAR]


def _year() -> tuple[str, list[dict[str, str]]]:
    year = request.args.get("year", "").strip()
    try:
        census_year(year)
    except ValueError:
        return year, [{"href": "#year", "text": "Select a census year, for example 2026-27"}]
    return year, []


def _period() -> tuple[tuple[date, date] | None, list[dict[str, str]]]:
    days, errors = {}, []
    for name, label in (("from", "Start date"), ("to", "End date")):
        raw = request.args.get(name, "")
        days[name] = parse_day(raw)
        if days[name] is None:
            text = enter_date(label) if raw.strip() else f"Enter the {label.lower()}"
            errors.append({"href": f"#{name}", "text": text})
    first, last = days["from"], days["to"]
    if first and last and first > last:
        errors.append({"href": "#to", "text": "End date must be the same as or after the start date"})
    return ((first, last) if first and last and not errors else None), errors


def _period_args(first: date, last: date) -> dict[str, str]:
    return {"from": _dmy(first), "to": _dmy(last)}


def _dmy(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _table(columns: list[str], rows: list[list[str]]) -> Table:
    """The published columns (the last two, case id and reference, become the row's link)."""
    return Table(columns[:-2], [(row[-2], row[-1], row[:-2]) for row in rows[:SHOWN_ROWS]], len(rows))


def _csv(body: str, filename: str) -> Response:
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def errors_for(errors: list[dict[str, str]], field: str) -> Any:
    found = [error["text"] for error in errors if error["href"] == f"#{field}"]
    return {"text": found[0]} if found else None
