"""String formats the form schemas may declare, and the `FormatChecker` that enforces them.

jsonschema only checks `date-time` when the optional `rfc3339-validator` package is installed, and accepts
any string with an "@" as an email; so the formats the forms rely on are checked here explicitly, beside
the UK ones: `nhs-number` (10 digits with a modulus-11 check digit) and `uk-postcode`.

Dates and date-times are also bounded to what the engine can compute with: years 1900 to 2200 (a
deadline counted in working days from 9999-12-31 overflows Python's `date`), no leap second (Python's
`datetime` cannot hold second 60) and the upper-case "T" and "Z" that `datetime.fromisoformat` reads.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from jsonschema import FormatChecker

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.\d+)?"
    r"(?:Z|[+-](?P<offset_hour>\d{2}):(?P<offset_minute>\d{2}))"
)
# Wide enough for a grandparent's date of birth and a plan's review in a century; narrow enough that any
# deadline the calendar adds to it stays inside Python's dates.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
# BS 7666 shape, as used by GOV.UK address lookups; "GIR 0AA" is the one historic exception.
_UK_POSTCODE = re.compile(
    r"GIR ?0AA"
    r"|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y]) ?\d[ABD-HJLNP-UW-Z]{2}",
    re.IGNORECASE,
)
_NHS_NUMBER = re.compile(r"\d{10}")


def is_date(value: object) -> bool:
    """A full date, YYYY-MM-DD, that exists in the calendar (RFC 3339 full-date), in 1900 to 2200."""
    if not isinstance(value, str):
        return True
    parsed = _calendar_date(value)
    return parsed is not None and _in_range(parsed)


def is_date_time(value: object) -> bool:
    """An RFC 3339 date-time with its UTC offset ("Z" or "+01:00"), in 1900 to 2200, without a leap second."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None or not is_date(match["date"]):
        return False
    in_range = (
        int(match["hour"]) <= 23
        and int(match["minute"]) <= 59
        and int(match["second"]) <= 59
        and int(match["offset_hour"] or 0) <= 23
        and int(match["offset_minute"] or 0) <= 59
    )
    return in_range and _holdable(value)


def out_of_range(value: object) -> bool:
    """Whether `value` is shaped like a date or date-time, but its year is not 1900 to 2200 (for the message)."""
    match = _DATE.match(value) if isinstance(value, str) else None
    return match is not None and not EARLIEST_YEAR <= int(match[1]) <= LATEST_YEAR


def is_leap_second(value: object) -> bool:
    """Whether `value` is a date-time at second 60 (for the message)."""
    match = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    return match is not None and match["second"] == "60"


def _calendar_date(value: str) -> date | None:
    if not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _holdable(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _in_range(value: date) -> bool:
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def is_nhs_number(value: object) -> bool:
    """Ten digits, no spaces, whose last digit is the NHS modulus-11 check digit of the first nine."""
    if not isinstance(value, str):
        return True
    if not _NHS_NUMBER.fullmatch(value):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


def is_uk_postcode(value: object) -> bool:
    """A UK postcode in any letter case, with or without the single space before the inward code."""
    if not isinstance(value, str):
        return True
    return _UK_POSTCODE.fullmatch(value) is not None


def is_email(value: object) -> bool:
    """Something@domain.tld with no spaces: enough to catch typing slips, not a deliverability check."""
    if not isinstance(value, str):
        return True
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", value) is not None


def build_format_checker() -> FormatChecker:
    """jsonschema's own checks, with ours replacing or adding the formats the forms use."""
    checker = FormatChecker()
    ours = {
        "date": is_date,
        "date-time": is_date_time,
        "email": is_email,
        "nhs-number": is_nhs_number,
        "uk-postcode": is_uk_postcode,
    }
    for name, check in ours.items():
        checker.checks(name)(check)
    return checker
