"""`sosflow returns`: write the DfE CIN census and the Ofsted Annex A lists as CSV files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from engine.db import Database
from engine.queries.annex_a import HEADINGS, annex_a_csv
from engine.queries.cin_census import census_year, cin_census_csv


def _day(ctx: click.Context, param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("write the date as YYYY-MM-DD") from exc


@click.group("returns")
def returns() -> None:
    """Statutory returns (CSV; every row names its case)."""


@returns.command("cin-census")
@click.option("--year", required=True, help="the census year, e.g. 2026-27 (1 April 2026 to 31 March 2027)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="file to write (default: stdout)")
def cin_census_command(year: str, out: Path | None) -> None:
    """The CIN census: one row per child per episode open in the year."""
    try:
        census_year(year)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--year") from exc
    with Database.from_url().reading() as session:
        body = cin_census_csv(session, year)
    _write(body, out)


@returns.command("annex-a")
@click.option("--from", "first", required=True, callback=_day, help="first day of the period, YYYY-MM-DD")
@click.option("--to", "last", required=True, callback=_day, help="last day of the period, YYYY-MM-DD")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="directory for annex-a-list-1.csv … annex-a-list-7.csv")
def annex_a_command(first: date, last: date, out: Path) -> None:
    """Annex A lists 1–7 for the period, one CSV file each."""
    if first > last:
        raise click.BadParameter("--from must not be after --to", param_hint="--from")
    out.mkdir(parents=True, exist_ok=True)
    with Database.from_url().reading() as session:
        for number in HEADINGS:
            path = out / f"annex-a-list-{number}.csv"
            path.write_text(annex_a_csv(session, number, first, last), encoding="utf-8", newline="")
            click.echo(f"wrote {path}")


def _write(body: str, out: Path | None) -> None:
    if out is None:
        click.echo(body, nl=False)
    else:
        out.write_text(body, encoding="utf-8", newline="")
        click.echo(f"wrote {out}")
