"""How a date reads on a page and in a PDF, the same in every locale (English month names; no
strftime, whose %-d is glibc's alone and whose %b follows the C library's locale)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
STYLES = {
    "long": "{month} {day}, {year}",  # November 27, 2026
    "medium": "{mon} {day}, {year}",  # Nov 27, 2026
    "short": "{mon} {day}",  # Nov 27
    "month_day": "{month} {day}",  # November 27
    "time": "{mon} {day}, {hour:02d}:{minute:02d}",  # Nov 27, 14:05 (datetimes only)
}


def day(value: date | datetime | None, style: str = "long") -> str:
    """A date (or a datetime's date) in one of STYLES; "" for None."""
    if value is None:
        return ""
    month = MONTHS[value.month - 1]
    hour, minute = (value.hour, value.minute) if isinstance(value, datetime) else (0, 0)
    return STYLES[style].format(
        month=month, mon=month[:3], day=value.day, year=value.year, hour=hour, minute=minute
    )


def init_app(app: Flask) -> None:
    app.add_template_filter(day, "day")
