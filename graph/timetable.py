"""Weekly timetables in local time, and their expansion into UTC departure instants.

A scheduled service publishes a weekly pattern in the local time of the place it leaves
("MON 22:00", "THU 22:00"); road drayage is ``continuous`` (a truck leaves when the box is
ready). Instants are always timezone-aware; the conversion from the local pattern to UTC goes
through the IANA zone of the departure location, so daylight-saving changes at Rotterdam or
Los Angeles move the UTC instant, as they do in a carrier's published schedule.

A local time that falls in a spring-forward gap is read with the offset in force before the
change (PEP 495, ``fold=0``), so it departs one wall-clock hour later; a time that occurs twice
in the autumn departs at its first occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS: tuple[str, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
CONTINUOUS = "continuous"

_ENTRY = re.compile(r"^(?P<day>[A-Z]{3}|DAILY) (?P<hour>\d{2}):(?P<minute>\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class WeeklyTime:
    """A day of the week and a local time of day, ordered Monday 00:00 first."""

    day: int
    minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.day < len(DAYS) or not 0 <= self.minute < MINUTES_PER_DAY:
            msg = f"weekly time out of range: day={self.day}, minute={self.minute}"
            raise ValueError(msg)

    @property
    def minute_of_week(self) -> int:
        """Minutes since Monday 00:00."""
        return self.day * MINUTES_PER_DAY + self.minute

    @classmethod
    def from_minute_of_week(cls, minute_of_week: int) -> WeeklyTime:
        """Wrap any minute count into the week."""
        wrapped = minute_of_week % MINUTES_PER_WEEK
        return cls(wrapped // MINUTES_PER_DAY, wrapped % MINUTES_PER_DAY)

    def shifted(self, hours: float) -> WeeklyTime:
        """The weekly time ``hours`` later (earlier when negative), wrapped into the week."""
        return WeeklyTime.from_minute_of_week(self.minute_of_week + round(hours * 60))

    def __str__(self) -> str:
        return f"{DAYS[self.day]} {self.minute // 60:02d}:{self.minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class Timetable:
    """When a service leg departs: a sorted weekly pattern, or continuously (road).

    Examples
    --------
    >>> Timetable.parse(["THU 22:00", "MON 08:30"]).to_data()
    ['MON 08:30', 'THU 22:00']
    >>> Timetable.parse("continuous").continuous
    True
    """

    weekly: tuple[WeeklyTime, ...] = ()
    continuous: bool = False

    def __post_init__(self) -> None:
        if self.continuous == bool(self.weekly):
            msg = "a timetable is either continuous or has at least one weekly departure"
            raise ValueError(msg)

    @classmethod
    def parse(cls, value: object) -> Timetable:
        """Read the file form: ``"continuous"`` or a list of ``"DAY HH:MM"`` / ``"DAILY HH:MM"``.

        Raises
        ------
        ValueError
            With a message naming the malformed entry.
        """
        if value == CONTINUOUS or (isinstance(value, list) and value == [CONTINUOUS]):
            # GDAL reads a lone string in a column of string lists as a one-element list.
            return cls(continuous=True)
        if isinstance(value, str) or not isinstance(value, Sequence):
            msg = f'expected "continuous" or a list of "DAY HH:MM" entries, got {value!r}'
            raise ValueError(msg)
        if not value:
            msg = "a weekly timetable needs at least one departure"
            raise ValueError(msg)
        times: set[WeeklyTime] = set()
        for entry in value:
            times.update(_parse_entry(entry))
        return cls(weekly=tuple(sorted(times)))

    def to_data(self) -> str | list[str]:
        """The file form, inverse of :meth:`parse`."""
        return CONTINUOUS if self.continuous else [str(t) for t in self.weekly]

    @property
    def per_week(self) -> int:
        """Departures per week (0 for a continuous service)."""
        return len(self.weekly)

    def shifted(self, hours: float) -> Timetable:
        """Every weekly departure moved by ``hours`` (a continuous timetable is unchanged)."""
        if self.continuous:
            return self
        return Timetable(weekly=tuple(sorted({t.shifted(hours) for t in self.weekly})))

    def instants(self, tz: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
        """UTC departure instants in ``[start, end)``, in order.

        Parameters
        ----------
        tz
            The time zone of the departure location, in which the weekly pattern is published.
        start, end
            Timezone-aware bounds of the window.

        Raises
        ------
        ValueError
            If the timetable is continuous or a bound is naive.
        """
        if self.continuous:
            msg = "a continuous timetable has no discrete departures"
            raise ValueError(msg)
        _require_aware(start, end)
        first = start.astimezone(tz).date() - timedelta(days=1)
        last = end.astimezone(tz).date() + timedelta(days=1)
        by_day: dict[int, list[int]] = {}
        for weekly in self.weekly:
            by_day.setdefault(weekly.day, []).append(weekly.minute)
        day = first
        while day <= last:
            for minute in by_day.get(day.weekday(), ()):
                local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
                instant = local.astimezone(UTC)
                if start <= instant < end:
                    yield instant
            day += timedelta(days=1)


def zone(name: object) -> ZoneInfo:
    """The IANA zone called ``name``.

    Raises
    ------
    ValueError
        If the name is not an IANA time zone.
    """
    if not isinstance(name, str):
        msg = f"expected an IANA time zone name, got {name!r}"
        raise ValueError(msg)  # a problem in the data, reported as the others are
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        msg = f"{name!r} is not an IANA time zone"
        raise ValueError(msg) from err


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar date of ``instant`` at a place in zone ``tz``."""
    return instant.astimezone(tz).date()


def _parse_entry(entry: object) -> list[WeeklyTime]:
    if not isinstance(entry, str):
        msg = f'departure {entry!r} is not a "DAY HH:MM" string'
        raise ValueError(msg)
    match = _ENTRY.match(entry.strip().upper())
    if match is None:
        names = ", ".join(DAYS)
        msg = f'departure {entry!r} is not of the form "DAY HH:MM" (DAY one of {names} or DAILY)'
        raise ValueError(msg)
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        msg = f"departure {entry!r} has an impossible time of day"
        raise ValueError(msg)
    day = match["day"]
    if day == "DAILY":
        days = list(range(len(DAYS)))
    elif day in DAYS:
        days = [DAYS.index(day)]
    else:
        msg = f"departure {entry!r} has an unknown day {day!r} (expected one of {', '.join(DAYS)})"
        raise ValueError(msg)
    return [WeeklyTime(d, hour * 60 + minute) for d in days]


def _require_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            msg = f"{instant.isoformat()} is naive; pass timezone-aware datetimes"
            raise ValueError(msg)
