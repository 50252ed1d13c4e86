"""The through waybill (多式联运运单) as a printable page.

Its document is made by :func:`app.services.bookings.waybill_document`.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any


def html(waybill: dict[str, Any]) -> str:
    """A printable page of the waybill (every value escaped)."""

    def cell(value: object) -> str:
        return f"<td>{escape(str(value))}</td>"

    def party(data: dict[str, Any]) -> str:
        return "<br>".join(escape(str(v)) for v in data.values() if v)

    names = waybill["place_names"]
    legs = "".join(
        "<tr>"
        + "".join(
            cell(value)
            for value in (
                leg["seq"],
                names.get(leg["from"], leg["from"]),
                names.get(leg["to"], leg["to"]),
                leg["mode"].capitalize(),
            )
        )
        + _operator_cell(leg)
        + "".join(
            cell(value)
            for value in (
                _service_name(leg),
                _local_time(leg["departure"]),
                _local_time(leg["arrival"]),
            )
        )
        + "</tr>"
        for leg in waybill["legs"]
    )
    references = "; ".join(f"{k}: {v}" for k, v in waybill["references"].items())
    charges = "".join(
        "<tr>"
        + "".join(
            cell(value)
            for value in (
                item["code"],
                item["description"],
                names.get(item["applies_to"], item["applies_to"]),
                f"{item['quantity']:g} {item['unit']}",
                f"{item['unit_price']:g} {item['currency']}",
                f"{item['amount_cny']:,.2f}",
            )
        )
        + "</tr>"
        for item in waybill["charges"]
    )
    number = escape(waybill["waybill_number"])
    status = "" if waybill["status"] == "confirmed" else f" — {escape(waybill['status']).upper()}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Waybill {number}</title>
<style>
body {{ font: 13px/1.4 system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; margin: 1em 0; }}
td, th {{ border: 1px solid #999; padding: 4px 6px; text-align: left; }}
.parties td {{ width: 50%; vertical-align: top; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>多式联运运单 Multimodal transport waybill {number}{status}</h1>
<p>Issued {escape(_local_time(str(waybill["issued_at"])))} by {escape(waybill["carrier"])}.
Network version {escape(waybill["network_version"])}.</p>
<table class="parties"><tr><th>Shipper 托运人</th><th>Consignee 收货人</th></tr>
<tr><td>{party(waybill["shipper"])}</td><td>{party(waybill["consignee"])}</td></tr></table>
<p>Place of receipt {escape(names[waybill["place_of_receipt"]])} — place of delivery
{escape(names[waybill["place_of_delivery"]])}. Cargo: {escape(_cargo_text(waybill["cargo"]))}.
Vehicle expected at destination: {escape(_local_time(waybill["vehicle_arrival"]))}; box available
(after handling and clearance): {escape(_local_time(waybill["eta"]))}; times are local at each
place, its offset from UTC given.</p>
<p>References: {escape(references) if references else "none"}.</p>
<h2>Legs</h2>
<table><tr><th>#</th><th>From</th><th>To</th><th>Mode</th><th>Operator 承运人</th><th>Service</th>
<th>Departure</th><th>Arrival</th></tr>{legs}</table>
<h2>Charges</h2>
<table><tr><th>Code</th><th>Description</th><th>Applies to</th><th>Quantity</th>
<th>Unit price</th><th>CNY</th></tr>{charges}
<tr><th colspan="5">Total (USD {waybill["total_usd"]:,.2f})</th>
<th>{waybill["total_cny"]:,.2f}</th></tr></table>
<p>CO2e (ISO 14083, well-to-wheel): {waybill["co2e_kg"]:,.1f} kg.</p>
</body></html>
"""


def _operator_cell(leg: dict[str, Any]) -> str:
    """The operator's name, and below it its Chinese name where the data gives another."""
    english = escape(str(leg["operator"]))
    chinese = leg.get("operator_zh")
    if not chinese or chinese == leg["operator"]:
        return f"<td>{english}</td>"
    return f'<td>{english}<br><span lang="zh">{escape(str(chinese))}</span></td>'


def _service_name(leg: dict[str, Any]) -> str:
    """``Beibu Gulf – Singapore daily public route (BG-SIN-DAILY)``, or the code if unnamed."""
    name = leg.get("service_name")
    return f"{name} ({leg['service']})" if name else str(leg["service"])


def _local_time(text: str) -> str:
    """``2026-12-15 Tue 20:00 UTC+08:00`` for ``2026-12-15T20:00:00.250+08:00``.

    The place's local minute, its weekday and its offset, the way the console writes times.
    """
    moment = datetime.fromisoformat(text).replace(second=0, microsecond=0)
    offset = moment.isoformat()[19:]  # "+08:00", or nothing for a time without a zone
    zone = f" UTC{offset}" if offset else ""
    return f"{moment:%Y-%m-%d %a %H:%M}{zone}"


def _cargo_text(cargo: dict[str, Any]) -> str:
    """``2 × 45G1, dry, 4 TEU`` (bulk: ``3,000 t bulk``), with weight and IMDG class if given."""
    if cargo.get("cargo_class") == "bulk":
        text = f"{cargo.get('bulk_tonnes', 0):,g} t bulk"
    else:
        text = f"{cargo.get('count', 1)} × {cargo.get('box', '42G1')}, "
        text += f"{cargo.get('cargo_class', 'dry')}, {cargo['teu']:g} TEU"
    if cargo.get("weight_t"):
        text += f", {cargo['weight_t']:g} t a box"
    if cargo.get("imdg"):
        text += f", IMDG class {cargo['imdg']}"
    return text
