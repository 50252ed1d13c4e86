"""The one bill: price lines built only from fee-catalogue items.

Every amount becomes integer fen (CNY cents) here and nowhere else, so the search, the OR-Tools
model and the bill add up the same integers: the total is the sum of the lines.

What is charged where:

- a ride (boarding to alighting on one service): the items its legs list whose rule matches the
  box size, cargo class and the ride's origin-destination pair; per-km units use the distance of
  the legs that list the item; ``box``, ``teu``, ``tonne`` and ``shipment`` units once per ride;
- a load or discharge at a location: the location's fee codes for that mode (THC);
- a customs clearance: the export fee codes of the country exited and the import fee codes of
  the country entered (:mod:`solvers.quoting.customs`).

An item with ``valid_from``/``valid_to`` is charged only for rides departing inside those dates:
a pricer prices one validity period of the catalogue (:meth:`Pricer.at`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from graph import Location, Mode, ServiceLeg, TariffCatalogue, TariffItem, Unit
from solvers.cargo import Cargo


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One line of the bill."""

    code: str
    description: str
    category: str
    quantity: float
    unit: str
    unit_price: float
    currency: str
    amount: float
    amount_fen: int
    applies_to: str
    sources: tuple[str, ...]
    estimate: bool

    @property
    def amount_cny(self) -> float:
        """The line in CNY at the catalogue's reference rate."""
        return self.amount_fen / 100


def total_fen(lines: Iterable[PriceLine]) -> int:
    """The sum of the lines in fen."""
    return sum(line.amount_fen for line in lines)


def ride_label(leg_ids: Sequence[str]) -> str:
    """What a ride's freight lines apply to: its one leg, or its first and last legs."""
    return leg_ids[0] if len(leg_ids) == 1 else f"{leg_ids[0]}..{leg_ids[-1]}"


class Pricer:
    """Price lines for one cargo against one catalogue, memoised (a quote asks many times).

    ``period`` is the catalogue's validity period priced (``None``: every item whatever its
    dates, for a catalogue without dated items).
    """

    def __init__(
        self,
        catalogue: TariffCatalogue,
        cargo: Cargo,
        payload_t_per_teu: float,
        period: int | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.cargo = cargo
        self.period = period
        self._payload = payload_t_per_teu
        self._tonnes = cargo.tonnes(payload_t_per_teu)
        self._rides: dict[tuple[tuple[str, ...], str, str], tuple[PriceLine, ...]] = {}
        self._handling: dict[tuple[str, Mode], tuple[PriceLine, ...]] = {}
        self._periods: dict[int, Pricer] = {}

    def at(self, period: int) -> Pricer:
        """The pricer of validity ``period`` for the same cargo (memoised)."""
        if period == self.period:
            return self
        pricer = self._periods.get(period)
        if pricer is None:
            pricer = Pricer(self.catalogue, self.cargo, self._payload, period)
            self._periods[period] = pricer
        return pricer

    def on(self, day: date) -> Pricer:
        """The pricer for rides departing on ``day``."""
        return self.at(self.catalogue.period_of(day))

    def every_period(self) -> tuple[Pricer, ...]:
        """One pricer per validity period of the catalogue, in order."""
        return tuple(self.at(period) for period in range(self.catalogue.periods))

    def ride(self, legs: tuple[ServiceLeg, ...], board: str, alight: str) -> tuple[PriceLine, ...]:
        """Freight for boarding at ``board`` and alighting at ``alight`` over ``legs``."""
        key = (tuple(leg.id for leg in legs), board, alight)
        lines = self._rides.get(key)
        if lines is None:
            lines = self._ride(legs, board, alight)
            self._rides[key] = lines
        return lines

    def _ride(self, legs: tuple[ServiceLeg, ...], board: str, alight: str) -> tuple[PriceLine, ...]:
        distance_by_code: dict[str, float] = {}
        for leg in legs:
            for code in leg.tariff:
                distance_by_code[code] = distance_by_code.get(code, 0.0) + leg.distance_km
        items = self.catalogue.applicable(
            distance_by_code,
            box_size=self.cargo.box_size,
            cargo_class=self.cargo.cargo_class,
            ride=(board, alight),
            period=self.period,
        )
        label = ride_label([leg.id for leg in legs])
        return tuple(
            line
            for item in items
            if (line := self._line(item, label, distance_by_code[item.code])) is not None
        )

    def handling(self, location: Location, mode: Mode) -> tuple[PriceLine, ...]:
        """Charges for loading a box onto, or discharging it from, ``mode`` at ``location``."""
        key = (location.id, mode)
        lines = self._handling.get(key)
        if lines is None:
            lines = self.fees(location.fees_for(mode), location.id)
            self._handling[key] = lines
        return lines

    def fees(self, codes: Sequence[str], applies_to: str) -> tuple[PriceLine, ...]:
        """Lines for catalogue ``codes`` that apply to the cargo, charged at a location."""
        items = self.catalogue.applicable(
            codes,
            box_size=self.cargo.box_size,
            cargo_class=self.cargo.cargo_class,
            period=self.period,
        )
        return tuple(
            line for item in items if (line := self._line(item, applies_to, 0.0)) is not None
        )

    def _line(self, item: TariffItem, applies_to: str, km: float) -> PriceLine | None:
        quantity = round(self._quantity(item.unit, km), 3)
        if quantity <= 0:
            return None
        amount = round(quantity * item.amount, 2)
        return PriceLine(
            code=item.code,
            description=item.name,
            category=item.category.value,
            quantity=quantity,
            unit=item.unit.value,
            unit_price=item.amount,
            currency=item.currency,
            amount=amount,
            amount_fen=round(self.catalogue.rates.to_cny(amount, item.currency) * 100),
            applies_to=applies_to,
            sources=item.provenance.sources,
            estimate=item.provenance.estimate,
        )

    def _quantity(self, unit: Unit, km: float) -> float:
        boxes, teu, tonnes = self.cargo.boxes, self.cargo.teu, self._tonnes
        match unit:
            case Unit.BOX:
                return boxes
            case Unit.BOX_KM:
                return boxes * km
            case Unit.TEU:
                return teu
            case Unit.TEU_KM:
                return teu * km
            case Unit.TONNE:
                return tonnes
            case Unit.TONNE_KM:
                return tonnes * km
            case Unit.SHIPMENT:
                return 1
            case Unit.BOX_DAY:
                return 0  # storage and plug-in days are not part of a through price yet
