"""The content hash of a network, streamed: SHA-256 of its canonical JSON, one feature at a time.

:attr:`Network.version <graph.network.Network.version>` is the SHA-256 of
``json.dumps(network.to_data(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))``.
Building that document and its text at once held about five times the network's own memory at
the peak of a load (bench/load_network.py); here the same bytes are produced location by location
and leg by leg and fed to the hash as they come. A leg's text is put together from the texts of
its values, and those of the values legs share (a provenance table, a timetable, a line, a list of
tariff codes or sources: the same objects, as :mod:`graph.validate` reads them) are encoded once.
``tests/graph/test_network.py`` holds the result to the plain definition.
"""

from __future__ import annotations

import hashlib
import json
import math
from _json import make_encoder
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.model import Location, Provenance, ServiceLeg

#: The canonical form: sorted keys, no spaces, UTF-8 text.
ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_encode_string: Callable[[str], str] = json.encoder.encode_basestring
#: ENCODER's C encoder, made once: ``ENCODER.encode`` makes one per call, which cost as much as
#: encoding a leg's coordinates. Only for values with nothing to check for cycles (no markers).
_encode_parts = make_encoder(
    None, ENCODER.default, _encode_string, None, ":", ",", True, False, True
)
#: How many texts of values of one kind are kept for reuse (more are written again).
_SHARED = 1 << 12


def canonical(data: object) -> bytes:
    """``data`` as canonical JSON bytes."""
    return ENCODER.encode(data).encode()


def digest(parts: Mapping[str, object], streamed: Mapping[str, Iterable[bytes]]) -> str:
    """SHA-256 (hex) of the canonical JSON object of ``parts`` and ``streamed`` together.

    ``streamed`` maps a key to the canonical texts (UTF-8) of its list's items, in order.
    """
    sha = hashlib.sha256()
    update = sha.update
    update(b"{")
    for number, key in enumerate(sorted({*parts, *streamed})):
        update((("," if number else "") + _encode_string(key) + ":").encode())
        if key in streamed:
            update(b"[")
            for index, text in enumerate(streamed[key]):
                if index:
                    update(b",")
                update(text)
            update(b"]")
        else:
            update(canonical(parts[key]))
    update(b"}")
    return sha.hexdigest()


class FeatureText:
    """Canonical texts of locations and legs, as in ``Network.to_data()``, with coordinates.

    Values that many features share are encoded once: they are looked up by identity (the
    object is kept alive here, so its id is not reused while this lives).
    """

    def __init__(self) -> None:
        # one table per kind of value: equal values of two kinds may encode differently
        self._shared: dict[Callable[[Any], str], dict[int, tuple[object, str]]] = {}
        self._provenances: dict[int, tuple[object, bytes, str]] = {}

    def location(self, location: Location) -> bytes:
        """The canonical text of ``{**location.to_data(), "coordinates": ...}``."""
        value, text = _value, _encode_string  # text: for fields that are always strings
        shared = self._shared_text
        city, customs = location.city, location.customs
        found = self._provenance_text(location.provenance)
        fees = {mode: list(codes) for mode, codes in location.fees.items()}
        head = (
            f'{{"city":{"null" if city is None else shared(city, _data)},'
            f'"coordinates":[{value(location.lon)},{value(location.lat)}],'
            f'"country":{text(location.country)},'
            f'"customs":{"null" if customs is None else shared(customs, _data)},'
            f'"enabled":{value(location.enabled)},"estimate":{found[2]},'
            f'"feature_type":"location",'
            f'"fees":{ENCODER.encode(fees)},'
            f'"handling_hours":{ENCODER.encode(dict(location.handling_hours))},'
            f'"id":{text(location.id)},"kind":{shared(location.kind, _enum)},'
            f'"name":{text(location.name)},"name_zh":{value(location.name_zh)},'
            f'"notes":{value(location.notes)},"provenance":'
        )
        tail = (
            f',"source":{shared(location.source, _listed)},"tags":{shared(location.tags, _sorted)},'
            f'"tz":{text(location.tz)},"unlocode":{value(location.unlocode)}}}'
        )
        return b"".join((head.encode(), found[1], tail.encode()))

    def _provenance_text(self, provenance: Mapping[str, Provenance]) -> tuple[object, bytes, str]:
        """A provenance table, its canonical text and its ``estimate`` flag, kept by identity.

        The text, the longest part of most features', is kept encoded (UTF-8): encoded once.
        """
        found = self._provenances.get(id(provenance))
        if found is None:
            if len(self._provenances) >= _SHARED:
                self._provenances.clear()
            found = self._provenances[id(provenance)] = (
                provenance,
                _provenance(provenance).encode(),
                "true" if any(p.estimate for p in provenance.values()) else "false",
            )
        return found

    def leg(self, leg: ServiceLeg) -> bytes:
        """The canonical text of ``{**leg.to_data(), "coordinates": ...}``."""
        value, text = _value, _encode_string  # text: for fields that are always strings
        shared = self._shared_text
        timetable = leg.timetable
        sanction = leg.sanction
        valid_from, valid_to = leg.valid_from, leg.valid_to
        found = self._provenance_text(leg.provenance)
        head = (
            f'{{"cabotage":{value(leg.cabotage)},"capacity_teu":{value(leg.capacity_teu)},'
            f'"cargo_classes":{shared(leg.cargo_classes, _sorted_values)},'
            f'"coordinates":{shared(leg.geometry, _coordinates)},'
            f'"cutoff_hours":{"null" if timetable.continuous else value(leg.cutoff_hours)},'
            f'"departures":{shared(timetable, _timetable)},'
            f'"destination":{text(leg.destination)},"distance_km":{value(leg.distance_km)},'
            f'"emission_class":{text(leg.emission_class)},"enabled":{value(leg.enabled)},'
            f'"estimate":{found[2]},"feature_type":"service_leg","id":{text(leg.id)},'
            f'"max_dwt":{value(leg.max_dwt)},"mode":{shared(leg.mode, _enum)},'
            f'"notes":{value(leg.notes)},"operator":{text(leg.operator)},'
            f'"operator_zh":{value(leg.operator_zh)},'
            f'"origin":{text(leg.origin)},"provenance":'
        )
        tail = (
            f',"sanction":{"null" if sanction is None else ENCODER.encode(sanction.to_data())},'
            f'"seq":{value(leg.seq)},"service":{text(leg.service)},'
            f'"service_name":{value(leg.service_name)},'
            f'"source":{shared(leg.source, _listed)},"status":{shared(leg.status, _enum)},'
            f'"tags":{shared(leg.tags, _sorted)},"tariff":{shared(leg.tariff, _listed)},'
            f'"transit_hours":{value(leg.transit_hours)},'
            f'"valid_from":{"null" if valid_from is None else value(valid_from.isoformat())},'
            f'"valid_to":{"null" if valid_to is None else value(valid_to.isoformat())}}}'
        )
        return b"".join((head.encode(), found[1], tail.encode()))

    def _shared_text(self, item: Any, encode: Callable[[Any], str]) -> str:
        table = self._shared.get(encode)
        if table is None:
            table = self._shared[encode] = {}
        found = table.get(id(item))
        if found is None:
            if len(table) >= _SHARED:  # values that are not shared: keep the table small
                table.clear()
            found = table[id(item)] = (item, encode(item))
        return found[1]


def _value(value: object) -> str:
    """The canonical text of a scalar: a string, number, true/false or null."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)  # type: ignore[arg-type]
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):  # type: ignore[arg-type]
        return float.__repr__(value)
    return ENCODER.encode(value)


def _enum(member: Any) -> str:
    return _value(member.value)


def _sorted_values(members: Iterable[Any]) -> str:
    return ENCODER.encode(sorted(member.value for member in members))


def _sorted(members: Iterable[str]) -> str:
    return ENCODER.encode(sorted(members))


def _listed(members: Iterable[str]) -> str:
    return ENCODER.encode(list(members))


def _coordinates(line: tuple[tuple[float, float], ...]) -> str:
    return "".join(_encode_parts(line, 0))


def _data(item: Any) -> str:
    return ENCODER.encode(item.to_data())


def _timetable(timetable: Any) -> str:
    return ENCODER.encode(timetable.to_data())


def _provenance(provenance: Mapping[str, Provenance]) -> str:
    return ENCODER.encode({name: entry.to_data() for name, entry in provenance.items()})
