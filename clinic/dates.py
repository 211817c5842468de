"""Dates and times as a person reads them: in their own time zone, the same in every locale
(English month names; no strftime, whose %-d is glibc's alone and whose %b follows the C
library's locale).

Two zones matter. The practice's (the TIMEZONE setting) decides what day it is: due dates,
"overdue", "today", reminders' hour. The viewer's (a counselor's own zone, else the practice's)
decides how a stored time reads on a page or in a PDF; partner pages, emails and the couple's
copy always read in the practice's zone.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_login import current_user

from .db import utcnow

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
STYLES = {
    "long": "{month} {day}, {year}",  # November 27, 2026
    "medium": "{mon} {day}, {year}",  # Nov 27, 2026
    "short": "{mon} {day}",  # Nov 27
    "month_day": "{month} {day}",  # November 27
    "time": "{mon} {day}, {hour:02d}:{minute:02d} {zone}",  # Nov 27, 14:05 EST (datetimes)
    "full_time": "{mon} {day}, {year}, {hour:02d}:{minute:02d} {zone}",  # with the year
}
# The regions a person picks a zone from; the rest (US/Eastern, EST5EDT...) are old aliases.
REGIONS = (
    "Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian",
    "Pacific",
)  # fmt: skip


# The zone database's own entries that are not zones to pick, and its copies of the zones.
ODD_ZONES = frozenset({"localtime", "Factory", "posixrules"})
COPIES = ("posix/", "right/")


@cache
def zone_names() -> frozenset[str]:
    """The IANA zones this server knows, without the database's own odd entries and copies.
    Listing them reads the whole zone database: the picker and a wrong name's hint need it,
    a check of one name does not (is_zone)."""
    return frozenset(
        name
        for name in available_timezones()
        if name not in ODD_ZONES and not name.startswith(COPIES)
    )


def is_zone(name: str) -> bool:
    """Whether name is one of zone_names(), reading only that zone's file."""
    if name in ODD_ZONES or name.startswith(COPIES):
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError, ZoneInfoNotFoundError):  # not a key, or not a zone's file
        return False
    return True


def zone_problem(name: str) -> str | None:
    """Why name is not a time zone this server knows, with the nearest names; None if it is."""
    if is_zone(name):
        return None
    near = difflib.get_close_matches(name, sorted(zone_names()), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(near[:-1])} or {near[-1]}?" if len(near) > 1 else ""
    hint = f" Did you mean {near[0]}?" if len(near) == 1 else hint
    return (
        f'"{name}" is not a time zone name this server knows. Use a name like '
        f'"America/New_York" or "Europe/Berlin".{hint}'
    )


def picker_choices() -> dict[str, dict[str, str]]:
    """Zone names grouped by region, as a select's optgroups: {"America": {"America/New_York":
    "New York (America)", ...}, ...}. The place comes first, so typing a city finds it."""
    groups: dict[str, dict[str, str]] = {}
    for name in sorted(zone_names()):
        region, _, place = name.partition("/")
        if region in REGIONS and place:
            groups.setdefault(region, {})[name] = f"{place.replace('_', ' ')} ({region})"
    return groups


def machine_zone() -> str:
    """The server's own zone when it has a name (TZ, /etc/localtime, /etc/timezone), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    return next((name for name in candidates if name and is_zone(name)), "UTC")


def practice_zone() -> tzinfo:
    return ZoneInfo(current_app.config["TIMEZONE"]) if has_app_context() else UTC


def viewer_zone() -> tzinfo:
    """The zone times are shown in now: set for this request or job, the signed-in counselor's
    own, or the practice's."""
    if not has_app_context():
        return UTC
    chosen: tzinfo | None = g.get("clinic_zone")
    if chosen is not None:
        return chosen
    if has_request_context() and current_user.is_authenticated:
        own = getattr(current_user, "time_zone", None)
        if own and own in zone_names():
            return ZoneInfo(own)
    return practice_zone()


@contextmanager
def in_zone(zone: tzinfo) -> Iterator[None]:
    """Show times in this zone inside the block (the couple's copy, an email)."""
    before = g.get("clinic_zone")
    g.clinic_zone = zone
    try:
        yield
    finally:
        g.clinic_zone = before


def use_practice_zone() -> None:
    """A before_request hook for pages that are not a counselor's (the partner's)."""
    g.clinic_zone = practice_zone()


def local_now() -> datetime:
    """Now, on the practice's clock."""
    return utcnow().astimezone(practice_zone())


def today() -> date:
    """The practice's today: what due dates, "overdue" and "today" are measured against."""
    return local_now().date()


def local_date(moment: datetime, zone: tzinfo | None = None) -> date:
    """The day a stored time fell on, in zone (the viewer's when not given)."""
    return moment.astimezone(zone or viewer_zone()).date()


def practice_time(on: date, hour: int) -> datetime:
    """That hour of that day on the practice's clock (a reminder's hour, midnight)."""
    return datetime.combine(on, time(hour), tzinfo=practice_zone())


def day(value: date | datetime | None, style: str = "long") -> str:
    """A date, or a datetime in the viewer's zone, in one of STYLES; "" for None."""
    if value is None:
        return ""
    hour = minute = 0
    zone = ""
    if isinstance(value, datetime):
        value = value.astimezone(viewer_zone())
        hour, minute, zone = value.hour, value.minute, value.tzname() or ""
    month = MONTHS[value.month - 1]
    return (
        STYLES[style]
        .format(
            month=month,
            mon=month[:3],
            day=value.day,
            year=value.year,
            hour=hour,
            minute=minute,
            zone=zone,
        )
        .rstrip()
    )


def init_app(app: Flask) -> None:
    name = str(app.config.get("TIMEZONE") or "").strip() or machine_zone()
    problem = zone_problem(name)
    if problem:
        raise RuntimeError(f"TIMEZONE: {problem} Set it in instance/config.py.")
    app.config["TIMEZONE"] = name
    app.add_template_filter(day, "day")
    app.jinja_env.globals.update(
        practice_zone_name=lambda: app.config["TIMEZONE"], current_time=utcnow
    )
