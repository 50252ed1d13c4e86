from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.timetable import Timetable, WeeklyTime, zone

SHANGHAI = ZoneInfo("Asia/Shanghai")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_parse_sorts_deduplicates_and_expands_daily() -> None:
    timetable = Timetable.parse(["THU 22:00", "MON 08:30", "THU 22:00"])
    assert timetable.to_data() == ["MON 08:30", "THU 22:00"]
    assert Timetable.parse(["DAILY 06:00"]).per_week == 7


def test_continuous() -> None:
    timetable = Timetable.parse("continuous")
    assert timetable.continuous
    assert timetable.to_data() == "continuous"
    with pytest.raises(ValueError, match="continuous"):
        list(
            timetable.instants(
                SHANGHAI, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
            )
        )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["MON 25:00"], "impossible time"),
        (["XYZ 10:00"], "unknown day"),
        (["MON10:00"], "not of the form"),
        ([5], "is not a"),
        ([], "at least one"),
        ("weekly", "expected"),
        (42, "expected"),
    ],
)
def test_malformed_entries_are_named(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Timetable.parse(value)


def test_shift_wraps_around_the_week() -> None:
    assert str(WeeklyTime(6, 23 * 60).shifted(2)) == "MON 01:00"
    assert str(WeeklyTime(0, 30).shifted(-1)) == "SUN 23:30"
    assert Timetable.parse(["SUN 23:00"]).shifted(48).to_data() == ["TUE 23:00"]


def test_departures_across_the_week_boundary() -> None:
    timetable = Timetable.parse(["SUN 23:00", "MON 01:00"])
    start = datetime(2026, 1, 11, 14, 0, tzinfo=UTC)  # Sunday 22:00 in Shanghai
    end = start + timedelta(hours=4)
    assert list(timetable.instants(SHANGHAI, start, end)) == [
        datetime(2026, 1, 11, 15, 0, tzinfo=UTC),
        datetime(2026, 1, 11, 17, 0, tzinfo=UTC),
    ]


def test_same_local_time_moves_in_utc_with_daylight_saving() -> None:
    timetable = Timetable.parse(["MON 10:00"])
    winter = list(
        timetable.instants(
            AMSTERDAM, datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC)
        )
    )
    summer = list(
        timetable.instants(
            AMSTERDAM, datetime(2026, 7, 6, tzinfo=UTC), datetime(2026, 7, 7, tzinfo=UTC)
        )
    )
    assert winter == [datetime(2026, 1, 5, 9, 0, tzinfo=UTC)]
    assert summer == [datetime(2026, 7, 6, 8, 0, tzinfo=UTC)]


def test_time_zone_of_the_origin_decides() -> None:
    timetable = Timetable.parse(["MON 10:00"])
    start, end = datetime(2026, 1, 4, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC)
    shanghai = next(timetable.instants(SHANGHAI, start, end))
    los_angeles = next(timetable.instants(zone("America/Los_Angeles"), start, end))
    assert shanghai == datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    assert los_angeles == datetime(2026, 1, 5, 18, 0, tzinfo=UTC)


def test_spring_forward_gap_and_autumn_fold() -> None:
    # 2026-03-29 02:30 does not exist in Amsterdam; 2026-10-25 02:30 happens twice.
    gap = list(
        Timetable.parse(["SUN 02:30"]).instants(
            AMSTERDAM, datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
        )
    )
    fold = list(
        Timetable.parse(["SUN 02:30"]).instants(
            AMSTERDAM, datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 10, 26, tzinfo=UTC)
        )
    )
    assert gap == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert fold == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]


def test_naive_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        list(
            Timetable.parse(["MON 10:00"]).instants(
                SHANGHAI, datetime(2026, 1, 1), datetime(2026, 1, 9, tzinfo=UTC)
            )
        )


def test_zone_names_an_unknown_zone() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        zone("Mars/Olympus")


weekly_times = st.builds(WeeklyTime, st.integers(0, 6), st.integers(0, 24 * 60 - 1))


@given(
    times=st.lists(weekly_times, min_size=1, max_size=20, unique=True),
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    weeks=st.integers(1, 4),
)
def test_a_window_of_whole_weeks_holds_every_weekly_departure(
    times: list[WeeklyTime], start: datetime, weeks: int
) -> None:
    timetable = Timetable(weekly=tuple(sorted(times)))
    end = start + timedelta(weeks=weeks)
    instants = list(timetable.instants(SHANGHAI, start, end))
    assert len(instants) == len(times) * weeks
    assert instants == sorted(instants)
    assert all(start <= instant < end for instant in instants)
    for instant in instants:
        local = instant.astimezone(SHANGHAI)
        assert WeeklyTime(local.weekday(), local.hour * 60 + local.minute) in times
