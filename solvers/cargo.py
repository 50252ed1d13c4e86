"""Cargo: ISO 6346 size-type codes, box counts, weights and the cargo class.

ISO 6346 size-type codes have four characters: length (``2`` 20 ft, ``4`` 40 ft, ``L`` 45 ft),
height/width (``2`` 8'6", ``5`` 9'6" high cube ...), and a type group and detail (``G1`` general
purpose, ``R1`` integral reefer, ``U1`` open top, ``T`` tank ...). The length decides which
catalogue items apply and how many TEU a box counts for; the type group ``R`` makes the box a
reefer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph import CargoClass
from graph.tariffs import TEU_PER_BOX
from solvers.errors import InvalidRequest

_SIZE_TYPE = re.compile(
    r"^(?P<length>[24L])(?P<height>[0-9A-Z])(?P<group>[A-Z])(?P<detail>[0-9A-Z])$"
)
_LENGTH_FT = {"2": "20", "4": "40", "L": "45"}
#: IMDG classes 1 to 9 with their divisions, e.g. "3", "2.1", "6.1".
_IMDG = re.compile(r"^[1-9](\.[1-6])?$")


@dataclass(frozen=True, slots=True)
class Cargo:
    """What is shipped: ``count`` boxes of one ISO 6346 size-type, or bulk tonnes.

    Parameters
    ----------
    cargo_class
        dry, reefer, dangerous (give ``imdg_class``) or bulk (give ``bulk_tonnes``).
    size_type
        ISO 6346 size-type code such as ``22G1``, ``42G1``, ``45G1``, ``45R1``.
    count
        Number of boxes.
    gross_weight_t
        Gross weight per box in tonnes; ``None`` uses the payload convention of the emission
        factors (tonnes per TEU) for emissions.
    """

    cargo_class: CargoClass
    size_type: str | None = None
    count: int = 1
    gross_weight_t: float | None = None
    imdg_class: str | None = None
    bulk_tonnes: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.cargo_class is CargoClass.BULK:
            if self.bulk_tonnes is None or self.bulk_tonnes <= 0:
                problems.append(("bulk_tonnes", "bulk cargo needs a positive tonnage"))
            if self.size_type is not None:
                problems.append(("size_type", "bulk cargo has no container size-type"))
        else:
            match = _SIZE_TYPE.match(self.size_type or "")
            if match is None:
                problems.append(
                    ("size_type", f"{self.size_type!r} is not an ISO 6346 size-type like 42G1")
                )
            else:
                reefer_box = match["group"] == "R"
                if reefer_box != (self.cargo_class is CargoClass.REEFER):
                    problems.append(
                        (
                            "cargo_class",
                            f"{self.size_type} is {'a' if reefer_box else 'not a'} reefer box but "
                            f"the cargo class is {self.cargo_class}",
                        )
                    )
            if self.count < 1:
                problems.append(("count", "at least one box"))
            if self.gross_weight_t is not None and not 0 < self.gross_weight_t <= 40:
                problems.append(("gross_weight_t", "gross weight per box must be in (0, 40] t"))
            if self.bulk_tonnes is not None:
                problems.append(("bulk_tonnes", "only bulk cargo has a tonnage"))
        if self.cargo_class is CargoClass.DANGEROUS:
            if self.imdg_class is None or not _IMDG.match(self.imdg_class):
                problems.append(
                    ("imdg_class", "dangerous goods need an IMDG class such as 3 or 6.1")
                )
        elif self.imdg_class is not None:
            problems.append(("imdg_class", "only dangerous goods have an IMDG class"))
        if problems:
            raise InvalidRequest(problems)

    @property
    def box_size(self) -> str | None:
        """Nominal length in feet (``"20"``, ``"40"``, ``"45"``), ``None`` for bulk."""
        return _LENGTH_FT[self.size_type[0]] if self.size_type else None

    @property
    def boxes(self) -> int:
        """Boxes shipped (0 for bulk)."""
        return 0 if self.cargo_class is CargoClass.BULK else self.count

    @property
    def teu(self) -> float:
        """Twenty-foot equivalent units shipped (0 for bulk)."""
        size = self.box_size
        return TEU_PER_BOX[size] * self.count if size else 0.0

    def tonnes(self, payload_t_per_teu: float) -> float:
        """Gross tonnes shipped; the payload convention stands in for a missing weight."""
        if self.bulk_tonnes is not None:
            return self.bulk_tonnes
        if self.gross_weight_t is not None:
            return self.gross_weight_t * self.count
        return payload_t_per_teu * self.teu

    def __str__(self) -> str:
        if self.cargo_class is CargoClass.BULK:
            return f"{self.bulk_tonnes:g} t bulk"
        weight = f" {self.gross_weight_t:g} t each" if self.gross_weight_t else ""
        imdg = f" IMDG {self.imdg_class}" if self.imdg_class else ""
        return f"{self.count} x {self.size_type}{weight} {self.cargo_class}{imdg}"
