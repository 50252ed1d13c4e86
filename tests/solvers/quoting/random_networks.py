"""Random small timetabled networks for property tests.

Three to six locations in two or three countries and time zones (some border crossings, some with
customs; now and then two neighbours of one country are terminals of one city), two to seven
services of one to three legs with weekly departures (road links continuous), random handling,
cut-offs, capacities and cargo classes; prices and emissions come from the tiny fixture's
catalogues, plus a lane-priced sea freight item. With ``trucking`` most services are on-demand
trucks both ways between two places and most places Chinese, so trucks often drive on through
a place.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from types import MappingProxyType

from hypothesis import strategies as st

from graph import (
    CargoClass,
    City,
    Customs,
    Location,
    LocationKind,
    Mode,
    Network,
    Provenance,
    ServiceLeg,
    Status,
    Timetable,
    WeeklyTime,
    load_network,
)
from graph.tariffs import AppliesTo, Category, Lane, TariffItem, Unit
from graph.timetable import zone
from tests.conftest import TINY

ZONES = {"CN": "Asia/Shanghai", "VN": "Asia/Ho_Chi_Minh", "NL": "Europe/Amsterdam"}
REFERENCE_MONDAY = date(2026, 1, 5)
SOURCE = ("FIX",)
_BASE = load_network(TINY / "network.geojson")


def _provenance(*names: str) -> MappingProxyType[str, Provenance]:
    return MappingProxyType({name: Provenance(SOURCE) for name in names})


@st.composite
def locations(draw: st.DrawFn, *, trucking: bool = False) -> list[Location]:
    count = draw(st.integers(3, 6))
    result: list[Location] = []
    countries = ["CN", "CN", "CN", "VN"] if trucking else ["CN", "CN", "VN", "NL"]
    for index in range(count):
        country = "CN" if index == 0 else draw(st.sampled_from(countries))
        kind = draw(
            st.sampled_from(
                [LocationKind.SEAPORT, LocationKind.SEAPORT, LocationKind.BORDER_CROSSING]
            )
        )
        customs = None
        if draw(st.integers(0, 3)) or kind is LocationKind.BORDER_CROSSING:
            customs = Customs(
                export_hours=draw(st.sampled_from([0.5, 1.0, 6.0, None])) if index else 1.0,
                import_hours=draw(
                    st.sampled_from(
                        [1.0, 12.0, 30.0, None] if index < count - 1 else [1.0, 12.0, 30.0]
                    )
                ),
            )
            if customs.export_hours is None and customs.import_hours is None:
                customs = None
        handling = {
            "*>*": float(draw(st.sampled_from([0, 2, 6]))),
            "rail>sea": float(draw(st.sampled_from([0, 10]))),
        }
        city = City(f"C{index}", f"City {index}")
        if result and result[-1].country == country and draw(st.integers(0, 2)) == 0:
            city = result[-1].city or city
        result.append(
            Location(
                id=f"L{index}",
                city=city,
                name=f"Location {index}",
                name_zh=None,
                kind=kind,
                country=country,
                tz=ZONES[country],
                lon=100.0 + index,
                lat=20.0 + (index % 3),
                handling_hours=MappingProxyType(handling),
                fees=MappingProxyType({"sea": ("THC",)} if kind is LocationKind.SEAPORT else {}),
                customs=customs,
                source=SOURCE,
                provenance=_provenance(
                    "coordinates", "handling_hours", *(["customs"] if customs else [])
                ),
            )
        )
    return result


_weekly_times = st.builds(WeeklyTime, st.integers(0, 6), st.sampled_from([0, 360, 600, 1080]))
# one service in five takes reefers only; the others dry and perhaps more
_cargo_classes = st.integers(0, 4).flatmap(
    lambda n: (
        st.sets(st.sampled_from(list(CargoClass))).map(lambda c: frozenset(c | {CargoClass.DRY}))
        if n
        else st.just(frozenset({CargoClass.REEFER}))
    )
)


@st.composite
def networks(draw: st.DrawFn, *, trucking: bool = False) -> Network:
    places = draw(locations(trucking=trucking))
    legs: dict[str, ServiceLeg] = {}
    # now and then the rail box rate changes on a day inside the search window: a departure
    # after it may be cheaper (or dearer) than an earlier one
    change = draw(st.sampled_from([None, None, -450.0, -100.0, 300.0]))
    change_day = REFERENCE_MONDAY + timedelta(days=draw(st.integers(1, 8)))
    for number in range(draw(st.integers(4, 12))):
        stops = draw(
            _stops(
                places,
                first=places[0] if number == 0 else None,
                last=places[-1] if number == 1 else None,
                calls=1 if trucking else 3,
            )
        )
        length = len(stops) - 1
        border = any(stop.kind is LocationKind.BORDER_CROSSING for stop in stops)
        modes = [Mode.ROAD, Mode.RAIL] if border else [Mode.SEA, Mode.RAIL, Mode.ROAD]
        mode = draw(st.sampled_from(modes + [Mode.ROAD] * (2 if trucking else 0)))
        continuous = mode is Mode.ROAD and (trucking or draw(st.booleans()))
        transits = [float(draw(st.integers(1, 48))) for _ in range(length)]
        dwell = float(draw(st.sampled_from([0, 4, 20])))
        first = sorted(set(draw(st.lists(_weekly_times, min_size=1, max_size=3))))
        classes = draw(_cargo_classes)
        operator = draw(st.sampled_from(["Alpha", "Beta"]))
        capacity = None if continuous else draw(st.sampled_from([1, 4, 50]))
        offset = 0.0
        for seq, (origin, destination) in enumerate(pairwise(stops), start=1):
            timetable = (
                Timetable(continuous=True)
                if continuous
                else Timetable(
                    weekly=tuple(
                        sorted({_shifted(w, stops[0].tz, origin.tz, offset) for w in first})
                    )
                )
            )
            legs[f"S{number}-{seq}"] = ServiceLeg(
                id=f"S{number}-{seq}",
                service=f"S{number}",
                seq=seq,
                mode=mode,
                operator=operator,
                origin=origin.id,
                destination=destination.id,
                timetable=timetable,
                transit_hours=transits[seq - 1],
                cutoff_hours=0.0 if continuous else float(draw(st.sampled_from([0, 2, 24]))),
                distance_km=float(draw(st.integers(20, 3000))),
                capacity_teu=capacity,
                cargo_classes=classes,
                status=Status.ACTIVE,
                geometry=((origin.lon, origin.lat), (destination.lon, destination.lat)),
                emission_class=mode.value,
                tariff=_tariff(mode) + (("RAIL-BOX-NEW",) if change and mode is Mode.RAIL else ()),
                source=SOURCE,
                provenance=_provenance("geometry", "distance_km", "transit_hours"),
            )
            offset += transits[seq - 1] + dwell
        if trucking and continuous:  # trucks run both ways between the places they link
            forward = [legs[f"S{number}-{seq}"] for seq in range(1, len(stops))]
            for seq, leg in enumerate(reversed(forward), start=1):
                legs[f"S{number}R-{seq}"] = dataclasses.replace(
                    leg,
                    id=f"S{number}R-{seq}",
                    service=f"S{number}R",
                    seq=seq,
                    origin=leg.destination,
                    destination=leg.origin,
                    geometry=leg.geometry[::-1],
                )
    catalogue = _BASE.tariffs.with_item(
        TariffItem(
            code="SEA-LANE",
            name="Sea freight on the L0 lanes",
            category=Category.FREIGHT,
            unit=Unit.BOX,
            amount=150.0,
            currency="USD",
            applies_to=AppliesTo(
                lanes=(Lane(frozenset({"L0"}), frozenset()), Lane(frozenset(), frozenset({"L0"})))
            ),
            provenance=Provenance(SOURCE),
        )
    )
    if change is not None:
        old = catalogue.get("RAIL-BOX")
        catalogue = catalogue.with_item(
            dataclasses.replace(old, valid_to=change_day - timedelta(days=1))
        ).with_item(
            dataclasses.replace(
                old, code="RAIL-BOX-NEW", amount=old.amount + change, valid_from=change_day
            )
        )
    return Network(
        locations={place.id: place for place in places},
        legs=legs,
        tariffs=catalogue,
        emission_factors=_BASE.emission_factors,
        sources=_BASE.sources,
    )


@st.composite
def _stops(
    draw: st.DrawFn,
    places: list[Location],
    first: Location | None,
    last: Location | None,
    calls: int,
) -> list[Location]:
    """Two to ``calls`` + 1 calls, no location twice in a row; the first service starts at the
    origin and the second ends at the destination, so most instances have some way through."""
    stops = [first or draw(st.sampled_from(places))]
    for _ in range(draw(st.integers(1, calls))):
        stops.append(draw(st.sampled_from([p for p in places if p is not stops[-1]])))
    if last is not None and stops[-1] is not last:
        stops.append(last)
    return stops


def _tariff(mode: Mode) -> tuple[str, ...]:
    if mode is Mode.SEA:
        return ("SEA-LANE", "RAIL-KM-20")
    if mode is Mode.ROAD:
        return ("TRUCK",)
    return ("RAIL-BOX", "RAIL-KM-20")


def _shifted(weekly: WeeklyTime, start_tz: str, tz: str, hours: float) -> WeeklyTime:
    """The weekly time ``hours`` after ``weekly`` (read in ``start_tz``), in ``tz``."""
    day = REFERENCE_MONDAY + timedelta(days=weekly.day)
    local = datetime.combine(
        day, time(weekly.minute // 60, weekly.minute % 60), tzinfo=zone(start_tz)
    )
    moment = (local.astimezone(UTC) + timedelta(hours=hours)).astimezone(zone(tz))
    return WeeklyTime(moment.weekday(), moment.hour * 60 + moment.minute)


def with_capacity(network: Network, leg_id: str, teu: int) -> Network:
    """A copy with one leg's capacity changed."""
    legs = dict(network.legs)
    legs[leg_id] = dataclasses.replace(legs[leg_id], capacity_teu=teu)
    return Network(
        locations=network.locations, legs=legs, tariffs=network.tariffs,
        emission_factors=network.emission_factors, sources=network.sources,
    )  # fmt: skip
