"""Dates read the same on every machine: English month names, no C library formats."""

from __future__ import annotations

import locale
from datetime import UTC, date, datetime

import pytest

from clinic.dates import day, is_zone, zone_names


@pytest.mark.parametrize(
    "style,expected",
    [
        ("long", "February 29, 2028"),
        ("medium", "Feb 29, 2028"),
        ("short", "Feb 29"),
        ("month_day", "February 29"),
        ("time", "Feb 29, 07:05 UTC"),
        ("full_time", "Feb 29, 2028, 07:05 UTC"),
    ],
)
def test_each_style(style, expected):
    assert day(datetime(2028, 2, 29, 7, 5, tzinfo=UTC), style) == expected


@pytest.mark.parametrize(
    "name",
    ["America/New_York", "Europe/Lisbon", "UTC", "US/Eastern", "Factory", "localtime",
     "posixrules", "posix/Europe/Berlin", "right/UTC", "America", "zone.tab", "tzdata.zi",
     "../etc/passwd", "/etc/localtime", "Europe/Berlin/", "America/NewYork", "",
     "America/../Europe/Berlin", "America//New_York", "Etc/UTC\x00", "a" * 300],
)  # fmt: skip
def test_one_name_is_checked_as_the_whole_list_would(name):
    """is_zone reads one file where zone_names reads them all: the same answer for zones, the
    database's odd entries and copies, folders, its other files and paths out of it."""
    assert is_zone(name) == (name in zone_names())


def test_a_date_and_nothing():
    assert day(date(2027, 1, 3)) == "January 3, 2027"
    assert day(None) == ""


def test_the_c_library_locale_changes_nothing():
    before = locale.setlocale(locale.LC_TIME)
    try:
        locale.setlocale(locale.LC_TIME, "C.UTF-8")
        assert day(date(2026, 12, 2), "medium") == "Dec 2, 2026"
    finally:
        locale.setlocale(locale.LC_TIME, before)


@pytest.mark.clock("2028-02-29T23:40")
def test_pages_show_the_fake_clocks_day(client, counselor, make_couple, make_assignment):
    assignment_id, _ = make_assignment(make_couple(counselor), due_in_days=0)
    page = client.get(f"/assignments/{assignment_id}").get_data(as_text=True)
    assert "Due February 29, 2028 · assigned February 29" in page
