"""Scenarios against a reference: what changed, by how much and why, and whether it holds.

A comparison lines up two outcomes of one assignment (:class:`.indicators.ScenarioOutcome`):
the totals' differences, the TEU each gateway gains or loses, the pairs whose main route changes,
the pairs more or less of whose demand is left unserved, and an explanation in words — the size
and sign of each headline change, the moves behind it grouped by corridor with what they save
per TEU (the reason the flow moved), and for demand left unserved the full services on its route
and the pairs newly routed over them (who took the room). A sensitivity
run repeats the comparison at other values of time and says which conclusions keep their sign.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from solvers.study.indicators import ScenarioOutcome

#: The totals a conclusion is drawn on: key, words, unit, and whether more is better.
HEADLINES = (
    ("served_teu", "TEU served", "TEU", True),
    ("mean_cost_cny_per_teu", "mean cost", "CNY per TEU", False),
    ("mean_transit_hours", "mean transit", "hours", False),
    ("co2e_kg_per_teu", "CO2e", "kg per TEU", False),
)
#: Relative changes below this are reported as no change (flows move in whole routes; a study
#: re-solved at another value of time differs in the last digits).
NEGLIGIBLE = 0.001


def route_changes(base: ScenarioOutcome, other: ScenarioOutcome) -> list[dict[str, Any]]:
    """Pairs whose main route differs between two outcomes, with both routes side by side."""
    before = {(p["origin"], p["destination"], p["cargo_class"]): p for p in base.pairs}
    changes = []
    for pair in other.pairs:
        key = (pair["origin"], pair["destination"], pair["cargo_class"])
        old = before.get(key)
        if old is None or old["route"] == pair["route"]:
            continue
        changes.append(
            {
                "origin": key[0],
                "destination": key[1],
                "cargo_class": key[2],
                "teu": pair["teu"],
                "route_before": old["route"],
                "route_after": pair["route"],
                "gateway_before": old["gateway"],
                "gateway_after": pair["gateway"],
                "corridor_before": old["corridor"],
                "corridor_after": pair["corridor"],
                "cost_cny_per_teu_before": old["cost_cny_per_teu"],
                "cost_cny_per_teu_after": pair["cost_cny_per_teu"],
                "hours_before": old["hours"],
                "hours_after": pair["hours"],
            }
        )
    return changes


def _full(leg: Mapping[str, Any]) -> bool:
    """Whether a leg's capacity is used up: a positive shadow price, or loaded to capacity.

    The assignment serves the most TEU before it weighs cost, so a capacity that limits what is
    served can carry a zero shadow price (no cheaper route runs through it); it is still full.
    """
    utilisation = leg.get("utilisation")
    return bool(leg.get("shadow_price_cny_per_teu")) or (
        utilisation is not None and utilisation >= 1 - 1e-6
    )


def unserved_changes(base: ScenarioOutcome, other: ScenarioOutcome) -> list[dict[str, Any]]:
    """Pairs whose unserved TEU changes, largest change first.

    For each, the services on its main route that are full in ``other`` (:func:`_full`), and
    the pairs whose main route takes one of those services in ``other`` but did not in
    ``base``, with the TEU they carry on it.
    """
    before = {_pair_key(p): p for p in base.pairs}
    full = {row["service"] for row in other.legs if _full(row)}
    rows = []
    for pair in other.pairs:
        old = before.get(_pair_key(pair))
        if old is None:
            continue
        change = pair["unserved_teu"] - old["unserved_teu"]
        if abs(change) < 0.5:
            continue
        on_route = sorted(full.intersection(pair["services"]))
        newcomers = [
            {
                "origin": p["origin"],
                "destination": p["destination"],
                "cargo_class": p["cargo_class"],
                "teu": round(p["served_teu"] * (p["main_route_share"] or 0.0), 3),
            }
            for p in other.pairs
            if p is not pair
            and (was := before.get(_pair_key(p))) is not None
            and set(on_route).intersection(p["services"])
            and not set(on_route).intersection(was["services"])
        ]
        rows.append(
            {
                "origin": pair["origin"],
                "destination": pair["destination"],
                "cargo_class": pair["cargo_class"],
                "unserved_teu_before": old["unserved_teu"],
                "unserved_teu_after": pair["unserved_teu"],
                "change_teu": round(change, 3),
                "full_services": on_route,
                "newly_routed": sorted(newcomers, key=lambda n: -n["teu"]),
            }
        )
    return sorted(rows, key=lambda r: (-abs(r["change_teu"]), _pair_key(r)))


def _pair_key(pair: Mapping[str, Any]) -> tuple[str, str, str]:
    return pair["origin"], pair["destination"], pair["cargo_class"]


def shift(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]], key: str
) -> list[dict[str, Any]]:
    """TEU of each row (a gateway, a corridor) before and after, largest change first."""
    old = {row[key]: row for row in before}
    new = {row[key]: row for row in after}
    rows = []
    for name in sorted(old.keys() | new.keys()):
        a = old.get(name, {}).get("teu", 0.0)
        b = new.get(name, {}).get("teu", 0.0)
        label = (new.get(name) or old.get(name) or {}).get("name", name)
        rows.append(
            {
                key: name,
                "name": label,
                "reference_teu": a,
                "scenario_teu": b,
                "change_teu": round(b - a, 3),
            }
        )
    return sorted(rows, key=lambda r: (-abs(r["change_teu"]), r[key]))


def compare(
    reference: ScenarioOutcome, scenario: ScenarioOutcome, value_of_time: float | None = None
) -> dict[str, Any]:
    """The scenario against the reference: totals, gateway shift, route changes, explanation.

    ``value_of_time`` (CNY per TEU-hour) prices the hours a move saves in the explanation.
    """
    changes = route_changes(reference, scenario)
    unserved = unserved_changes(reference, scenario)
    totals = {
        key: {
            "reference": reference.totals[key],
            "scenario": scenario.totals[key],
            "change": round(scenario.totals[key] - reference.totals[key], 3),
        }
        for key in reference.totals
    }
    gateways = shift(reference.gateways, scenario.gateways, "location")
    return {
        "totals": totals,
        "gateway_shift": gateways,
        "route_changes": changes,
        "route_changes_teu": round(sum(c["teu"] for c in changes), 3),
        "unserved_changes": unserved,
        "explanation": explain(
            totals, gateways, changes, reference.legs, scenario.legs, value_of_time, unserved
        ),
    }


def explain(
    totals: Mapping[str, Mapping[str, float]],
    gateways: Sequence[Mapping[str, Any]],
    changes: Sequence[Mapping[str, Any]],
    legs_before: Sequence[Mapping[str, Any]] = (),
    legs_after: Sequence[Mapping[str, Any]] = (),
    value_of_time: float | None = None,
    unserved: Sequence[Mapping[str, Any]] = (),
) -> list[str]:
    """What changed and why, in sentences, largest first."""
    lines = [_headline(totals[key], words, unit) for key, words, unit, _ in HEADLINES]
    moved = [g for g in gateways if abs(g["change_teu"]) >= 0.5][:4]
    if moved:
        lines.append(
            "Gateways: "
            + "; ".join(
                f"{_short(g['name'])} {g['change_teu']:+,.0f} TEU "
                f"({g['reference_teu']:,.0f} → {g['scenario_teu']:,.0f})"
                for g in moved
            )
            + "."
        )
    lines += _moves(changes, value_of_time)
    lines += _unserved(unserved)
    lines += _capacity(legs_before, legs_after)
    return lines


def _headline(total: Mapping[str, float], words: str, unit: str) -> str:
    before, change = total["reference"], total["change"]
    title = words[0].upper() + words[1:]
    if (before and abs(change / before) < NEGLIGIBLE) or (not before and not change):
        return f"{title}: no change ({before:,.0f} {unit})."
    share = f" ({change / before:+.1%})" if before else ""
    direction = "up" if change > 0 else "down"
    return f"{title} {direction} {abs(change):,.1f} {unit}{share}, to {before + change:,.1f}."


def _short(name: str) -> str:
    """A place's name without its parenthesis ("Qinzhou Port (Dalanping, ...)")."""
    return name.split(" (")[0]


def _moves(changes: Sequence[Mapping[str, Any]], value_of_time: float | None) -> list[str]:
    """Route changes grouped by corridor before and after, with what a TEU saves on average."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for change in changes:
        groups[str(change["corridor_before"]), str(change["corridor_after"])].append(change)
    lines = []
    ranked = sorted(groups.items(), key=lambda item: -sum(c["teu"] for c in item[1]))
    for (before, after), moved in ranked[:5]:
        teu = sum(c["teu"] for c in moved)
        priced = [c for c in moved if c["cost_cny_per_teu_before"] and c["cost_cny_per_teu_after"]]
        weight = sum(c["teu"] for c in priced)
        why = ""
        if weight:
            cost = sum(
                c["teu"] * (c["cost_cny_per_teu_after"] - c["cost_cny_per_teu_before"])
                for c in priced
            )
            hours = sum(c["teu"] * (c["hours_after"] - c["hours_before"]) for c in priced)
            why = (
                f": per TEU {_signed(cost / weight, 'CNY')} and {_signed(hours / weight, 'hours')}"
                " on average"
            )
            if value_of_time:
                worth = value_of_time * hours / weight
                why += (
                    f" (the hours are worth {abs(worth):,.0f} CNY at {value_of_time:g} CNY per "
                    "TEU-hour)"
                )
        pairs = f"{len(moved)} pair{'s' if len(moved) != 1 else ''}"
        where = f"from {before} to {after}" if before != after else f"within {before}"
        lines.append(f"{teu:,.0f} TEU ({pairs}) move {where}{why}.")
    return lines


def _unserved(changes: Sequence[Mapping[str, Any]]) -> list[str]:
    """The largest changes of unserved demand, and who took the room where it grew."""
    lines = []
    for change in changes[:4]:
        line = (
            f"Unserved {'up' if change['change_teu'] > 0 else 'down'} "
            f"{abs(change['change_teu']):,.0f} TEU for {change['origin']} → "
            f"{change['destination']} ({change['cargo_class']}; "
            f"{change['unserved_teu_before']:,.0f} → {change['unserved_teu_after']:,.0f})"
        )
        if change["change_teu"] > 0 and change["full_services"]:
            full = ", ".join(change["full_services"])
            line += f": {full} {'is' if len(change['full_services']) == 1 else 'are'} full"
            taken = [n for n in change["newly_routed"] if n["teu"] >= 0.5][:3]
            if taken:
                line += ", now also carrying " + ", ".join(
                    f"{n['origin']} → {n['destination']} ({n['teu']:,.0f} TEU)" for n in taken
                )
        lines.append(line + ".")
    return lines


def _signed(value: float, unit: str) -> str:
    if abs(value) < 0.5:
        return f"no change in {unit}"
    return f"{abs(value):,.0f} {unit} {'more' if value > 0 else 'less'}"


def _capacity(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]) -> list[str]:
    """Capacities that start or stop binding (a positive shadow price)."""
    binding_before = {r["leg"] for r in before if r.get("shadow_price_cny_per_teu")}
    binding_after = {r["leg"] for r in after if r.get("shadow_price_cny_per_teu")}
    lines = []
    for legs, verb in (
        (binding_after - binding_before, "start"),
        (binding_before - binding_after, "stop"),
    ):
        if legs:
            count = f"{len(legs)} capacit{'ies' if len(legs) != 1 else 'y'}"
            verbs = verb if len(legs) != 1 else f"{verb}s"
            lines.append(f"{count} {verbs} binding: {', '.join(sorted(legs)[:8])}.")
    return lines


def robustness(
    calibrated: Mapping[str, Any], others: Mapping[float, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Whether each conclusion of a comparison keeps its sign at other values of time.

    ``calibrated`` is the comparison (:func:`compare`) at the study's value of time; ``others``
    the same comparison by the factor its value of time was multiplied by. A conclusion is a
    headline total's change or a gateway's gain or loss (the four largest at the calibrated
    value); it is robust when its sign is the same everywhere (no change counting as a sign).
    """
    rows = []
    for key, words, unit, _ in HEADLINES:
        changes = {1.0: _relative(calibrated["totals"][key])} | {
            factor: _relative(comparison["totals"][key]) for factor, comparison in others.items()
        }
        rows.append(_robust(f"{words} ({unit})", changes))
    for gateway in [g for g in calibrated["gateway_shift"] if abs(g["change_teu"]) >= 0.5][:4]:
        changes = {1.0: gateway["change_teu"]}
        for factor, comparison in others.items():
            found = next(
                (g for g in comparison["gateway_shift"] if g["location"] == gateway["location"]),
                None,
            )
            changes[factor] = found["change_teu"] if found else 0.0
        rows.append(_robust(f"gateway {_short(gateway['name'])} (TEU)", changes))
    return rows


def _relative(total: Mapping[str, float]) -> float:
    before, change = total["reference"], total["change"]
    if not before:
        return change
    return 0.0 if abs(change / before) < NEGLIGIBLE else change


def _robust(indicator: str, changes: Mapping[float, float]) -> dict[str, Any]:
    signs = {(value > 0) - (value < 0) for value in changes.values()}
    return {
        "indicator": indicator,
        "changes": {f"{factor:g}": round(value, 3) for factor, value in sorted(changes.items())},
        "robust": len(signs) == 1,
    }
