"""The console as a planner (and a forwarder) uses it, in Chromium at desktop and phone sizes:
the key checked before it is kept, the role's views, the tabs by keyboard, the map opening on the
corridor, the scenario builder, a study's delta table and difference flow map, a reload that
reopens the study, and the network and study views in 中文.

One study runs in this module (the planner's path); the phone reopens it rather than running
another. Screenshots go to ``artifacts/console/planner-*.png``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.browsing import (
    Console,
    Watched,
    assert_accessible,
    assert_stayed_home,
    open_with_key,
    shot,
)

# every visible text node under the selector, SVG text included, but for what the page marks as
# written in English elsewhere (lang=en: a data file's words) or as a name (translate=no)
VISIBLE_TEXTS = """(selector) => {
  const out = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      const parent = node.parentElement;
      if (!text || !parent || !parent.checkVisibility({visibilityProperty: true})) continue;
      if (parent.closest("option, script, style, title, [lang=en], [translate=no]")) continue;
      out.push(text);
    }
  }
  return out;
}"""

# what may stay in Latin letters in 中文: codes (places, services, network versions), units, file
# kinds and names, proper names without a Chinese one (the organisation, the map's attribution)
# and the switch back to English
LATIN_ALLOWED = re.compile(
    r"[A-Z]{2}[A-Z0-9-]{3,}|-\[[\w-]+\]->|\b[0-9a-f]{16}\b|TEU|CO2e|\bkg\b|JSON|API|CNY|UN/LOCODE|LOCODE|HTML|"
    r"GeoJSON|CSV|csv|cor_|make serve|Natural Earth|Leaflet|demo|English|"
    r"[a-z_]+\.(?:csv|geojson)|data/[\w./]+|v\d+"
)


def latin_left(texts: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
    """The texts that still hold a word in Latin letters once the allowed ones are removed."""
    left = []
    for text in texts:
        rest = LATIN_ALLOWED.sub("", text)
        for name in allowed:
            rest = rest.replace(name, "")
        if re.search(r"[A-Za-z]{2,}", rest):
            left.append(text)
    return left


def boxes_inside(page: Page, selector: str) -> list[dict[str, Any]]:
    """The visible elements under ``selector`` with whether each lies inside the map's box."""
    found: list[dict[str, Any]] = page.evaluate(
        """(selector) => {
          const map = document.getElementById("map").getBoundingClientRect();
          return [...document.querySelectorAll(selector)]
            .filter((e) => getComputedStyle(e).visibility !== "hidden")
            .map((e) => {
              const r = e.getBoundingClientRect();
              return {text: e.textContent, width: r.width, height: r.height,
                      inside: r.left >= map.left && r.right <= map.right
                              && r.top >= map.top && r.bottom <= map.bottom};
            });
        }""",
        selector,
    )
    return found


def test_a_bad_key_is_refused_and_not_kept(page: tuple[Page, Watched], console: Console) -> None:
    view, watched = page
    view.goto(f"{console.base}/")
    view.fill("#key-form input[name=key]", "cor_not_a_key")
    view.click("#key-form button[type=submit]")
    note = view.locator("#key-note")
    expect(note).to_contain_text("refused (401): it is not stored")
    expect(note).not_to_contain_text("saved")
    assert view.evaluate("() => localStorage.getItem('corridor.key')") in (None, "")
    expect(view.locator("#who")).to_be_hidden()
    expect(view.locator("#network-counts")).to_have_text("")
    assert_accessible(view, "refused key")
    shot(view, "planner-key-refused")

    # a good key is checked, kept, and named by organisation and role; the form folds away
    view.fill("#key-form input[name=key]", console.planner)
    view.click("#key-form button[type=submit]")
    expect(view.locator("#who-text")).to_have_text("demo · planner")
    expect(view.locator("#key-form")).to_be_hidden()
    assert view.evaluate("() => localStorage.getItem('corridor.key')") == console.planner
    view.click("#key-change")
    expect(view.locator("#key-form input[name=key]")).to_be_focused()
    expect(view.locator("#key-change")).to_have_attribute("aria-expanded", "true")

    # a kept key that stops working (revoked) is dropped at the next visit, saying so. The key
    # is changed as the next visit starts, before the console's scripts: changed on the live
    # page, a request still to come in the accepted key's chains (network, studies, the quote
    # form's lists) would read it and add a 401 of its own.
    view.context.add_init_script("localStorage.setItem('corridor.key', 'cor_revoked')")
    view.reload()
    expect(note).to_contain_text("refused (401): it is not stored")
    assert view.evaluate("() => localStorage.getItem('corridor.key')") in (None, "")
    expect(view.locator("#key-form")).to_be_visible()
    assert_stayed_home(watched, console, "status of 401", "status of 401")


def test_a_forwarder_does_not_see_the_planner_workspace(
    page: tuple[Page, Watched], console: Console
) -> None:
    view, watched = page
    open_with_key(view, console, console.forwarder)
    expect(view.locator("#who-text")).to_have_text("demo · forwarder")
    view.click("[data-view=study]")
    expect(view.locator("#study-panel")).to_be_visible()
    # past studies stay readable; the editor and Run study are the planner's
    expect(view.locator("#study-workspace")).to_be_hidden()
    expect(view.get_by_role("button", name="Run study")).to_have_count(0)
    expect(view.locator("#study-list")).to_be_visible()
    assert_accessible(view, "forwarder's scenarios")
    assert_stayed_home(watched, console)


def test_the_tabs_follow_the_tab_pattern_and_the_map_is_no_tab_trap(
    page: tuple[Page, Watched], console: Console
) -> None:
    view, watched = page
    open_with_key(view, console, console.planner)
    tabs = view.get_by_role("tab")
    expect(tabs).to_have_count(3)
    for tab in tabs.all():
        panel = tab.get_attribute("aria-controls")
        assert view.locator(f"#{panel}[role=tabpanel]").count() == 1
    network, quote, study = (view.locator(f"#tab-{name}") for name in ("network", "quote", "study"))
    network.focus()
    view.keyboard.press("ArrowRight")
    expect(quote).to_be_focused()
    expect(quote).to_have_attribute("aria-selected", "true")
    expect(network).to_have_attribute("tabindex", "-1")
    expect(view.locator("#quote-panel")).to_be_visible()
    view.keyboard.press("End")
    expect(study).to_be_focused()
    expect(view.locator("#study-panel")).to_be_visible()
    view.keyboard.press("Home")
    expect(network).to_be_focused()
    view.keyboard.press("ArrowLeft")  # wraps round
    expect(study).to_be_focused()
    view.keyboard.press("ArrowRight")
    expect(network).to_be_focused()
    expect(view.locator("#network-panel")).to_be_visible()

    # Tab from the start of the page to its end: no map line takes the focus
    view.locator("#language").focus()
    stops = []
    for _ in range(40):
        view.keyboard.press("Tab")
        stops.append(view.evaluate("() => document.activeElement.tagName.toLowerCase()"))
    assert "path" not in stops, stops
    assert view.evaluate("() => document.querySelectorAll('#map path[tabindex]').length") == 0

    # the services' timetables without the map: a list, each opening its popup
    view.click("#service-list summary")
    first = view.locator("#service-list button").first
    first.focus()
    view.keyboard.press("Enter")
    popup = view.locator(".service-popup")
    expect(popup).to_contain_text("Capacity per departure")
    expect(popup).to_be_focused()
    assert_accessible(view, "network with a service popup")
    shot(view, "planner-network-keyboard")
    view.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    expect(first).to_be_focused()
    # in 中文 the popup names the operator by its Chinese name, marked as such
    view.click("#language")
    first.focus()
    view.keyboard.press("Enter")
    operator = popup.locator("dd").first
    expect(operator).to_have_attribute("lang", "zh")
    expect(operator).to_have_text(re.compile(r"^[\u4e00-\u9fff（）、／；]+$"))
    view.keyboard.press("Escape")
    view.click("#language")  # the choice persists: leave the next test in English
    assert_stayed_home(watched, console)


def test_the_map_opens_on_the_corridor_with_labels_and_the_canal(
    page: tuple[Page, Watched], phone: tuple[Page, Watched], console: Console
) -> None:
    for name, (view, watched) in (("desktop", page), ("phone", phone)):
        open_with_key(view, console, console.planner)
        labels = boxes_inside(view, ".place-label")
        shown = {label["text"] for label in labels}
        assert {"Qinzhou", "Chongqing", "Nanning", "Kunming"} <= shown, (name, shown)
        assert all(label["inside"] for label in labels), (name, labels)
        # the Pinglu Canal, planned and dashed, is a line one can see and hit at this zoom
        canal = boxes_inside(view, '.leaflet-network-pane path[stroke-dasharray="6 6"]')
        assert canal, name
        assert all(c["inside"] and max(c["width"], c["height"]) >= 15 for c in canal), (name, canal)
        hit = view.evaluate(
            "() => getComputedStyle(document.querySelector('.leaflet-hits-pane path')).strokeWidth"
        )
        assert float(hit.removesuffix("px")) >= 12
        assert_accessible(view, f"network ({name})")
        shot(view, f"planner-map-{name}")
        assert_stayed_home(watched, console)


def test_a_phone_gets_a_compact_header_and_a_map_of_real_width(
    phone: tuple[Page, Watched], console: Console
) -> None:
    view, watched = phone
    open_with_key(view, console, console.planner)
    header = view.locator("header").bounding_box()
    assert header
    assert header["height"] < 90, header
    expect(view.locator("#who-text")).to_have_text("demo · planner")  # still named, folded
    expect(view.locator("#key-form")).to_be_hidden()
    box = view.locator("#map").bounding_box()
    assert box
    assert box["width"] >= 380, box
    assert box["height"] >= 300, box
    view.click("[data-view=study]")
    expect(view.locator("#scenario-projects input[type=checkbox]")).to_be_checked()
    assert_accessible(view, "scenarios (phone)")
    shot(view, "planner-phone-study")
    view.click("#key-change")
    expect(view.locator("#key-form")).to_be_visible()
    assert_accessible(view, "key form open (phone)")
    assert_stayed_home(watched, console)


def test_the_planner_builds_runs_reopens_and_maps_a_scenario(
    page: tuple[Page, Watched], phone: tuple[Page, Watched], console: Console
) -> None:
    view, watched = page
    open_with_key(view, console, console.planner)
    view.click("[data-view=study]")
    view.fill("#scenario-form input[name=name]", "Canal from March")

    # the canal is a toggle with a date; the JSON is the same scenario, for those who want it
    canal = view.locator("#scenario-projects input[name=project-pinglu_canal]")
    expect(canal).to_be_checked()
    canal.uncheck()
    expect(
        view.locator("#scenario-projects input[name=project-pinglu_canal-from]")
    ).to_be_disabled()
    canal.check()
    view.fill("#scenario-projects input[name=project-pinglu_canal-from]", "2027-03-01")
    # the day in words in the console's language, beside the browser's own date picker
    said = view.locator("#scenario-projects .date-words")
    expect(said).to_have_text(re.compile(r"^Monday,? 1 March 2027$"))
    view.click("#scenario-advanced summary")
    ops = view.locator("#scenario-form textarea[name=ops]")
    written = json.loads(ops.input_value())
    assert written == [{"op": "enable", "tags": ["pinglu_canal"], "valid_from": "2027-03-01"}]

    # a change from the builder: close a service for a fortnight, then take it back out
    view.select_option("#change-kind", "close")
    view.click("#change-add")
    expect(view.locator("#scenario-changes fieldset")).to_have_count(1)
    expect(view.locator("#scenario-changes fieldset select").first).to_be_focused()
    assert_accessible(view, "scenario builder with a change")
    view.click("#scenario-form button[type=submit]")
    expect(view.locator("#study-problem")).to_contain_text("What is empty")
    expect(view.locator("#study-problem")).to_contain_text("Until is empty")
    view.locator("#scenario-changes fieldset button").click()
    expect(view.locator("#scenario-changes fieldset")).to_have_count(0)
    expect(view.locator("#study-problem")).to_be_hidden()  # about a change no longer there

    # a typo in the JSON is shown where it is, in words, and blocks the save
    ops.fill('[\n  {"op": "enable" "tags": ["pinglu_canal"]}\n]')
    error = view.locator("#ops-error")
    expect(error).to_contain_text("line 2, column 19")
    expect(error).to_contain_text("missing comma")
    assert_accessible(view, "scenario builder with a JSON mistake")
    shot(view, "planner-json-mistake")
    # an operation the forms cannot show whole stays JSON, named as such
    ops.fill(json.dumps([*written, {"op": "disable", "tags": ["xijiang"]}]))
    expect(view.locator("#scenario-changes legend")).to_have_text(
        "1. Other operation (edit it as JSON)"
    )
    ops.fill(json.dumps(written))
    expect(error).to_be_hidden()
    expect(canal).to_be_checked()
    expect(view.locator("#scenario-changes fieldset")).to_have_count(0)
    view.click("#scenario-form button[type=submit]")
    expect(view.locator("#study-progress-text")).to_have_text("Saved: version 1")
    assert_accessible(view, "scenario builder")
    shot(view, "planner-builder")

    # run: the live region says so at once, never the last study's "finished"
    progress = view.locator("#study-progress-text[role=status]")
    view.click("#study-form button[type=submit]")
    expect(progress).to_have_text(re.compile(r"Solving…|queued|running"))
    table = view.locator("#study-results table.delta")
    expect(table).to_be_visible(timeout=60_000)
    expect(progress).to_have_text("finished · 100 %")
    header = table.locator("tr").first
    expect(header).to_contain_text("Canal from March")
    for measure in ("mean_cost_cny_per_teu", "co2e_kg_per_teu", "served_teu", "unserved_teu"):
        row = table.locator(f"tr[data-measure={measure}]")
        expect(row.locator("td.pct")).to_have_text(re.compile(r"^([+−±][\d.,]+ %|—)$"))
    expect(table.locator("tr[data-measure=unserved_teu] th")).to_have_text("Unserved TEU")
    expect(table.locator("tr.share")).to_contain_text("%")
    # the charts show each change beside the value, and gateways by name
    first = view.locator("#study-results .chart").first
    expect(first).to_contain_text(re.compile(r"\([+−±][\d,]+ · [+−±][\d.,]+ %\)"))
    gateways = view.locator("#study-results .chart text.gateway").all_text_contents()
    assert gateways
    assert not [g for g in gateways if re.fullmatch(r"[A-Z]{5}(-\w+)?", g)], gateways
    # the difference flow map: what grows in one colour, what shrinks in another
    expect(view.locator(".leaflet-flows-pane path.grows").first).to_be_attached()
    expect(view.locator(".leaflet-flows-pane path.shrinks").first).to_be_attached()
    grows, shrinks = (
        view.evaluate(f"() => getComputedStyle(document.querySelector('path.{kind}')).stroke")
        for kind in ("grows", "shrinks")
    )
    assert grows != shrinks
    assert_accessible(view, "study results")
    shot(view, "planner-study")

    # a reload keeps the study: it is in the address and reopens from it
    study_id = view.evaluate("() => location.hash").removeprefix("#study=")
    assert study_id
    view.reload()
    expect(table).to_be_visible(timeout=30_000)
    expect(progress).to_have_text("finished · 100 %")
    expect(view.locator("[data-view=study]")).to_have_attribute("aria-selected", "true")
    past = view.locator(f"#study-list button[data-study='{study_id}']")
    expect(past).to_have_attribute("aria-current", "true")
    expect(past.locator("xpath=..")).to_contain_text(re.compile(r"finished · \d{4}-\d{2}-\d{2}$"))
    expect(view.locator(".leaflet-flows-pane path.grows").first).to_be_attached()

    # the map's flows by keyboard: the base's own flows, the legend following, focus kept
    chooser = view.locator("#study-results select[name=flow-scenario]")
    chooser.focus()
    view.keyboard.press("ArrowDown")
    expect(chooser).to_have_value("base")
    expect(chooser).to_be_focused()
    expect(view.locator(".flow-legend")).to_have_text("Flows on the map: line width by TEU")
    expect(view.locator(".leaflet-flows-pane path.grows")).to_have_count(0)
    expect(view.locator(".leaflet-flows-pane path").first).to_be_attached()
    chooser.select_option("difference")
    expect(view.locator(".flow-legend")).to_contain_text("line width by the change in TEU")
    expect(view.locator(".leaflet-flows-pane path.shrinks").first).to_be_attached()

    # the report opens in a tab of its own, not as a download
    with view.context.expect_page() as opened:
        view.click("#study-results button[data-open=report]")
    report = opened.value
    report.wait_for_url(re.compile(r"^blob:"))  # the tab opens at once, the page follows
    expect(report.locator("h1").first).to_be_visible()
    assert "Corridor study" in report.title()
    report.close()

    # in 中文: every label of the study view and the network view
    view.click("#language")
    expect(view.locator("#study-results table.delta caption")).to_have_text("各情景与基准的比较")
    expect(progress).to_have_text("已完成 · 100 %")
    # one way of writing dates per language
    written = re.compile(r"已完成 · \d{4}年\d{1,2}月\d{1,2}日")
    expect(past.locator("xpath=..")).to_contain_text(written)
    # the names planners gave their scenarios and studies are theirs
    named = ("Canal from March", *view.locator("#study-list button").all_text_contents())
    names = tuple(sorted(named, key=len, reverse=True))
    left = latin_left(
        view.evaluate(VISIBLE_TEXTS, "header, #study-panel, .leaflet-container"), names
    )
    assert left == [], left
    assert_accessible(view, "study results in 中文")
    shot(view, "planner-study-zh")
    # the builder in 中文: a change, its fields and what the page finds missing
    view.select_option("#change-kind", "close")
    view.click("#change-add")
    view.click("#scenario-form button[type=submit]")
    expect(view.locator("#study-problem")).to_contain_text("对象为空")
    left = latin_left(view.evaluate(VISIBLE_TEXTS, "#study-panel"), names)
    assert left == [], left
    assert_accessible(view, "scenario builder in 中文")
    shot(view, "planner-builder-zh")
    view.locator("#scenario-changes fieldset button").click()
    view.fill("#scenario-projects input[name=project-pinglu_canal-from]", "2027-03-01")
    expect(said).to_have_text("2027年3月1日星期一")
    # the API's problems in the page's words: a second scenario of the same name
    view.select_option("#scenario-picker", "")
    view.fill("#scenario-form input[name=name]", "Canal from March")
    view.click("#scenario-form button[type=submit]")
    expect(view.locator("#study-problem")).to_have_text("已有同名情景：请换一个名称。")
    # the report in 中文 too, as the console shows it
    with view.context.expect_page() as opened:
        view.click("#study-results button[data-open=report]")
    report = opened.value
    report.wait_for_url(re.compile(r"^blob:"))
    expect(report.locator("h2").first).to_have_text("各情景并列比较")
    assert report.evaluate("() => document.documentElement.lang") == "zh-CN"
    assert "陆海新通道研究报告" in report.title()
    left = latin_left(report.evaluate(VISIBLE_TEXTS, "body"), names)
    assert left == [], "\n".join(left)
    assert_accessible(report, "study report in 中文")
    shot(report, "planner-report-zh")
    report.close()
    view.click("[data-view=network]")
    view.fill("#location-search", "钦州")
    expect(view.locator("#location-results button").first).to_contain_text("钦州港")
    left = latin_left(view.evaluate(VISIBLE_TEXTS, "header, #network-panel, .leaflet-container"))
    assert left == [], left
    assert_accessible(view, "network in 中文")
    shot(view, "planner-network-zh")
    view.click("#language")  # the choice persists: leave the next test in English
    assert_stayed_home(watched, console, "status of 409")

    # the phone reopens the same study from its address, stacked above the map
    small, small_watched = phone
    open_with_key(small, console, console.planner)
    small.goto(f"{console.base}/#study={study_id}")  # the link, pasted into an open console
    expect(small.locator("#study-results table.delta")).to_be_visible(timeout=30_000)
    expect(small.locator(".leaflet-flows-pane path.grows").first).to_be_attached()
    box = small.locator("#map").bounding_box()
    assert box
    assert box["width"] >= 380
    assert_accessible(small, "study results (phone)")
    shot(small, "planner-phone-results")
    assert_stayed_home(small_watched, console)
