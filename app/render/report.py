"""A study's outputs for people and spreadsheets: the HTML report, flows as GeoJSON, CSV tables.

The report is one self-contained HTML page: charts and flow maps are inline SVG drawn here, so
it opens offline, prints, and can be mailed as a file. Every figure comes from the study result;
the page states the study's parameters and the demand matrix it ran on.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from html import escape
from typing import Any

from app.render.palette import MODE_COLOURS
from app.render.report_words import ZH, Language, Words, words_for
from graph import Network
from solvers.study.compare import HEADLINES, NEGLIGIBLE

#: West, east, south, north of the flow maps: western China, the Gulf and ASEAN.
MAP_FRAME = (95.0, 125.0, -8.0, 36.0)
SCENARIO_COLOURS = ["#34495e", "#e67e22", "#8e44ad", "#16a085", "#c0392b", "#2980b9"]


class Table(StrEnum):
    """The CSV tables a study exports."""

    TOTALS = "totals"
    PAIRS = "pairs"
    LEGS = "legs"
    PORTS = "ports"
    GATEWAYS = "gateways"
    CORRIDORS = "corridors"
    SERVICES = "services"
    MODAL_SPLIT = "modal_split"
    ROUTE_CHANGES = "route_changes"
    WATER_TO_SEA = "water_to_sea"
    CALIBRATION = "calibration"


NetworkFor = Callable[[Mapping[str, Any]], Network]


# ---------------------------------------------------------------------- tables


def table_rows(result: Mapping[str, Any], table: Table) -> list[dict[str, Any]]:
    """Rows of one export table, every scenario and assignment, flattened for CSV."""
    rows: list[dict[str, Any]] = []
    if table == "route_changes":
        for comparison in result["comparisons"]:
            for change in comparison["route_changes"]:
                rows.append(
                    {
                        "reference": comparison["reference"],
                        "scenario": comparison["scenario"],
                        **change,
                    }
                )
        return rows
    for part in result["scenarios"]:
        if table == "water_to_sea":
            for row in part["water_to_sea"]:
                rows.append({"scenario": part["label"], **row, "calls": " ".join(row["calls"])})
            continue
        for assignment, outcome in part["outcomes"].items():
            head = {"scenario": part["label"], "assignment": assignment}
            if table == "totals":
                rows.append({**head, **outcome["totals"]})
            elif table == "modal_split":
                for mode, split in outcome["modal_split"].items():
                    rows.append({**head, "mode": mode, **split})
            else:
                for row in outcome[table]:
                    flat = {k: " ".join(v) if isinstance(v, list) else v for k, v in row.items()}
                    rows.append({**head, **flat})
    return rows


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as CSV with a header (the union of their keys, in first-seen order)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# ---------------------------------------------------------------------- GeoJSON


def flows_geojson(
    result: Mapping[str, Any],
    network_for: NetworkFor,
    scenario: str | None = None,
    assignment: str | None = None,
) -> dict[str, Any]:
    """Flow per leg per scenario as a FeatureCollection (LineStrings in lon/lat)."""
    features = []
    for part in result["scenarios"]:
        if scenario is not None and part["label"] != scenario:
            continue
        network = network_for(part)
        for name, outcome in part["outcomes"].items():
            if assignment is not None and name != assignment:
                continue
            for row in outcome["legs"]:
                leg = network.legs.get(row["leg"])
                if leg is None:
                    continue
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [list(point) for point in leg.geometry],
                        },
                        "properties": {"scenario": part["label"], "assignment": name, **row},
                    }
                )
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------- HTML


def render_report(
    result: Mapping[str, Any], network_for: NetworkFor, language: Language = "en"
) -> str:
    """The study as one HTML page, in ``language``."""
    assignment = result["assignment"]
    parts = result["scenarios"]
    w = words_for(language, network_for(parts[0]))
    labels = [w.label(p["label"]) for p in parts]
    outcomes = [p["outcomes"][assignment] for p in parts]
    params = result["parameters"]
    demand = result["demand"]
    meta = w(
        "Demand: {demand} — {pairs} pairs, {teu} TEU/year. Value of time {vot} CNY per TEU-hour; "
        "carbon price {co2} CNY/t; study year from {start} ({days} days). "
        "Assignment shown: {assignment}.",
        demand=f"<b translate=no>{escape(str(demand.get('name')))}</b>",
        pairs=demand.get("pairs"),
        teu=_n(demand.get("total_teu", 0)),
        vot=f"{params['value_of_time']:g}",
        co2=f"{params['co2_price']:g}",
        start=escape(params["start"]),
        days=params["days"],
        assignment=f"<b>{escape(w(assignment.replace('_', ' ')))}</b>",
    )
    body: list[str] = [
        f"<h1 translate=no>{escape(result['name'])}</h1>",
        f"<p class=meta>{meta}</p>",
        f"<h2>{w('Scenarios side by side')}</h2>",
        _totals_table(labels, outcomes, parts, w),
        _calibration_section(result.get("calibration"), labels, outcomes, w),
        "<div class=charts>",
        _bars(
            w("Mean cost, CNY per TEU"),
            labels,
            [o["totals"]["mean_cost_cny_per_teu"] for o in outcomes],
        ),
        _bars(
            w("Mean transit, hours"), labels, [o["totals"]["mean_transit_hours"] for o in outcomes]
        ),
        _bars(w("CO2e, kg per TEU"), labels, [o["totals"]["co2e_kg_per_teu"] for o in outcomes]),
        "</div>",
        f"<h2>{w('Modal split (TEU-km)')}</h2>",
        _stacked(labels, [o["modal_split"] for o in outcomes], w),
        f"<h2>{w('Water distance to the sea')}</h2>",
        _water_table(parts, w),
        _grouped(
            "ports",
            w("Port throughput (TEU loaded on and discharged from ships and barges)"),
            labels,
            outcomes,
            "location",
            w,
        ),
        _grouped(
            "gateways",
            w("Gateways (where exports board their first ship, imports leave their last)"),
            labels,
            outcomes,
            "location",
            w,
        ),
        _grouped("corridors", w("Corridors"), labels, outcomes, "corridor", w),
        f"<h2>{w('Price and time per origin-destination pair')}</h2>",
        _scatter(labels, outcomes, w),
        f"<h2>{w('Flows')}</h2>",
        "<div class=maps>",
        *(
            _flow_map(label, p["outcomes"][assignment], network_for(p), w)
            for label, p in zip(labels, parts, strict=True)
        ),
        "</div>",
        f"<h2>{w('Capacity: utilisation and shadow prices')}</h2>",
        *(
            _capacity_table(label, p["outcomes"][assignment], w)
            for label, p in zip(labels, parts, strict=True)
        ),
        f"<h2>{w('What changes against the first scenario')}</h2>",
        *(_comparison(c, w) for c in result["comparisons"]),
    ]
    for label, outcome in zip(labels, outcomes, strict=True):
        if outcome["unreachable"]:
            said = w(
                "{label}: {pairs} pairs ({teu} TEU) have no route at all.",
                label=escape(label),
                pairs=len(outcome["unreachable"]),
                teu=_n(outcome["totals"]["unreachable_teu"]),
            )
            body.append(f"<p class=warn>{said}</p>")
    return _PAGE.format(
        lang=w.html_lang,
        title=w("{title} — Corridor study", title=escape(result["name"])),
        body="\n".join(body),
        footer=w(
            "Generated by Corridor. Costs are fee-catalogue prices per 20-ft box (estimates "
            "where the catalogue marks them); see data/README.md for sources and gaps."
        ),
    )


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _calibration_section(
    calibration: Mapping[str, Any] | None,
    labels: Sequence[str],
    outcomes: Sequence[Mapping[str, Any]],
    w: Words,
) -> str:
    """The base year against its published volumes, each scenario's modelled value beside.

    The targets' names, gaps and the method are data/base_year.toml's own words (English).
    """
    if not calibration:
        return ""
    modelled = [{r["target"]: r for r in o.get("calibration") or []} for o in outcomes]
    rows = []
    for row in calibration["rows"]:
        cells = "".join(
            f"<td>{_n(m[row['target']]['modelled_teu'])}</td>"
            if row["target"] in m
            else "<td></td>"
            for m in modelled
        )
        flag = "" if row["within"] else " class=warn"
        rows.append(
            f"<tr><td lang=en>{escape(row['name'])}</td><td>{w(row['role'])}</td>"
            f"<td>{_n(row['published_teu'])}</td>{cells}"
            f"<td{flag}>{row['difference'] * 100:+.1f} %</td><td>±{row['tolerance'] * 100:g} %</td>"
            f"<td>{escape(', '.join(row['source']))}</td></tr>"
        )
    errors = "; ".join(
        f"{w(name)} {calibration[key]:.3f}"
        for name, key in (("fit targets", "fit_error"), ("held-out targets", "check_error"))
        if calibration.get(key) is not None
    )
    gaps = "".join(
        f"<p class=warn lang=en>{escape(row['name'])}: {escape(row['gap'])}</p>"
        for row in calibration["rows"]
        if row.get("gap")
    )
    share = (
        calibration["unserved_teu"] / calibration["demand_teu"] if calibration["demand_teu"] else 0
    )
    method = (
        f" <span lang=en>{escape(calibration['method'])}</span>"
        if calibration.get("method")
        else ""
    )
    heads = "".join(f"<th translate=no>{escape(label)}</th>" for label in labels)
    said = w(
        "The reference scenario ({scenario}) against the published volumes of "
        "data/base_year.toml, at a value of time of {vot} CNY per TEU-hour (calibrated: "
        "{calibrated}).",
        scenario=escape(w.label(calibration["scenario"])),
        vot=f"{calibration['value_of_time']:g}",
        calibrated=calibration.get("calibrated_value_of_time"),
    )
    said += method + " " + w("Root mean square log error: {errors}.", errors=errors)
    said += " " + w(
        "Unserved in the reference: {unserved} of {demand} TEU ({share}).",
        unserved=_n(calibration["unserved_teu"]),
        demand=_n(calibration["demand_teu"]),
        share=f"{share:.1%}",
    )
    return (
        f"<h2>{w('Base year {year}: calibration', year=calibration.get('year') or '')}</h2>"
        f"<p>{said}</p>"
        f"<table><tr><th>{w('Target')}</th><th>{w('Role')}</th><th>{w('Published TEU')}</th>"
        f"{heads}<th>{w('Difference (reference)')}</th><th>{w('Tolerance')}</th>"
        f"<th>{w('Source')}</th></tr>{''.join(rows)}</table>{gaps}"
    )


def _totals_table(
    labels: Sequence[str], outcomes: Sequence[Mapping[str, Any]], parts: Sequence[Any], w: Words
) -> str:
    rows = [
        ("Served TEU", "served_teu", _n),
        ("Unserved TEU (capacity)", "unserved_teu", _n),
        ("Unreachable TEU", "unreachable_teu", _n),
        ("Cost, million CNY", "cost_cny", lambda v: f"{v / 1e6:,.1f}"),
        ("Mean cost, CNY/TEU", "mean_cost_cny_per_teu", _n),
        ("Mean transit, hours", "mean_transit_hours", lambda v: f"{v:,.1f}"),
        ("CO2e, t", "co2e_t", _n),
        ("CO2e, kg/TEU", "co2e_kg_per_teu", _n),
        ("Generalized cost, million CNY", "generalized_cost_cny", lambda v: f"{v / 1e6:,.1f}"),
    ]
    head = "".join(f"<th translate=no>{escape(label)}</th>" for label in labels)
    lines = [f"<table><tr><th></th>{head}</tr>"]
    for title, key, fmt in rows:
        cells = "".join(f"<td>{fmt(o['totals'][key])}</td>" for o in outcomes)
        lines.append(f"<tr><th>{w(title)}</th>{cells}</tr>")
    versions = "".join(f"<td><code>{escape(p['network_version'])}</code></td>" for p in parts)
    lines.append(f"<tr><th>{w('Network version')}</th>{versions}</tr></table>")
    return "".join(lines)


def _bars(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    width, bar, gap, left = 320, 18, 8, 110
    top = max(values, default=0) or 1
    height = len(values) * (bar + gap) + 30
    parts = [
        f'<svg class=chart width="{width + 60}" height="{height}" role="img">'
        f"<title>{escape(title)}</title>"
        f'<text x="0" y="14" class=ct>{escape(title)}</text>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 24 + i * (bar + gap)
        w = (width - left) * value / top
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" translate="no">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" '
            f'fill="{SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 13}">{_n(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _stacked(
    labels: Sequence[str], splits: Sequence[Mapping[str, Mapping[str, float]]], w: Words
) -> str:
    width, bar, left = 520, 22, 110
    height = len(labels) * (bar + 10) + 40
    parts = [
        f'<svg class=chart width="{width + 20}" height="{height}" role="img">'
        f"<title>{w('Modal split by TEU-km')}</title>"
    ]
    for i, (label, split) in enumerate(zip(labels, splits, strict=True)):
        y = 6 + i * (bar + 10)
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" translate="no">'
            f"{escape(label)}</text>"
        )
        x = float(left)
        for mode, colour in MODE_COLOURS.items():
            share = split.get(mode, {}).get("share", 0.0)
            width_of = (width - left) * share
            if width_of > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{width_of:.1f}" height="{bar}" '
                    f'fill="{colour}"><title>{w.mode(mode)}: {share:.1%}</title></rect>'
                )
                if width_of > 34:
                    parts.append(
                        f'<text x="{x + 3:.1f}" y="{y + 15}" fill="white">{share:.0%}</text>'
                    )
            x += width_of
    y = len(labels) * (bar + 10) + 20
    x = float(left)
    for mode, colour in MODE_COLOURS.items():
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y + 10}">{w.mode(mode)}</text>'
        )
        x += 70
    parts.append("</svg>")
    return "".join(parts)


def _grouped(
    table: str,
    title: str,
    labels: Sequence[str],
    outcomes: Sequence[Mapping[str, Any]],
    key: str,
    w: Words,
) -> str:
    """Heading ``title`` over grouped horizontal bars: the top rows of ``table`` by scenario."""
    totals: dict[str, float] = {}
    names: dict[str, str] = {}
    for outcome in outcomes:
        for row in outcome[table]:
            totals[row[key]] = totals.get(row[key], 0.0) + row["teu"]
            english = str(row.get("name", row[key])).split(" (")[0]
            names[row[key]] = (
                w.corridor(english) if key == "corridor" else w.place(row[key], english)
            )
    top = sorted(totals, key=lambda k: -totals[k])[:10]
    if not top:
        return f"<h2>{title}</h2><p>{w('None.')}</p>"
    values = {(i, row[key]): row["teu"] for i, o in enumerate(outcomes) for row in o[table]}
    peak = max(values.values(), default=1.0) or 1.0
    bar, left, width = 10, 300, 680
    group = bar * len(outcomes) + 8
    height = len(top) * group + 30
    parts = [
        f"<h2>{title}</h2>"
        f'<svg class=chart width="{width + 80}" height="{height}" role="img">'
        f"<title>{title}</title>"
    ]
    for j, name in enumerate(top):
        y = j * group + 4
        parts.append(
            f'<text x="{left - 6}" y="{y + group / 2}" text-anchor="end">'
            f"{escape(str(names[name]))[:48]}</text>"
        )
        for i in range(len(outcomes)):
            value = values.get((i, name), 0.0)
            length = (width - left) * value / peak
            tip = w("{label}: {teu} TEU", label=escape(labels[i]), teu=_n(value))
            parts.append(
                f'<rect x="{left}" y="{y + i * bar}" width="{length:.1f}" height="{bar - 1}" '
                f'fill="{SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]}">'
                f"<title>{tip}</title></rect>"
                f'<text x="{left + length + 3:.1f}" y="{y + i * bar + 9}" class=small>'
                f"{_n(value)}</text>"
            )
    parts.append(_legend(labels, 0, height - 14))
    parts.append("</svg>")
    return "".join(parts)


def _legend(labels: Sequence[str], x: float, y: float) -> str:
    out = []
    for i, label in enumerate(labels):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        out.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y + 10}" translate="no">{escape(label)}</text>'
        )
        x += 20 + 8 * len(label)
    return "".join(out)


def _scatter(labels: Sequence[str], outcomes: Sequence[Mapping[str, Any]], w: Words) -> str:
    points = [
        (i, p["hours"], p["cost_cny_per_teu"], f"{p['origin']}→{p['destination']}")
        for i, o in enumerate(outcomes)
        for p in o["pairs"]
        if p["hours"] is not None and p["cost_cny_per_teu"] is not None
    ]
    if not points:
        return f"<p>{w('No pairs served.')}</p>"
    width, height, pad = 640, 360, 50
    max_h = max(p[1] for p in points) * 1.05 or 1
    max_c = max(p[2] for p in points) * 1.05 or 1
    parts = [
        f'<svg class=chart width="{width + 20}" height="{height + 40}" role="img">'
        f"<title>{w('Cost per TEU against transit hours, each pair')}</title>"
        f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#999"/>'
        f'<line x1="{pad}" y1="10" x2="{pad}" y2="{height}" stroke="#999"/>'
        f'<text x="{width / 2}" y="{height + 30}">'
        f"{w('transit, hours (max {max})', max=_n(max_h))}</text>"
        f'<text x="4" y="20">{w("CNY/TEU (max {max})", max=_n(max_c))}</text>'
    ]
    for i, hours, cost, name in points:
        x = pad + (width - pad) * hours / max_h
        y = height - (height - 10) * cost / max_c
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        tip = w(
            "{label} {pair}: {cost} CNY, {hours} h",
            label=escape(labels[i]),
            pair=escape(name),
            cost=_n(cost),
            hours=f"{hours:.0f}",
        )
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}" '
            f'fill-opacity="0.6"><title>{tip}</title></circle>'
        )
    parts.append(_legend(labels, pad, height + 6))
    parts.append("</svg>")
    return "".join(parts)


def _flow_map(label: str, outcome: Mapping[str, Any], network: Network, w: Words) -> str:
    """Legs drawn by flow over the region the flow covers (equirectangular, scaled by latitude)."""
    loaded = [row for row in outcome["legs"] if row["teu"] > 0 and row["leg"] in network.legs]
    if not loaded:
        said = w("{label}: no flow", label=escape(label))
        return f"<figure><figcaption>{said}</figcaption></figure>"
    # the corridor's region: long-haul lines run off the frame (the GeoJSON has them whole)
    west, east, south, north = MAP_FRAME
    scale_x = math.cos(math.radians((north + south) / 2))
    width, pad = 560.0, 10.0
    k = (width - 2 * pad) / ((east - west) * scale_x)
    height = (north - south) * k + 2 * pad

    def projected(lon: float, lat: float) -> tuple[float, float]:
        return pad + (lon - west) * scale_x * k, pad + (north - lat) * k

    def xy(lon: float, lat: float) -> str:
        x, y = projected(lon, lat)
        return f"{x:.1f},{y:.1f}"

    peak = max(row["teu"] for row in loaded)
    parts = [
        f'<figure><svg class=map width="{width:.0f}" height="{height:.0f}" role="img">'
        f"<title>{w('Flows, {label}', label=escape(label))}</title>"
    ]
    for row in sorted(loaded, key=lambda r: r["teu"]):
        leg = network.legs[row["leg"]]
        stroke = 0.6 + 7 * math.sqrt(row["teu"] / peak)
        dashed = ' stroke-dasharray="6 3"' if row["mode"] == "canal" else ""
        tip = w("{leg}: {teu} TEU", leg=escape(row["leg"]), teu=_n(row["teu"]))
        if row["utilisation"] is not None:
            tip += w(", {share} of capacity", share=f"{row['utilisation']:.0%}")
        parts.append(
            f'<polyline points="{" ".join(xy(*pt) for pt in leg.geometry)}" fill="none" '
            f'stroke="{MODE_COLOURS.get(row["mode"], "#444")}" stroke-width="{stroke:.1f}" '
            f'stroke-opacity="0.75" stroke-linecap="round"{dashed}>'
            f"<title>{tip}</title></polyline>"
        )
    ends = {network.legs[row["leg"]].origin for row in loaded} | {
        network.legs[row["leg"]].destination for row in loaded
    }
    for loc_id in sorted(ends):
        loc = network.locations[loc_id]
        x, y = projected(loc.lon, loc.lat)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#222">'
            f"<title>{escape(w.place(loc.id, loc.name))}</title></circle>"
        )
    modes = ", ".join(
        f'<span style="color:{c}">{w.mode(m)}</span>' for m, c in MODE_COLOURS.items()
    )
    caption = w(
        "{label} — line width ∝ √TEU; colours by mode: {modes}; the canal dashed.",
        label=escape(label),
        modes=modes,
    )
    parts.append(f"</svg><figcaption>{caption}</figcaption></figure>")
    return "".join(parts)


def _capacity_table(label: str, outcome: Mapping[str, Any], w: Words) -> str:
    binding = sorted(
        (r for r in outcome["legs"] if r["shadow_price_cny_per_teu"]),
        key=lambda r: -r["shadow_price_cny_per_teu"],
    )
    busiest = sorted(
        (r for r in outcome["legs"] if r["utilisation"] is not None and r["teu"] > 0),
        key=lambda r: -r["utilisation"],
    )[:10]
    rows = "".join(
        f"<tr><td>{escape(r['leg'])}</td><td>{escape(r['origin'])}→{escape(r['destination'])}"
        f"</td><td>{w.mode(r['mode'])}</td><td>{_n(r['teu'])}</td>"
        f"<td>{_n(r['capacity_teu'] or 0)}</td><td>{r['utilisation']:.0%}</td>"
        f"<td>{(r['shadow_price_cny_per_teu'] or 0):,.1f}</td></tr>"
        for r in _unique(binding + busiest)
    )
    said = w(
        "{count} binding capacities (shadow price > 0: what one more TEU of yearly capacity "
        "there would save, CNY).",
        count=len(binding),
    )
    heads = "".join(
        f"<th>{w(h)}</th>"
        for h in ("Leg", "From→to", "Mode", "TEU", "Capacity", "Used", "Shadow price")
    )
    return (
        f"<h3 translate=no>{escape(label)}</h3><p>{said}</p><table><tr>{heads}</tr>{rows}</table>"
    )


def _unique(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    seen: set[str] = set()
    out = []
    for row in rows:
        if row["leg"] not in seen:
            seen.add(row["leg"])
            out.append(row)
    return out


def _water_table(parts: Sequence[Mapping[str, Any]], w: Words) -> str:
    ports = {row["location"]: row["name"] for p in parts for row in p["water_to_sea"]}
    head = "".join(f"<th translate=no>{escape(w.label(p['label']))}</th>" for p in parts)
    lines = [f"<table><tr><th>{w('From')}</th>{head}</tr>"]
    for loc_id, name in ports.items():
        cells = []
        for part in parts:
            row = next((r for r in part["water_to_sea"] if r["location"] == loc_id), None)
            if row is None or row["km"] is None:
                cells.append("<td>—</td>")
            else:
                reach = w("{km} km to {port}", km=f"{row['km']:,.0f}", port=w.place(row["to"]))
                cells.append(
                    f"<td>{escape(reach)}<br><small>{escape(' → '.join(row['calls']))}</small></td>"
                )
        lines.append(f"<tr><th>{escape(w.place(loc_id, name))}</th>{''.join(cells)}</tr>")
    lines.append("</table>")
    return "".join(lines)


def _comparison(comparison: Mapping[str, Any], w: Words) -> str:
    changes = comparison["route_changes"]
    shift = [r for r in comparison["gateway_shift"] if abs(r["change_teu"]) > 0.5][:12]
    shift_rows = "".join(
        f"<tr><td>{escape(w.place(r['location'], str(r['name'])))}</td>"
        f"<td>{_n(r['reference_teu'])}</td><td>{_n(r['scenario_teu'])}</td>"
        f"<td>{r['change_teu']:+,.0f}</td></tr>"
        for r in shift
    )
    change_rows = "".join(
        f"<tr><td>{escape(c['origin'])}→{escape(c['destination'])}</td><td>{_n(c['teu'])}</td>"
        f"<td><small>{escape(c['route_before'])}</small></td>"
        f"<td><small>{escape(c['route_after'])}</small></td>"
        f"<td>{_fmt(c['cost_cny_per_teu_before'])} → {_fmt(c['cost_cny_per_teu_after'])}</td>"
        f"<td>{_fmt(c['hours_before'])} → {_fmt(c['hours_after'])}</td></tr>"
        for c in sorted(changes, key=lambda c: -c["teu"])[:40]
    )
    explained = "".join(f"<li>{escape(line)}</li>" for line in _explanation(comparison, w))
    title = w(
        "{scenario} against {reference}",
        scenario=escape(w.label(comparison["scenario"])),
        reference=escape(w.label(comparison["reference"])),
    )
    moved = w(
        "{pairs} pairs ({teu} TEU) change their main route.",
        pairs=len(changes),
        teu=_n(comparison["route_changes_teu"]),
    )
    shift_heads = "".join(
        f"<th>{w(h)}</th>" for h in ("Gateway", "Before, TEU", "After, TEU", "Change")
    )
    change_heads = "".join(
        f"<th>{w(h)}</th>"
        for h in ("Pair", "TEU", "Route before", "Route after", "CNY/TEU", "Hours")
    )
    return (
        f"<h3 translate=no>{title}</h3>"
        f"<ul class=explain>{explained}</ul>{_sensitivity(comparison.get('sensitivity') or [], w)}"
        f"<p>{moved}</p><table><tr>{shift_heads}</tr>{shift_rows}</table>"
        f"<table><tr>{change_heads}</tr>{change_rows}</table>"
    )


def _explanation(comparison: Mapping[str, Any], w: Words) -> list[str]:
    """What changed, in sentences, largest first.

    In English the comparison's own sentences; in 中文 its headline totals and gateway moves
    written here (the route-change table beside them holds the moves behind them).
    """
    if w.language == "en":
        return list(comparison.get("explanation", []))
    lines = []
    for key, what, unit, _ in HEADLINES:
        total = comparison["totals"][key]
        before, change = total["reference"], total["change"]
        if (before and abs(change / before) < NEGLIGIBLE) or (not before and not change):
            lines.append(
                w(
                    "{what}: no change ({before} {unit}).",
                    what=w(what),
                    before=_n(before),
                    unit=w(unit),
                )
            )
            continue
        direction = "up" if change > 0 else "down"
        lines.append(
            w(
                f"{{what}} {direction} {{change}} {{unit}}{{share}}, to {{after}}.",
                what=w(what),
                change=f"{abs(change):,.1f}",
                unit=w(unit),
                share=f"（{change / before:+.1%}）" if before else "",
                after=f"{before + change:,.1f}",
            )
        )
    moved = [g for g in comparison["gateway_shift"] if abs(g["change_teu"]) >= 0.5][:4]
    if moved:
        moves = "；".join(
            f"{w.place(g['location'], g['name'])} {g['change_teu']:+,.0f} TEU "
            f"（{g['reference_teu']:,.0f} → {g['scenario_teu']:,.0f}）"
            for g in moved
        )
        lines.append(w("Gateways: {moves}.", moves=moves))
    return lines


def _indicator(text: str, w: Words) -> str:
    """A sensitivity row's conclusion in the report's language.

    ``mean cost (CNY per TEU)`` or ``gateway Qinzhou Port (TEU)``.
    """
    if w.language == "en":
        return text
    what, _, unit = text.removesuffix(")").rpartition(" (")
    if what.startswith("gateway "):
        name = what.removeprefix("gateway ")
        what = w("gateway {name}", name=w.place(name))
    else:
        what = w(what)
    return w("{what} ({unit})", what=what, unit=w(unit) if unit in ZH else unit)


def _sensitivity(rows: Sequence[Mapping[str, Any]], w: Words) -> str:
    """Each conclusion's change at the calibrated value of time and at the other factors."""
    if not rows:
        return ""
    factors = list(rows[0]["changes"])
    heads = "".join(f"<th>{w('value of time × {factor}', factor=escape(f))}</th>" for f in factors)
    body = "".join(
        f"<tr><td>{escape(_indicator(row['indicator'], w))}</td>"
        + "".join(f"<td>{row['changes'][f]:+,.1f}</td>" for f in factors)
        + f"<td{'' if row['robust'] else ' class=warn'}>{w('yes' if row['robust'] else 'no')}</td>"
        "</tr>"
        for row in rows
    )
    said = w(
        "Sensitivity: the change at other values of time; a conclusion is robust when its sign "
        "holds at all of them."
    )
    return (
        f"<p>{said}</p><table><tr><th>{w('Change in')}</th>{heads}<th>{w('Robust')}</th></tr>"
        f"{body}</table>"
    )


def _fmt(value: float | None) -> str:
    return "—" if value is None else _n(value)


_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1180px;color:#222}}
h1{{font-size:22px}} h2{{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}}
table{{border-collapse:collapse;margin:8px 0}} td,th{{padding:3px 8px;border:1px solid #ddd;
text-align:right}} th{{background:#f6f6f6}} td small{{color:#555}}
.meta{{color:#444}} .warn{{color:#a04000}} .charts{{display:flex;flex-wrap:wrap;gap:16px}}
svg text{{font-size:11px}} .ct{{font-weight:600;font-size:12px}} .small{{font-size:9px}}
.maps{{display:flex;flex-wrap:wrap;gap:12px}} figure{{margin:0}} .map{{background:#f4f8fb}}
</style></head><body>
{body}
<p class=meta>{footer}</p>
</body></html>
"""
