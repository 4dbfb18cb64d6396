"""The retention policy, from the settings (pure functions of dates and an affiliation).

- A new video is kept ``RETENTION_YEARS`` years after its creation (Esup-Pod's
  ``DEFAULT_YEAR_DATE_DELETE``), or longer when its owner's affiliation has more in
  ``RETENTION_AFFILIATION_YEARS`` (Esup-Pod's ``ACCOMMODATION_YEARS``);
- owners may move the date up to ``RETENTION_EXTEND_MAX_YEARS`` years after today;
  extending without a date gives the same years as a new video, within that bound;
- a row made late (a video imported in bulk with an old creation date) never gets a
  date before its first warning: ``max(RETENTION_WARNING_DAYS)`` days from today at least;
- dates are calendar days in ``TIME_ZONE`` (29 February plus one year is 28 February).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone


def add_years(day: date, years: int) -> date:
    """``day`` moved ``years`` years on; 29 February becomes 28 February off leap years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def local_day(instant: datetime) -> date:
    """The calendar day of ``instant`` in ``TIME_ZONE``."""
    return timezone.localdate(instant)


def retention_years(affiliation: str) -> int:
    """Years a video of an owner of this affiliation is kept."""
    extra = settings.RETENTION_AFFILIATION_YEARS.get(affiliation or "", 0)
    return max(settings.RETENTION_YEARS, extra)


def initial_deletion_date(*, created_at: datetime, affiliation: str) -> date:
    """The deletion date of a video created at ``created_at`` by an owner of
    ``affiliation``."""
    return add_years(local_day(created_at), retention_years(affiliation))


def earliest_new_date(*, today: date) -> date:
    """The earliest deletion date a video gets when its row is made: far enough for
    every warning (``max(RETENTION_WARNING_DAYS)`` days from today), so that no video is
    archived without its owners having been warned."""
    return today + timedelta(days=max(settings.RETENTION_WARNING_DAYS, default=0))


def extend_max_date(*, today: date) -> date:
    """The latest date an owner may choose."""
    return add_years(today, settings.RETENTION_EXTEND_MAX_YEARS)


def default_extension(*, today: date, affiliation: str) -> date:
    """The date ``extend`` gives without one: a new video's years from today, capped."""
    return min(add_years(today, retention_years(affiliation)), extend_max_date(today=today))


def warning_stage(*, days_left: int) -> int | None:
    """The warning threshold a video ``days_left`` days before its deletion date has
    reached: the smallest of ``RETENTION_WARNING_DAYS`` that is at least ``days_left``
    (``None``: none yet). Only that one is sent: a video first seen 20 days before gets
    the 30-day warning, not the 60-day one as well."""
    reached = [days for days in settings.RETENTION_WARNING_DAYS if days_left <= days]
    return min(reached) if reached else None
