"""Customs: where a box clears, how long it takes and which fees it pays.

International shipments only (origin country O, destination country D); a box is in one of three
phases: still at ``HOME`` in O, in ``TRANSIT`` abroad, or ``CLEARED`` into D.

1. a ride from a border crossing whose next call is abroad clears exit there before the
   cut-off, and entry too when it stays in D (both countries' agencies work at the crossing);
2. a ride whose alighting call is a border crossing abroad, reached straight from O, clears exit
   and (if the crossing is in D) entry there on arrival;
3. otherwise a ride that leaves O clears export at its boarding location (which must offer
   export clearance), and the first alighting in D clears import there (which must offer it);
4. a box in transit boarding at a crossing for a ride that stays in D clears entry there.

Transshipment in third countries needs no clearance; an exported box is not unloaded in its home
country again (it may pass it aboard). Once cleared into the destination country a box does not
leave it; domestic shipments need no clearance and never leave the country (not even aboard).

An exit clears out of O and pays O's export fees, an entry clears into D and pays D's import fees
(the fee catalogue's :class:`~graph.tariffs.CountryCustoms`), wherever the box clears: a border
crossing belongs to one of its two countries but clears for both. The hours are the clearing
location's own. A fee the catalogue has no figure for is listed as not included (:func:`unpriced`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from graph import Location, LocationKind
from graph.schedule import hours_to_minutes
from graph.tariffs import CountryCustoms
from solvers.pricing import PriceLine, Pricer

HOME, TRANSIT, CLEARED = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Clearance:
    """Customs at one location: exit from the origin country and/or entry into the destination.

    ``exits``/``enters``: the country cleared out of or into here (``None``: no such clearance).
    """

    location: str
    exits: str | None
    enters: str | None
    minutes: int
    codes: tuple[str, ...]  # the fee items charged (priced by the ride's validity period)


#: Clearance at boarding, and at alighting with the phase after.
Outcome = tuple[Clearance | None, tuple[Clearance | None, int]]


def clearance_fees(pricer: Pricer, clearance: Clearance) -> tuple[PriceLine, ...]:
    """The fees of ``clearance`` in ``pricer``'s validity period."""
    return pricer.fees(clearance.codes, clearance.location)


def unpriced(
    clearances: Iterable[Clearance], countries: Mapping[str, CountryCustoms]
) -> tuple[str, ...]:
    """Not-included notes for the clearance fees of ``clearances`` with no published figure."""
    notes: dict[str, None] = {}
    for clearance in clearances:
        for country, direction in ((clearance.exits, "export"), (clearance.enters, "import")):
            if country is None:
                continue
            customs = countries.get(country)
            fees = customs and (
                customs.export_fees if direction == "export" else customs.import_fees
            )
            if not fees:
                name = customs.name if customs is not None else country
                notes[f"{direction} customs fees, {name}: no published figure"] = None
    return tuple(notes)


@dataclass(frozen=True, slots=True)
class Customs:
    """The customs rules of one shipment from the country ``home`` to the country ``abroad``.

    ``countries``: the clearance fees of each country (the fee catalogue's ``customs``).
    """

    home: str
    abroad: str
    countries: Mapping[str, CountryCustoms]
    _export_fees: tuple[str, ...] = field(init=False)
    _import_fees: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        home, abroad = self.countries.get(self.home), self.countries.get(self.abroad)
        object.__setattr__(self, "_export_fees", home.export_fees if home else ())
        object.__setattr__(self, "_import_fees", abroad.import_fees if abroad else ())

    def ride(self, board: Location, stops: Sequence[Location], phase: int) -> Outcome | None:
        """Clearance at boarding, and at alighting with the phase after.

        ``None`` when the box cannot be cleared on this ride (see the module docstring).
        """
        alight = stops[-1]
        stays_abroad = all(stop.country == self.abroad for stop in stops)
        if phase == CLEARED:
            return (None, (None, CLEARED)) if stays_abroad else None
        if alight.country == self.home and phase == TRANSIT:
            return None  # an exported box is not unloaded in its home country again
        if phase == HOME and all(stop.country == self.home for stop in stops):
            return None, (None, HOME)
        crossing = board.kind is LocationKind.BORDER_CROSSING
        if phase == HOME:
            if alight.country == self.home:
                return None  # leaving the country only to come back is not a way to export
            if crossing and stops[0].country != self.home:
                exit_ = self._clearance_at(board, exit_=True, entry=stays_abroad)
                if exit_ is None:
                    return None
                if stays_abroad:
                    return exit_, (None, CLEARED)
                after = self._entry_at(alight)
                return None if after is None else (exit_, after)
            at_crossing = all(stop.country == self.home for stop in stops[:-1])
            if alight.kind is LocationKind.BORDER_CROSSING and at_crossing:
                enters = alight.country == self.abroad
                both = self._clearance_at(alight, exit_=True, entry=enters)
                return None if both is None else (None, (both, CLEARED if enters else TRANSIT))
            export = self._clearance_at(board, exit_=True, entry=False)
            after = self._entry_at(alight)
            return None if export is None or after is None else (export, after)
        if crossing and stays_abroad:
            entry = self._clearance_at(board, exit_=False, entry=True)
            if entry is not None:
                return entry, (None, CLEARED)
        after = self._entry_at(alight)
        return None if after is None else (None, after)

    def _entry_at(self, alight: Location) -> tuple[Clearance | None, int] | None:
        """Import clearance on alighting in the destination country, or still in transit.

        ``None`` when the alighting call cannot clear the import.
        """
        if alight.country != self.abroad:
            return None, TRANSIT
        entry = self._clearance_at(alight, exit_=False, entry=True)
        return None if entry is None else (entry, CLEARED)

    def _clearance_at(self, location: Location, *, exit_: bool, entry: bool) -> Clearance | None:
        """Exit from home and/or entry abroad at ``location``; ``None`` if it cannot clear them."""
        customs = location.customs
        if customs is None:
            return None
        hours = 0.0
        codes: tuple[str, ...] = ()
        if exit_:
            if customs.export_hours is None:
                return None
            hours += customs.export_hours
            codes += self._export_fees
        if entry:
            if customs.import_hours is None:
                return None
            hours += customs.import_hours
            codes += self._import_fees
        return Clearance(
            location=location.id,
            exits=self.home if exit_ else None,
            enters=self.abroad if entry else None,
            minutes=hours_to_minutes(hours),
            codes=codes,
        )
