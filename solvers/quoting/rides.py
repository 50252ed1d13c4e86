"""Rides: what every quote solver combines.

A *ride* is boarding one service at a location and alighting at a later call of the same service;
between its legs the box stays aboard (no handling, no cut-off). A sea passage on one bill of
lading is a ride too (:mod:`solvers.quoting.passages`), and so is one truck trip: a truck that
drives on through places that are not border crossings over several road legs
(:meth:`~solvers.quoting.allowed.AllowedNetwork.trips`), charged one trip's fixed part and no
handling where it passes. A :class:`RideTemplate` is what a ride is
whatever its date; a :class:`Ride` is one dated departure of it. All quantities are integers:
minutes since the Unix epoch, fen (CNY cents), grams CO2e.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from graph import Mode, ServiceLeg
from graph.schedule import Slot
from solvers.quoting.customs import Clearance

#: Later than any time, dearer than any price: "no limit".
NEVER = 2**62


@dataclass(frozen=True, slots=True)
class RideTemplate:
    """What a ride is regardless of its date: calls, clearances, price and emissions.

    When catalogue items carry validity dates the price depends on the validity period the ride
    departs in (``starts``: the minutes each period after the first starts at, in the boarding
    place's local days): ``prices`` per period, and ``price_fen`` is their minimum.
    """

    board: str
    alight: str
    legs: tuple[ServiceLeg, ...]
    board_clearance: Clearance | None
    alight_clearance: Clearance | None
    phase: int
    price_fen: int
    co2e_g: int
    visits: tuple[str, ...]
    mask: int
    enters: int  # the bit of the city it alights in, if that is not the city it boards in
    minutes: int  # aboard at least (transit of its legs, dwell not counted)
    joined: int = 0  # a sea passage: the legs aboard the first ship (0: one service)
    trip: bool = False  # a truck trip driving on over road legs of several services
    prices: tuple[int, ...] = ()  # per validity period, when they differ
    starts: tuple[int, ...] = ()
    # worked out once from the fields above: searches read them for every template they weigh
    mode: Mode = field(init=False)  # the mode the box arrives by
    clearance_after: int = field(init=False)  # minutes of clearance after arrival
    #: minutes from departure to available: minutes aboard plus clearance after
    aboard: int = field(init=False, repr=False, compare=False)
    #: the search state it alights in from a label with no required hub visited yet
    state: tuple[str, Mode, int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", self.legs[-1].mode)
        after = self.alight_clearance
        object.__setattr__(self, "clearance_after", after.minutes if after else 0)
        object.__setattr__(self, "aboard", self.minutes + self.clearance_after)
        object.__setattr__(self, "state", (self.alight, self.mode, self.phase, self.mask))

    def period_at(self, departure: int) -> int:
        """The validity period of a ride departing at ``departure``."""
        return bisect_right(self.starts, departure) if self.starts else 0

    def price_at(self, departure: int) -> int:
        """The price of a ride departing at ``departure``."""
        return self.prices[self.period_at(departure)] if self.prices else self.price_fen

    @property
    def clearance_before(self) -> int:
        """Minutes of clearance between readiness and the cut-off."""
        return self.board_clearance.minutes if self.board_clearance else 0


@dataclass(frozen=True, slots=True)
class Ride:
    """A dated ride: its template, the departures taken, and when the box is available after."""

    template: RideTemplate
    slots: tuple[Slot, ...]
    ready: int
    available: int

    board = property(lambda self: self.template.board)
    alight = property(lambda self: self.template.alight)
    legs = property(lambda self: self.template.legs)
    phase = property(lambda self: self.template.phase)
    co2e_g = property(lambda self: self.template.co2e_g)
    visits = property(lambda self: self.template.visits)
    mode = property(lambda self: self.template.mode)
    board_clearance = property(lambda self: self.template.board_clearance)
    alight_clearance = property(lambda self: self.template.alight_clearance)

    @property
    def departure(self) -> int:
        """When the first leg leaves."""
        return self.slots[0].departure

    @property
    def price_fen(self) -> int:
        """The price of this departure (a template's price may depend on its validity period)."""
        template = self.template
        if not template.prices:  # the common case, on the search's hot path
            return template.price_fen
        return template.prices[bisect_right(template.starts, self.slots[0].departure)]

    @property
    def period(self) -> int:
        """The catalogue's validity period this ride is priced in."""
        return self.template.period_at(self.slots[0].departure)

    @property
    def arrival(self) -> int:
        """When the last leg arrives."""
        return self.slots[-1].arrival


@dataclass(frozen=True, slots=True)
class Finish:
    """Reaching the destination: when the box is available there and what that adds."""

    time: int
    price_fen: int
    co2e_g: int


#: Ride templates for boarding one leg, grouped by the minutes of clearance before the cut-off:
#: (minutes, ((index of the alighting call in the chain, template), ...)).
Group = tuple[int, tuple[tuple[int, RideTemplate], ...]]
#: A solver's test of a template before its departures are looked up, given the earliest the
#: box could be available after it.
Keep = Callable[[RideTemplate, int], bool]
