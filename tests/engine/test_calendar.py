"""Behaviour of engine.calendar: working days in England (domain.md §1)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from engine.calendar import (
    LONDON,
    WorkingCalendar,
    add_calendar_months,
    add_working_days,
    default_calendar,
    working_days_between,
)

CAL = WorkingCalendar()

# Expected values copied from domain.md §1 (gov.uk bank holidays, England & Wales).
BANK_HOLIDAYS_2026 = {
    date(2026, 1, 1),
    date(2026, 4, 3),
    date(2026, 4, 6),
    date(2026, 5, 4),
    date(2026, 5, 25),
    date(2026, 8, 31),
    date(2026, 12, 25),
    date(2026, 12, 28),
}
BANK_HOLIDAYS_2027 = {
    date(2027, 1, 1),
    date(2027, 3, 26),
    date(2027, 3, 29),
    date(2027, 5, 3),
    date(2027, 5, 31),
    date(2027, 8, 30),
    date(2027, 12, 27),
    date(2027, 12, 28),
}
ALL_BANK_HOLIDAYS = BANK_HOLIDAYS_2026 | BANK_HOLIDAYS_2027


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def london_end_of_day(year: int, month: int, day: int) -> datetime:
    return london(year, month, day, 17, 0)


# --- add_working_days ------------------------------------------------------------------------------


def test_icpc_after_strategy_discussion_on_monday_2_november_2026_is_due_monday_23_november():
    due = CAL.add_working_days(london(2026, 11, 2, 14, 0), 15)
    assert due == london_end_of_day(2026, 11, 23)


def test_icpc_after_strategy_discussion_on_17_december_2026_skips_christmas_and_new_year():
    due = CAL.add_working_days(london(2026, 12, 17, 11, 0), 15)
    assert due == london_end_of_day(2027, 1, 12)


def test_one_working_day_from_friday_before_spring_bank_holiday_is_tuesday():
    due = CAL.add_working_days(london(2026, 5, 22, 10, 30), 1)
    assert due == london_end_of_day(2026, 5, 26)


def test_deadline_is_returned_as_aware_utc():
    due = CAL.add_working_days(london(2026, 11, 2, 14, 0), 1)
    assert due.tzinfo is UTC


def test_event_date_is_the_london_date_not_the_utc_date():
    # 23:30 UTC on Thu 30 Jul 2026 is 00:30 BST on Fri 31 Jul: day 0 is the Friday.
    start = datetime(2026, 7, 30, 23, 30, tzinfo=UTC)
    assert CAL.add_working_days(start, 1) == london_end_of_day(2026, 8, 3)


def test_zero_working_days_on_a_working_day_is_end_of_that_day():
    assert CAL.add_working_days(london(2026, 11, 2, 9, 15), 0) == london_end_of_day(2026, 11, 2)


def test_zero_working_days_on_a_bank_holiday_moves_to_the_next_working_day():
    assert CAL.add_working_days(london(2026, 5, 25, 12, 0), 0) == london_end_of_day(2026, 5, 26)


def test_working_days_counted_from_a_saturday_start_on_monday():
    assert CAL.add_working_days(london(2026, 11, 7, 12, 0), 1) == london_end_of_day(2026, 11, 9)


def test_negative_working_days_is_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        CAL.add_working_days(london(2026, 11, 2, 12, 0), -1)


def test_a_target_date_never_lands_on_a_weekend_or_bank_holiday():
    first = date(2026, 1, 1)
    for offset in range(0, 730, 3):
        start = datetime.combine(first + timedelta(days=offset), time(12, 0), tzinfo=LONDON)
        for n in (0, 1, 2, 3, 5, 10, 15, 20, 45):
            target = CAL.add_working_days(start, n).astimezone(LONDON)
            assert target.weekday() < 5, (start, n, target)
            assert target.date() not in ALL_BANK_HOLIDAYS, (start, n, target)
            assert target.time() == time(17, 0), (start, n, target)


# --- bank holidays and closed_days ---------------------------------------------------------------------


@pytest.mark.parametrize("holiday", sorted(ALL_BANK_HOLIDAYS))
def test_every_2026_and_2027_bank_holiday_is_not_a_working_day(holiday):
    assert not CAL.is_working_day(holiday)


def test_closed_days_2026_are_exactly_the_england_bank_holidays():
    assert set(CAL.closed_days(2026)) == BANK_HOLIDAYS_2026


def test_closed_days_2027_are_exactly_the_england_bank_holidays():
    assert set(CAL.closed_days(2027)) == BANK_HOLIDAYS_2027


def test_closed_days_carry_the_holiday_name():
    assert CAL.closed_days(2026)[date(2026, 12, 25)] == "Christmas Day"


@pytest.mark.parametrize("holiday", sorted(ALL_BANK_HOLIDAYS))
def test_ordinary_weekdays_next_to_a_bank_holiday_are_working_days(holiday):
    for neighbour in (holiday - timedelta(days=1), holiday + timedelta(days=1)):
        if neighbour.weekday() < 5 and neighbour not in ALL_BANK_HOLIDAYS:
            assert CAL.is_working_day(neighbour), neighbour


def test_weekends_are_not_working_days():
    assert not CAL.is_working_day(date(2026, 11, 7))
    assert not CAL.is_working_day(date(2026, 11, 8))
    assert CAL.is_working_day(date(2026, 11, 9))


def test_next_and_previous_working_day_step_over_the_christmas_break():
    assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert CAL.previous_working_day(date(2026, 12, 29)) == date(2026, 12, 24)


# --- working_days_between ----------------------------------------------------------------------------


def test_working_days_between_is_the_inverse_of_add_working_days():
    first = date(2026, 1, 1)
    for offset in range(0, 730, 5):
        day = first + timedelta(days=offset)
        if not CAL.is_working_day(day):
            continue
        start = datetime.combine(day, time(10, 0), tzinfo=LONDON)
        for n in (0, 1, 2, 3, 7, 15, 45):
            assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n, (start, n)


def test_working_days_between_is_negative_when_b_is_before_a():
    a, b = london(2026, 11, 23, 17, 0), london(2026, 11, 2, 9, 0)
    assert CAL.working_days_between(a, b) == -15


def test_working_days_between_accepts_plain_dates():
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1


# --- add_calendar_months -------------------------------------------------------------------------------


def test_three_months_after_icpc_on_30_november_2026_moves_from_sunday_28_feb_to_friday_26_feb():
    assert CAL.add_calendar_months(london(2026, 11, 30, 10, 0), 3) == london_end_of_day(2027, 2, 26)


def test_six_months_after_review_on_31_august_2027_is_leap_day_tuesday_29_february_2028():
    assert CAL.add_calendar_months(london(2027, 8, 31, 10, 0), 6) == london_end_of_day(2028, 2, 29)


def test_one_month_after_31_january_2026_moves_from_saturday_28_feb_to_friday_27_feb():
    assert CAL.add_calendar_months(london(2026, 1, 31, 10, 0), 1) == london_end_of_day(2026, 2, 27)


def test_calendar_months_landing_on_a_bank_holiday_move_earlier():
    # 29 Mar 2027 is Easter Monday, preceded by a weekend and Good Friday: back to Thu 25 Mar.
    assert CAL.add_calendar_months(london(2026, 12, 29, 10, 0), 3) == london_end_of_day(2027, 3, 25)


def test_calendar_months_roll_over_the_year_end():
    assert CAL.add_calendar_months(london(2026, 11, 10, 10, 0), 12) == london_end_of_day(2027, 11, 10)


def test_non_positive_calendar_months_are_rejected():
    with pytest.raises(ValueError, match="positive"):
        CAL.add_calendar_months(london(2026, 11, 10, 10, 0), 0)


# --- clock_start ---------------------------------------------------------------------------------------


def test_saturday_referral_starts_the_clock_monday_at_nine():
    assert CAL.clock_start(london(2026, 11, 7, 11, 0)) == london(2026, 11, 9, 9, 0)


def test_friday_evening_referral_before_bank_holiday_starts_the_clock_tuesday_at_nine():
    assert CAL.clock_start(london(2026, 5, 22, 18, 0)) == london(2026, 5, 26, 9, 0)


def test_early_morning_referral_on_a_weekday_starts_the_clock_at_nine_the_same_day():
    assert CAL.clock_start(london(2026, 11, 4, 8, 0)) == london(2026, 11, 4, 9, 0)


def test_referral_in_office_hours_starts_the_clock_immediately():
    received = london(2026, 11, 4, 10, 0)
    started = CAL.clock_start(received)
    assert started == received
    assert started.tzinfo is UTC


def test_referral_at_exactly_end_of_day_starts_the_clock_next_working_day():
    assert CAL.clock_start(london(2026, 11, 4, 17, 0)) == london(2026, 11, 5, 9, 0)


# --- warn_at -------------------------------------------------------------------------------------------


def test_warning_for_a_long_interval_is_one_working_day_before_the_deadline():
    start = london(2026, 11, 2, 14, 0)
    due = CAL.add_working_days(start, 15)
    assert CAL.warn_at(start, due) == london(2026, 11, 20, 17, 0)


def test_warning_for_a_long_interval_steps_back_over_a_bank_holiday():
    start = london(2026, 5, 20, 10, 0)
    due = CAL.add_working_days(start, 3)  # Tue 26 May 2026 (25 May is a bank holiday)
    assert CAL.warn_at(start, due) == london(2026, 5, 22, 17, 0)


def test_warning_for_a_short_interval_is_at_75_percent_elapsed():
    start = london(2026, 11, 4, 9, 0)
    due = CAL.add_working_days(start, 1)  # Thu 5 Nov 17:00, 32 hours later
    assert CAL.warn_at(start, due) == london(2026, 11, 5, 9, 0)


def test_warning_rejects_a_deadline_before_the_start():
    with pytest.raises(ValueError, match="earlier than start"):
        CAL.warn_at(london(2026, 11, 5, 9, 0), london(2026, 11, 4, 9, 0))


# --- extra closures and default_calendar -----------------------------------------------------------------


def test_closure_day_from_environment_is_skipped_by_add_working_days(monkeypatch):
    monkeypatch.setenv("SOSFLOW_CLOSURE_DAYS", "2026-11-03, 2027-12-24")
    assert add_working_days(london(2026, 11, 2, 10, 0), 1) == london_end_of_day(2026, 11, 4)


def test_closure_day_from_environment_is_listed_in_closed_days(monkeypatch):
    monkeypatch.setenv("SOSFLOW_CLOSURE_DAYS", "2026-11-03")
    closed = default_calendar().closed_days(2026)
    assert set(closed) == BANK_HOLIDAYS_2026 | {date(2026, 11, 3)}


def test_closure_days_are_read_on_every_call(monkeypatch):
    start = london(2026, 11, 2, 10, 0)
    monkeypatch.setenv("SOSFLOW_CLOSURE_DAYS", "")
    assert add_working_days(start, 1) == london_end_of_day(2026, 11, 3)
    monkeypatch.setenv("SOSFLOW_CLOSURE_DAYS", "2026-11-03")
    assert add_working_days(start, 1) == london_end_of_day(2026, 11, 4)


@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow", "07/06/2027", "20270607"])
def test_malformed_closure_day_raises_value_error_naming_it(monkeypatch, bad):
    monkeypatch.setenv("SOSFLOW_CLOSURE_DAYS", f"2026-11-03,{bad}")
    with pytest.raises(ValueError, match=bad):
        default_calendar()


def test_module_level_conveniences_use_the_default_calendar(monkeypatch):
    monkeypatch.delenv("SOSFLOW_CLOSURE_DAYS", raising=False)
    start = london(2026, 11, 2, 14, 0)
    assert add_working_days(start, 15) == london_end_of_day(2026, 11, 23)
    assert working_days_between(start, london(2026, 11, 23)) == 15
    assert add_calendar_months(london(2026, 11, 30, 10, 0), 3) == london_end_of_day(2027, 2, 26)


# --- time zones ----------------------------------------------------------------------------------------


def test_summer_deadline_is_16_00_utc():
    assert CAL.add_working_days(london(2026, 7, 1, 10, 0), 1) == datetime(2026, 7, 2, 16, 0, tzinfo=UTC)


def test_winter_deadline_is_17_00_utc():
    assert CAL.add_working_days(london(2026, 12, 1, 10, 0), 1) == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


def test_end_of_day_on_follows_the_clocks_going_back():
    # British Summer Time ends on Sun 25 Oct 2026.
    assert CAL.end_of_day_on(date(2026, 10, 23)) == datetime(2026, 10, 23, 16, 0, tzinfo=UTC)
    assert CAL.end_of_day_on(date(2026, 10, 26)) == datetime(2026, 10, 26, 17, 0, tzinfo=UTC)


def test_naive_datetime_is_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_days(datetime(2026, 11, 2, 10, 0), 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: CAL.working_days_between(naive, date(2026, 11, 9)),
        lambda naive: CAL.add_calendar_months(naive, 1),
        lambda naive: CAL.clock_start(naive),
        lambda naive: CAL.warn_at(naive, london(2026, 11, 9)),
        lambda naive: CAL.is_working_day(naive),
    ],
)
def test_naive_datetime_is_rejected_by_every_entry_point(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 11, 2, 10, 0))


# --- configuration ---------------------------------------------------------------------------------------


def test_office_must_open_before_end_of_day():
    with pytest.raises(ValueError, match="earlier than end_of_day"):
        WorkingCalendar(office_opens=time(17, 0), end_of_day=time(9, 0))


def test_custom_end_of_day_moves_the_deadline():
    cal = WorkingCalendar(end_of_day=time(16, 30))
    assert cal.add_working_days(london(2026, 12, 1, 10, 0), 1) == london(2026, 12, 2, 16, 30)
