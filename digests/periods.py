"""Digest periods: ISO weeks, written ``2026-W47``, in UTC."""

import datetime

from django.utils import timezone


def parse_period(text):
    """``2026-W47`` → (2026, 47); ValueError with a readable message otherwise."""
    try:
        year, week = text.split("-W")
        monday = datetime.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO week such as 2026-W47") from None
    return monday


def period_bounds(period):
    """[Monday 00:00 UTC, next Monday 00:00 UTC) of the ISO week."""
    monday = parse_period(period)
    start = datetime.datetime.combine(monday, datetime.time(), tzinfo=datetime.UTC)
    return start, start + datetime.timedelta(days=7)


def last_complete_period(now=None):
    """The ISO week before the one ``now`` falls in (the week just ended)."""
    day = (now or timezone.now()).astimezone(datetime.UTC).date() - datetime.timedelta(days=7)
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def current_period(now=None):
    """The ISO week ``now`` falls in (the reminders' week: what is due in it)."""
    year, week, _ = (now or timezone.now()).astimezone(datetime.UTC).date().isocalendar()
    return f"{year}-W{week:02d}"
