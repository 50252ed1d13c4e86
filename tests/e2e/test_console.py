"""The console in a real browser: Debian's headless Chromium driven by Playwright, against one
``corridor serve`` process on the real network shared by the module's tests.

Screenshots go to ``artifacts/console/``. Playwright's own browser downloads are not used: the
tests launch ``/usr/bin/chromium`` (``.ci/run`` installs it) and skip, saying so, without it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from tests.e2e.browsing import (
    ARTIFACTS,
    Console,
    Watched,
    assert_stayed_home,
    open_with_key,
    shot,
)

# the screen point halfway along the first leg whose middle is on the map, away from its edges
POINT_ON_A_LEG = """() => {
  const box = document.getElementById("map").getBoundingClientRect();
  for (const path of document.querySelectorAll(".leaflet-network-pane path")) {
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM();
    const x = p.x * m.a + p.y * m.c + m.e, y = p.x * m.b + p.y * m.d + m.f;
    if (x > box.left + 80 && x < box.right - 80 && y > box.top + 250 && y < box.bottom - 40) {
      return [x, y];
    }
  }
  return null;
}"""


# the pointer over the middle of the selected option's first leg (an event on the line itself:
# where lines cross, another pane's may lie on top)
HOVER_FIRST_SELECTED_LEG = """() => {
  const path = document.querySelector(".leaflet-routes-pane path.selected");
  const p = path.getPointAtLength(path.getTotalLength() / 2);
  const m = path.getScreenCTM();
  const x = p.x * m.a + p.y * m.c + m.e, y = p.x * m.b + p.y * m.d + m.f;
  path.dispatchEvent(new MouseEvent("mousemove", {clientX: x, clientY: y, bubbles: true}));
}"""


def point_on_a_leg(page: Page) -> tuple[float, float]:
    point = page.evaluate(POINT_ON_A_LEG)
    assert point, "no leg on the visible map"
    return point[0], point[1]


def test_the_network_map_loads_offline(page: tuple[Page, Watched], console: Console) -> None:
    view, watched = page
    open_with_key(view, console, console.forwarder)
    counts = view.locator("#network-counts")
    expect(counts).to_have_text(re.compile(r"\d+ locations, \d+ service legs"))
    legs = int(counts.inner_text().split(", ")[1].split()[0])
    # the basemap, every leg, and the planned legs (the Pinglu Canal) drawn dashed
    expect(view.locator(".leaflet-land-pane path")).to_have_count(2)
    assert view.locator(".leaflet-network-pane path").count() == legs > 150
    assert view.locator('.leaflet-network-pane path[stroke-dasharray="6 6"]').count() >= 1
    view.fill("#location-search", "钦州")
    found = view.locator("#location-results button").first
    expect(found).to_contain_text("CNQZH")
    found.click()
    expect(view.locator(".leaflet-places-pane .leaflet-tooltip, .leaflet-tooltip")).to_contain_text(
        "CNQZH"
    )
    # a service's timetable and capacity, then its dated departures from the API
    view.mouse.click(*point_on_a_leg(view))
    popup = view.locator(".service-popup")
    expect(popup).to_contain_text("Capacity per departure")
    expect(popup.locator("table.departures tr").first).to_be_visible()
    shot(view, "network")
    assert_stayed_home(watched, console)
    assert any("/v1/services/" in url and "/departures" in url for url in watched.requests)


def test_a_quote_is_drawn_billed_booked_and_relabelled(
    page: tuple[Page, Watched], console: Console
) -> None:
    view, watched = page
    open_with_key(view, console, console.forwarder)
    view.click("[data-view=quote]")
    view.fill("#quote-form input[name=origin]", "CNCQI-TJC")
    view.fill("#quote-form input[name=destination]", "THLCH")
    view.click("#quote-form button[type=submit]")
    expect(view.locator(".leaflet-routes-pane path.selected").first).to_be_attached()
    cards = view.locator("#quote-options .option")
    assert cards.count() >= 2
    for price in cards.locator("dd.price").all_text_contents():
        assert re.fullmatch(r"[\d,]+ CNY", price), price
    expect(view.locator(".option.selected .label.recommended")).to_have_text("recommended")
    bill = view.locator("#quote-bill table.bill")
    assert bill.locator("tr").count() >= 4  # header, items, total
    expect(bill.locator("tr.total")).to_contain_text("CNY")
    # every leg of every option is drawn, the selected one bold
    routes = view.locator(".leaflet-routes-pane path")
    assert routes.count() > view.locator(".leaflet-routes-pane path.selected").count() >= 2
    # a leg's tooltip names its service and places, not their codes
    view.evaluate(HOVER_FIRST_SELECTED_LEG)
    tooltip = view.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text(re.compile(r"^1\. .+ · Chongqing → "))
    assert "CNCQI-TJC" not in tooltip.inner_text()
    shot(view, "quote")

    second = cards.nth(1)
    second.click()
    expect(second).to_have_class(re.compile(r"\bselected\b"))
    # booking asks for both parties and a review before anything is booked
    view.click(".booking .book")
    for party in ("shipper", "consignee"):
        view.fill(f"[name='{party}.name']", f"The {party}")
        view.fill(f"[name='{party}.address']", f"The {party}'s address")
        view.fill(f"[name='{party}.contact']", f"The {party}'s phone")
    view.click(".booking .to-review")
    view.click(".booking .confirm")
    expect(view.locator(".booking .booked")).to_contain_text(re.compile(r"Booked: waybill \S+"))

    view.click("#language")
    expect(view.locator("[data-view=quote]")).to_have_text("报价")
    expect(view.locator("#quote-bill h3")).to_have_text("费用明细（一口价）")
    expect(view.locator("#quote-options .label.recommended")).to_have_text("推荐")
    expect(view.locator("#quote-form button[type=submit]")).to_have_text("询价")
    expect(view.locator(".booking .booked")).to_contain_text("已预订：运单")
    shot(view, "quote-zh")
    view.click("#language")  # the choice persists: leave the next test in English

    # ready today means ready now: no departure whose cut-off has passed is offered
    today = view.evaluate("() => new Date().toLocaleDateString('en-CA')")
    view.fill("#quote-form input[name=ready]", today)
    with view.expect_request(lambda r: r.url.endswith("/v1/quotes")) as sent:
        view.click("#quote-form button[type=submit]")
    ready = datetime.fromisoformat(json.loads(sent.value.post_data or "{}")["ready"])
    assert abs((ready - datetime.now(UTC)).total_seconds()) < 60
    expect(view.locator("#quote-status")).to_have_text(re.compile(r"\d+ options?|No option found"))
    assert_stayed_home(watched, console)


def test_a_study_compares_a_scenario_with_the_base(
    page: tuple[Page, Watched], console: Console
) -> None:
    view, watched = page
    open_with_key(view, console, console.planner)
    view.click("[data-view=study]")
    view.fill("#scenario-form input[name=name]", "Pinglu Canal open")
    view.click("#scenario-form button[type=submit]")
    expect(view.locator("#study-progress-text")).to_have_text("Saved: version 1")
    expect(view.locator("#scenario-picker")).to_contain_text("Pinglu Canal open (v1)")

    # a value of time out of range: the API's problem is shown by the field's label, in words
    view.fill("#study-form input[name=vot]", "200000")
    view.click("#study-form button[type=submit]")
    refused = view.locator("#study-problem")
    expect(refused).to_have_attribute("data-fields", "body.value_of_time_cny_per_teu_hour")
    expect(refused).to_contain_text("Value of time")
    expect(refused).to_contain_text("must be at most 100,000")

    # left empty, the study runs at the base year's calibrated value of time
    view.fill("#study-form input[name=vot]", "")
    view.click("#study-form button[type=submit]")
    results = view.locator("#study-results")
    expect(results.locator(".chart")).to_have_count(6, timeout=60_000)
    assert results.locator("svg rect.bar").count() >= 8
    expect(view.locator("#study-progress-text")).to_contain_text("finished · 100 %")
    expect(view.locator(".leaflet-flows-pane path").first).to_be_attached()
    expect(results.locator(".chart").first).to_contain_text("Pinglu Canal open")
    shot(view, "study")
    results.screenshot(path=ARTIFACTS / "study-charts.png")
    view.click("#language")
    expect(results.locator("figcaption").first).to_have_text("每 TEU 成本（元）")
    expect(view.locator("#study-progress-text")).to_contain_text("已完成")
    expect(results.locator(".chart").nth(4)).to_contain_text("海运")
    shot(view, "study-zh")
    view.click("#language")

    with view.expect_download() as download:
        results.locator("a[data-download=csv_totals]").click()
    saved = download.value.path()
    assert saved.read_text().splitlines()[0].startswith("scenario")
    assert results.locator("a[data-download=flows]").count() == 1
    assert_stayed_home(watched, console, "status of 422")
