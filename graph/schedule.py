"""Fast departure look-ups for searches: integer minutes, expanded once per week and leg.

Solvers ask "when does this leg next leave after the box is ready?" many thousands of times per
quote. The index answers from sorted integer minutes (UTC, since the Unix epoch), expanding each
leg's weekly pattern for one week block at a time, on first use, with the leg's validity dates
and the network's closures already applied; later questions bisect.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from graph.timetable import local_date, zone

if TYPE_CHECKING:
    from graph.network import Network

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTES_PER_WEEK = 7 * 24 * 60
_CONTINUOUS = -(2**62)  # in place of a cut-off: the leg leaves on demand


def to_minutes(instant: datetime) -> int:
    """Whole minutes since the Unix epoch (UTC) of an aware instant (seconds truncated)."""
    if instant.tzinfo is None:
        msg = f"{instant.isoformat()} is naive; pass timezone-aware datetimes"
        raise ValueError(msg)
    return int((instant - EPOCH).total_seconds() // 60)


def from_minutes(minutes: int) -> datetime:
    """The UTC instant ``minutes`` after the Unix epoch."""
    return EPOCH + timedelta(minutes=minutes)


def hours_to_minutes(hours: float) -> int:
    """Hours as whole minutes, rounded: the one place durations become integers."""
    return round(hours * 60)


@dataclass(frozen=True, slots=True)
class Slot:
    """One departure in minutes: leaves at ``departure``, arrives at ``arrival``, cut-off before."""

    departure: int
    arrival: int
    cutoff: int


class DepartureIndex:
    """Departures of every leg of one network, by week block, in integer minutes.

    Each leg's minutes are worked out when it is first asked about, so a search pays for the
    legs it reaches, not for the whole network. A week's :class:`Slot` objects are made then too
    and handed out again to every later question: a quote asks for the same departures
    thousands of times, and making a frozen dataclass costs more than finding it.
    """

    def __init__(self, network: Network) -> None:
        self._network = network
        #: per (leg, week): the departure minutes (bisected) and their slots, in the same order
        self._weeks: dict[tuple[str, int], tuple[tuple[int, ...], tuple[Slot, ...]]] = {}
        self._continuous: dict[str, bool] = {}
        self._open_legs: dict[str, bool] = {}
        self._reopenings: dict[str, tuple[int, ...]] = {}
        self._transit: dict[str, int] = {}
        self._cutoff: dict[str, int] = {}
        #: per leg: its cut-off in minutes if it runs to a timetable, _CONTINUOUS if not
        self._boarding_cutoff: dict[str, int] = {}

    def transit_minutes(self, leg_id: str) -> int:
        """The leg's transit time in minutes."""
        minutes = self._transit.get(leg_id)
        if minutes is None:
            leg = self._network.legs[leg_id]
            minutes = self._transit[leg_id] = hours_to_minutes(leg.transit_hours)
        return minutes

    def _cutoff_minutes(self, leg_id: str) -> int:
        """The leg's cut-off before departure in minutes."""
        minutes = self._cutoff.get(leg_id)
        if minutes is None:
            leg = self._network.legs[leg_id]
            minutes = self._cutoff[leg_id] = hours_to_minutes(leg.cutoff_hours)
        return minutes

    def slots(self, leg_id: str, start: int, end: int) -> Iterator[Slot]:
        """Departures leaving in ``[start, end)``, in order (scheduled legs only)."""
        for week in range(start // MINUTES_PER_WEEK, (end - 1) // MINUTES_PER_WEEK + 1):
            minutes, slots = self._week(leg_id, week)
            for slot in slots[bisect_left(minutes, start) :]:
                if slot.departure >= end:
                    return
                yield slot

    def first(self, leg_id: str, start: int, end: int) -> Slot | None:
        """The first of :meth:`slots`, without a generator (a search's walk asks it per call)."""
        week = start // MINUTES_PER_WEEK
        last = (end - 1) // MINUTES_PER_WEEK
        weeks = self._weeks
        while week <= last:
            found = weeks.get((leg_id, week)) or self._week(leg_id, week)
            minutes, slots = found
            at = bisect_left(minutes, start)
            if at < len(slots):
                slot = slots[at]
                return slot if slot.departure < end else None
            week += 1
        return None

    def first_boardable(self, leg_id: str, ready: int, until: int) -> Slot | None:
        """The first of :meth:`boardable`, without a generator.

        A search asks it per group of ride templates, before it knows whether it wants more.
        """
        cutoff = self._boarding_cutoff.get(leg_id)
        if cutoff is None:
            continuous = self._network.legs[leg_id].timetable.continuous
            cutoff = self._boarding_cutoff[leg_id] = (
                _CONTINUOUS if continuous else self._cutoff_minutes(leg_id)
            )
        if cutoff != _CONTINUOUS:
            return self.first(leg_id, ready + cutoff, until)
        departure = self._reopened(leg_id, ready, until)
        if departure is None:
            return None
        return Slot(departure, departure + self.transit_minutes(leg_id), departure)

    def boardable(self, leg_id: str, ready: int, until: int) -> Iterator[Slot]:
        """Departures whose cut-off is at or after ``ready`` and that leave before ``until``."""
        continuous = self._continuous.get(leg_id)
        if continuous is None:
            continuous = self._continuous[leg_id] = self._network.legs[leg_id].timetable.continuous
        if continuous:
            departure = self._reopened(leg_id, ready, until)
            if departure is not None:
                yield Slot(departure, departure + self.transit_minutes(leg_id), departure)
            return
        # slots(leg_id, start, until) written out: a search asks this hundreds of thousands of
        # times a quote on a large network, and a generator delegating to another costs as much
        # as the departures it yields
        start = ready + self._cutoff_minutes(leg_id)
        for week in range(start // MINUTES_PER_WEEK, (until - 1) // MINUTES_PER_WEEK + 1):
            minutes, slots = self._week(leg_id, week)
            for slot in slots[bisect_left(minutes, start) :]:
                if slot.departure >= until:
                    return
                yield slot

    def _reopened(self, leg_id: str, ready: int, until: int) -> int | None:
        """The first moment from ``ready`` a continuous leg may be taken, before ``until``.

        At ``ready`` unless a closure stops it; then when one ends (the departure's, or the
        arrival's less the transit time), so a truck waits for a road or crossing to reopen.
        """
        if ready >= until:
            return None
        if self._always_open(leg_id):
            return ready
        transit = self.transit_minutes(leg_id)
        if self._open(leg_id, ready, ready + transit):
            return ready
        moments = self._reopenings.get(leg_id)
        if moments is None:
            ends = {
                to_minutes(c.end) for c in self._network.closures_for(self._network.legs[leg_id])
            }
            moments = tuple(sorted(ends | {end - transit for end in ends}))
            self._reopenings[leg_id] = moments
        for moment in moments[bisect_left(moments, ready + 1) :]:
            if moment >= until:
                return None
            if self._open(leg_id, moment, moment + transit):
                return moment
        return None

    def _always_open(self, leg_id: str) -> bool:
        """Whether the leg may be taken at any moment (most roads).

        It runs, has no validity dates and no closure can stop it: no moment needs checking.
        """
        always = self._open_legs.get(leg_id)
        if always is None:
            network = self._network
            leg = network.legs[leg_id]
            always = self._open_legs[leg_id] = (
                network.is_operating(leg)
                and leg.valid_from is None
                and leg.valid_to is None
                and not network.closures_for(leg)
            )
        return always

    def _week(self, leg_id: str, week: int) -> tuple[tuple[int, ...], tuple[Slot, ...]]:
        key = (leg_id, week)
        cached = self._weeks.get(key)
        if cached is None:
            minutes = self._expand(leg_id, week)
            transit, cutoff = self.transit_minutes(leg_id), self._cutoff_minutes(leg_id)
            slots = tuple(Slot(m, m + transit, m - cutoff) for m in minutes)
            cached = self._weeks[key] = (minutes, slots)
        return cached

    def _expand(self, leg_id: str, week: int) -> tuple[int, ...]:
        network = self._network
        leg = network.legs[leg_id]
        if not network.is_operating(leg) or leg.timetable.continuous:
            return ()
        tz = zone(network.locations[leg.origin].tz)
        start = from_minutes(week * MINUTES_PER_WEEK)
        end = start + timedelta(minutes=MINUTES_PER_WEEK)
        transit = timedelta(minutes=self.transit_minutes(leg_id))
        return tuple(
            to_minutes(instant)
            for instant in leg.timetable.instants(tz, start, end)
            if leg.valid_on(local_date(instant, tz))
            and not network.closed(leg, instant, instant + transit)
        )

    def _open(self, leg_id: str, departure: int, arrival: int) -> bool:
        network = self._network
        leg = network.legs[leg_id]
        leaves = from_minutes(departure)
        return (
            network.is_operating(leg)
            and leg.valid_on(local_date(leaves, zone(network.locations[leg.origin].tz)))
            and not network.closed(leg, leaves, from_minutes(arrival))
        )
