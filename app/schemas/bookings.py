"""Bookings of a quote's option and their through waybill."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    ID_PATTERN,
    JSONObject,
    Printable,
    ReferenceKey,
    ReferenceValue,
    Strict,
)
from app.schemas.quotes import LegPropertiesOut, OptionOut, PriceItemOut


class PartyIn(Strict):
    """A party to the waybill."""

    name: Printable = Field(min_length=1, max_length=200)
    address: Printable | None = Field(default=None, max_length=500)
    contact: Printable | None = Field(default=None, max_length=200)
    tax_id: Printable | None = Field(
        default=None, max_length=64, description="e.g. USCC or VAT id."
    )


class BookingIn(Strict):
    """Book one option of a quote."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "quote_id": "q_0123456789abcdef",
                    "option_id": "opt-1",
                    "shipper": {"name": "Chongqing Machinery Export Co."},
                    "consignee": {"name": "Singapore Distribution Pte Ltd"},
                    "references": {"po": "PO-2026-118"},
                }
            ]
        },
    )

    quote_id: str = Field(pattern=ID_PATTERN)
    option_id: str = Field(pattern=ID_PATTERN)
    shipper: PartyIn
    consignee: PartyIn
    references: dict[ReferenceKey, ReferenceValue] = Field(default_factory=dict, max_length=20)


class ReservationOut(BaseModel):
    """TEU held on one departure."""

    departure_key: str
    leg: str
    teu: float


class BookingOut(BaseModel):
    """A booking: one through waybill for the whole journey."""

    id: str
    quote_id: str
    option_id: str
    waybill_number: str
    status: Literal["confirmed", "cancelled"]
    teu: float
    shipper: JSONObject
    consignee: JSONObject
    references: dict[str, str]
    created_at: datetime
    cancelled_at: datetime | None
    network_version: str
    reservations: list[ReservationOut]
    option: OptionOut


class WaybillOut(BaseModel):
    """The through document (多式联运运单)."""

    waybill_number: str
    booking_id: str
    status: str
    issued_at: datetime
    carrier: str
    shipper: JSONObject
    consignee: JSONObject
    references: dict[str, str]
    place_of_receipt: str
    place_of_delivery: str
    place_names: dict[str, str] = Field(description="Each place code with its name.")
    cargo: JSONObject
    legs: list[LegPropertiesOut]
    eta: str = Field(
        description="When the box is available at the destination (local time): the booked "
        "option's arrival."
    )
    vehicle_arrival: str = Field(
        description="When the last vehicle reaches the destination terminal (local time)."
    )
    charges: list[PriceItemOut]
    total_cny: float
    total_usd: float
    co2e_kg: float
    network_version: str
