"""The console as a forwarder uses it, in Chromium at desktop and phone sizes: places picked by
name, the cargo (reefer, dangerous goods), choosing between options, booking safely, the words
the page uses in English and 中文, and the whole path once with the mouse and once by keyboard.

Every view and state built here is checked with axe-core and saved as a screenshot in
``artifacts/console/``.
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.e2e.browsing import (
    DESKTOP,
    PHONE,
    Console,
    Watched,
    assert_accessible,
    assert_stayed_home,
    open_with_key,
    shot,
)
from tests.e2e.conftest import watched_page

SIZES = {"desktop": DESKTOP, "phone": PHONE}
# what Chromium logs for each 4xx answer, and for a request the test cut off
REFUSED = "status of 422"
CUT_OFF = "net::ERR_FAILED"


@pytest.fixture(params=sorted(SIZES))
def sized(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Page, Watched, str]]:
    """A watched page at desktop and at phone size, with the size's name."""
    for page, watched in watched_page(browser, SIZES[request.param]):
        yield page, watched, request.param


def api(console: Console, path: str) -> Any:
    """GET ``path`` from the service with the forwarder's key."""
    asked = urllib.request.Request(
        f"{console.base}{path}", headers={"Authorization": f"Bearer {console.forwarder}"}
    )
    with urllib.request.urlopen(asked, timeout=30) as answer:
        return json.load(answer)


def quote_tab(page: Page, console: Console) -> None:
    open_with_key(page, console, console.forwarder)
    page.click("[data-view=quote]")
    expect(page.locator("#ready-note")).to_contain_text("search horizon")


def pick(page: Page, end: str, typed: str, place_id: str) -> None:
    """Type ``typed`` into the ``end`` field and click the suggestion of ``place_id``."""
    page.fill(f"#{end}-input", typed)
    page.locator(f"#{end}-list [role=option]", has_text=place_id).click()
    expect(page.locator(f"#{end}-input")).to_have_attribute("data-place-id", place_id)


def sent_quote(page: Page) -> dict[str, Any]:
    """Submit the quote form; the request body sent."""
    with page.expect_request(lambda r: r.url.endswith("/v1/quotes") and r.method == "POST") as sent:
        page.click("#quote-form button[type=submit]")
    body: dict[str, Any] = json.loads(sent.value.post_data or "{}")
    expect(page.locator("#quote-status")).to_have_text(re.compile(r"\d+ options?|No option"))
    return body


def tab_to(page: Page, selector: str, limit: int = 120, key: str = "Tab") -> bool:
    """Press Tab (or ``key``) until the focused element matches ``selector``; whether it got
    there."""
    for _ in range(limit):
        if focused(page, selector):
            return True
        page.keyboard.press(key)
    return focused(page, selector)


def focused(page: Page, selector: str) -> bool:
    return bool(page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector))


def arrow_to(page: Page, selector: str, key: str = "ArrowDown", limit: int = 12) -> None:
    """Press ``key`` until the combobox's active suggestion matches ``selector``."""
    for _ in range(limit):
        active = page.evaluate(
            "() => document.getElementById("
            "document.activeElement.getAttribute('aria-activedescendant') || '')?.textContent"
        )
        if active and selector in active:
            return
        page.keyboard.press(key)
    raise AssertionError(f"no suggestion with {selector}")


def card_figures(page: Page, name: str) -> list[float]:
    """The cards' values of the fact named ``name``, in their order on the page."""
    values = page.evaluate(
        """(name) => [...document.querySelectorAll('#quote-options .option')].map((card) => {
             const dt = [...card.querySelectorAll('dt')].find((d) => d.textContent === name);
             return dt.nextElementSibling.textContent;
           })""",
        name,
    )
    return [float(re.sub(r"[^\d.]", "", v.split(" ")[0])) for v in values]


def book_with_parties(page: Page) -> None:
    """Start booking, check that nothing is filled in, give both parties, review, confirm."""
    page.click(".booking .book")
    names = page.locator(".booking .party input, .booking .party textarea")
    assert names.count() == 6
    for value in names.evaluate_all("(inputs) => inputs.map((i) => i.value)"):
        assert value == ""
    page.fill("[name='shipper.name']", "Yuxin Electronics Export Co.")
    page.fill("[name='shipper.address']", "8 Jinkai Avenue, Liangjiang, Chongqing")
    page.fill("[name='shipper.contact']", "Li Wei, +86 23 6000 0000")
    page.fill("[name='consignee.name']", "Straits Components Pte Ltd")
    page.fill("[name='consignee.address']", "10 Pasir Panjang Road, Singapore")
    page.fill("[name='consignee.contact']", "Tan Mei, +65 6000 0000")
    page.click(".booking .to-review")
    review = page.locator(".booking .review")
    expect(review).to_contain_text("Straits Components Pte Ltd")
    expect(review).to_contain_text("Singapore")
    expect(review).to_contain_text("CNY")
    page.click(".booking .confirm")


def assert_waybill_opens(page: Page) -> None:
    """The waybill link opens a tab (not a download) naming the parties and places."""
    link = page.locator(".booking .booked a.waybill")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    with page.context.expect_page() as opened:
        link.click()
    waybill = opened.value
    waybill.wait_for_load_state()
    text = waybill.locator("body").inner_text()
    assert "Straits Components Pte Ltd" in text
    assert "Singapore" in text
    assert "Chongqing" in text
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", text)  # no microseconds
    waybill.close()


def test_the_forwarders_path_with_the_mouse(
    sized: tuple[Page, Watched, str], console: Console
) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    pick(view, "origin", "重庆", "CNCQI-TJC")
    pick(view, "destination", "Singapore", "SGSIN")
    view.select_option("#quote-form select[name=box]", "45R1")
    expect(view.locator("#quote-form select[name=cargo_class]")).to_have_value("reefer")
    body = sent_quote(view)
    assert body["origin"] == "CNCQI-TJC"
    assert body["destination"] == "SGSIN"
    assert body["cargo"] == {"box": "45R1", "count": 1, "cargo_class": "reefer"}
    expect(view.locator("#quote-options .option").first).to_be_visible()
    view.select_option("#quote-sort", "co2e")
    co2e = card_figures(view, "CO2e")
    assert co2e == sorted(co2e)
    assert_accessible(view, f"quote options ({size})")
    shot(view, f"forwarder-mouse-options-{size}")

    # the link reopens the same request and runs it again
    link = view.url
    assert "from=CNCQI-TJC" in link
    assert "to=SGSIN" in link
    assert "box=45R1" in link
    assert "sort=co2e" in link
    again = view.context.new_page()
    again.goto(link)
    expect(again.locator("#quote-options .option").first).to_be_visible()
    expect(again.locator("#origin-input")).to_have_attribute("data-place-id", "CNCQI-TJC")
    expect(again.locator("#destination-input")).to_have_value("Singapore")
    expect(again.locator("#quote-form select[name=box]")).to_have_value("45R1")
    expect(again.locator("#quote-sort")).to_have_value("co2e")
    assert card_figures(again, "Price") == card_figures(view, "Price")
    again.close()

    book_with_parties(view)
    booked = view.locator(".booking .booked")
    expect(booked).to_contain_text(re.compile(r"Booked: waybill \S+"))
    expect(booked).to_be_focused()
    expect(booked).to_be_in_viewport()
    assert_accessible(view, f"booked ({size})")
    shot(view, f"forwarder-mouse-booked-{size}")
    assert_waybill_opens(view)
    assert_stayed_home(watched, console)


def test_the_forwarders_path_by_keyboard(
    sized: tuple[Page, Watched, str], console: Console
) -> None:
    view, watched, size = sized
    keys = view.keyboard
    view.goto(f"{console.base}/")
    assert tab_to(view, "#key-form input[name=key]")
    keys.type(console.forwarder)
    keys.press("Enter")
    expect(view.locator("#network-counts")).to_contain_text("locations")
    # the quote tab, back before the key: in the Tab order, or (a tab list with arrow keys)
    # next to the current tab
    if not tab_to(view, "[data-view=quote]", limit=12, key="Shift+Tab"):
        assert tab_to(view, "[data-view]", limit=12, key="Shift+Tab")
        for _ in range(3):
            if focused(view, "[data-view=quote]"):
                break
            keys.press("ArrowRight")
    keys.press("Enter")
    expect(view.locator("#quote-panel")).to_be_visible()

    assert tab_to(view, "#origin-input")
    keys.type("重庆")
    expect(view.locator("#origin-list [role=option]").first).to_be_visible()
    arrow_to(view, "CNCQI-TJC")
    keys.press("Enter")
    expect(view.locator("#origin-input")).to_have_attribute("data-place-id", "CNCQI-TJC")
    assert tab_to(view, "#destination-input")
    keys.type("Singapore")
    expect(view.locator("#destination-list [role=option]").first).to_be_visible()
    arrow_to(view, "SGSIN")
    keys.press("Enter")
    assert tab_to(view, "#quote-form select[name=box]")
    keys.press("End")  # the last box: 45R1
    expect(view.locator("#quote-form select[name=box]")).to_have_value("45R1")
    expect(view.locator("#quote-form select[name=cargo_class]")).to_have_value("reefer")
    assert tab_to(view, "#quote-form button[type=submit]")
    with view.expect_request(lambda r: r.url.endswith("/v1/quotes")):
        keys.press("Enter")
    expect(view.locator("#quote-options .option").first).to_be_visible()
    assert tab_to(view, "#quote-sort")
    keys.press("End")  # CO2e
    expect(view.locator("#quote-sort")).to_have_value("co2e")
    assert "sort=co2e" in view.url
    # the cards are one radio group: one Tab stop, the chosen card
    assert tab_to(view, "#quote-options [role=radio]")
    assert focused(view, "[aria-checked=true]")

    again = view.context.new_page()
    again.goto(view.url)
    expect(again.locator("#quote-options .option").first).to_be_visible()
    expect(again.locator("#quote-form select[name=box]")).to_have_value("45R1")
    again.close()

    assert tab_to(view, ".booking .book")
    keys.press("Enter")
    expect(view.locator("[name='shipper.name']")).to_be_focused()
    for value in [
        "Yuxin Electronics Export Co.",
        "8 Jinkai Avenue, Liangjiang, Chongqing",
        "Li Wei, +86 23 6000 0000",
        "Straits Components Pte Ltd",
        "10 Pasir Panjang Road, Singapore",
        "Tan Mei, +65 6000 0000",
    ]:
        keys.type(value)
        keys.press("Tab")
    assert tab_to(view, ".booking .to-review")
    keys.press("Enter")
    expect(view.locator(".booking .review h3")).to_be_focused()
    assert_accessible(view, f"review ({size})")
    shot(view, f"forwarder-keyboard-review-{size}")
    assert tab_to(view, ".booking .confirm")
    keys.press("Enter")
    booked = view.locator(".booking .booked")
    expect(booked).to_be_focused()
    expect(booked).to_be_in_viewport()
    expect(booked.locator("a.waybill")).to_have_attribute("href", re.compile(r"^blob:"))
    keys.press("Tab")
    expect(booked.locator("a.waybill")).to_be_focused()
    with view.context.expect_page() as opened:
        keys.press("Enter")
    opened.value.wait_for_load_state()
    assert "Straits Components Pte Ltd" in opened.value.locator("body").inner_text()
    shot(view, f"forwarder-keyboard-booked-{size}")
    assert_stayed_home(watched, console)


def test_a_link_opened_without_a_key_runs_once_the_key_is_given(
    browser: Browser, console: Console
) -> None:
    for view, watched in watched_page(browser, DESKTOP):
        view.goto(f"{console.base}/?from=CNQZH&to=SGSIN&box=22G1&n=2&sort=price")
        expect(view.locator("#quote-options .option")).to_have_count(0)
        view.fill("#key-form input[name=key]", console.forwarder)
        view.click("#key-form button[type=submit]")
        expect(view.locator("#quote-options .option").first).to_be_visible()
        expect(view.locator("#origin-input")).to_have_value("Qinzhou Port")
        expect(view.locator("#quote-form input[name=count]")).to_have_value("2")
        expect(view.locator("#quote-sort")).to_have_value("price")
        assert_stayed_home(watched, console)


def test_a_planner_quotes_without_being_offered_what_the_role_may_not(
    page: tuple[Page, Watched], console: Console
) -> None:
    view, watched = page
    open_with_key(view, console, console.planner)
    view.click("[data-view=quote]")
    pick(view, "origin", "Qinzhou", "CNQZH")
    pick(view, "destination", "新加坡", "SGSIN")
    sent_quote(view)
    expect(view.locator(".booking .note")).to_have_text(
        "This key may quote but not book: a forwarder's key books."
    )
    assert view.locator(".booking .book").count() == 0
    expect(view.locator("#my-quotes li").first).to_contain_text("Qinzhou Port → Singapore")
    expect(view.locator("#my-bookings")).to_be_hidden()
    assert_accessible(view, "a planner's quote")
    assert_stayed_home(watched, console)  # nothing asked that the role may not (no 403)


def test_places_are_found_by_english_chinese_and_code(
    sized: tuple[Page, Watched, str], console: Console
) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    for typed, place in [
        ("Chongqing", "CNCQI-TJC"),
        ("重庆", "CNCQI-TJC"),
        ("Singapore", "SGSIN"),
        ("新加坡", "SGSIN"),
        ("河内", "VNYEV"),
        ("THLCH", "THLCH"),
    ]:
        view.fill("#destination-input", typed)
        suggestion = view.locator("#destination-list [role=option]", has_text=place)
        expect(suggestion).to_be_visible()
    # each suggestion shows its name, its kind and its country
    view.fill("#origin-input", "新加坡")
    singapore = view.locator("#origin-list [role=option]", has_text="SGSIN")
    expect(singapore).to_contain_text("Singapore")
    expect(singapore.locator(".place-meta")).to_have_text("seaport · Singapore · SGSIN")
    expect(view.locator("#origin-input")).to_have_attribute("aria-expanded", "true")
    expect(view.locator("#place-status")).to_have_text(
        "1 place found: arrow down to choose, Enter to pick."
    )
    assert_accessible(view, f"place suggestions ({size})")
    shot(view, f"forwarder-places-{size}")
    singapore.click()
    expect(view.locator("#origin-input")).to_have_value("Singapore")
    pick(view, "destination", "河内", "VNYEV")
    expect(view.locator("#destination-input")).to_have_value("Hanoi Yên Viên freight station")
    view.click("#swap-places")
    expect(view.locator("#origin-input")).to_have_attribute("data-place-id", "VNYEV")
    expect(view.locator("#destination-input")).to_have_attribute("data-place-id", "SGSIN")
    # the field shows the name, the request carries the id
    body = sent_quote(view)
    assert (body["origin"], body["destination"]) == ("VNYEV", "SGSIN")
    assert_stayed_home(watched, console)


def test_dangerous_goods_and_reefer_boxes(
    sized: tuple[Page, Watched, str], console: Console
) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    pick(view, "origin", "Qinzhou", "CNQZH")
    pick(view, "destination", "Haiphong", "VNHPH")
    imdg = view.locator("#quote-form select[name=imdg]")
    expect(imdg).to_be_hidden()
    view.select_option("#quote-form select[name=cargo_class]", "dangerous")
    expect(imdg).to_be_visible()
    # without its IMDG class the form says so and asks nothing
    asked: list[Request] = []
    view.on("request", lambda r: asked.append(r) if r.url.endswith("/v1/quotes") else None)
    view.click("#quote-form button[type=submit]")
    problem = view.locator("#quote-problem")
    expect(problem).to_contain_text("IMDG class: dangerous goods need their IMDG class")
    expect(imdg).to_have_attribute("aria-invalid", "true")
    assert asked == []
    assert_accessible(view, f"dangerous goods without a class ({size})")
    imdg.select_option("3")
    body = sent_quote(view)
    assert body["cargo"] == {"box": "42G1", "count": 1, "cargo_class": "dangerous", "imdg": "3"}
    expect(problem).to_be_hidden()
    assert view.locator("#quote-options .option").count() >= 1
    shot(view, f"forwarder-dangerous-{size}")

    # a reefer box makes reefer cargo; reefer cargo in a dry box is explained before asking
    view.select_option("#quote-form select[name=box]", "45R1")
    expect(view.locator("#quote-form select[name=cargo_class]")).to_have_value("reefer")
    expect(view.locator("#class-note")).to_have_text(
        "A 45R1 is a reefer box: its cargo class is reefer."
    )
    body = sent_quote(view)
    assert body["cargo"]["cargo_class"] == "reefer"
    assert view.locator("#quote-options .option").count() >= 1
    view.select_option("#quote-form select[name=box]", "42G1")
    expect(view.locator("#quote-form select[name=cargo_class]")).to_have_value("dry")
    view.select_option("#quote-form select[name=cargo_class]", "reefer")
    count = len(asked)
    view.click("#quote-form button[type=submit]")
    expect(problem).to_contain_text("reefer cargo needs a reefer box, and 42G1 is not one")
    assert len(asked) == count
    assert_stayed_home(watched, console)


def test_options_are_laid_out_for_choosing(
    sized: tuple[Page, Watched, str], console: Console
) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    pick(view, "origin", "CNCQI-TJC", "CNCQI-TJC")
    pick(view, "destination", "Singapore", "SGSIN")
    with view.expect_response(lambda r: r.url.endswith("/v1/quotes")) as answered:
        sent_quote(view)
    quote = answered.value.json()
    cards = view.locator("#quote-options [role=radio]")
    expect(view.locator("#quote-options")).to_have_attribute("role", "radiogroup")
    assert cards.count() >= 2
    expect(view.locator("#quote-options [aria-checked=true]")).to_have_count(1)
    names = {item["id"]: item["name"] for item in api(console, "/v1/locations?limit=500")["items"]}
    for option in quote["options"]:
        card = view.locator(f"#quote-options .option[data-option='{option['id']}']")
        if not card.count():
            continue  # another departure of a corridor shown on its card
        text = card.inner_text()
        assert "…" not in text
        legs = [f["properties"] for f in option["legs"]["features"]]
        for leg in legs:
            assert leg["operator"] in text  # carrier and service of each leg
        assert "Cut-off" in text
        assert "Price valid until" in text
        via = card.locator(".via").inner_text()
        transfers = {a["to"] for a, b in itertools.pairwise(legs) if a["service"] != b["service"]}
        aboard = {a["to"] for a, b in itertools.pairwise(legs)} - transfers
        for place in transfers:
            assert names[place].split(" (")[0] in via, (via, place)
        for place in aboard:
            assert names[place].split(" (")[0] not in via, (via, place)
        # nothing clipped: the via line is as tall as its text
        assert card.locator(".via").evaluate("(e) => e.scrollHeight <= e.clientHeight + 1")
    # grouped departures: an option with other departures on its corridor says how many
    grouped = [o for o in quote["options"] if o["departures"]]
    if grouped:
        card = view.locator(f"#quote-options .option[data-option='{grouped[0]['id']}']")
        expect(card.locator(".departures-count")).to_contain_text("departures on this corridor")

    # the radio group's arrow keys
    checked = view.locator("#quote-options [aria-checked=true]")
    first = checked.get_attribute("data-option")
    checked.focus()
    view.keyboard.press("ArrowDown")
    expect(view.locator("#quote-options [aria-checked=true]")).not_to_have_attribute(
        "data-option", first or ""
    )
    expect(view.locator("#quote-options [aria-checked=true]")).to_be_focused()

    for sort, fact in [("price", "Price"), ("arrival", None), ("co2e", "CO2e")]:
        view.select_option("#quote-sort", sort)
        if fact:
            values = card_figures(view, fact)
            assert values == sorted(values), (sort, values)
        assert f"sort={sort}" in view.url

    # the chart: a dot per card; clicking one chooses its card
    dots = view.locator("#quote-chart circle.dot")
    assert dots.count() == cards.count()
    other = view.locator("#quote-chart circle.dot:not(.selected)").first
    chosen = other.get_attribute("data-option")
    other.click()
    expect(view.locator(f"#quote-options .option[data-option='{chosen}']")).to_have_attribute(
        "aria-checked", "true"
    )
    assert_accessible(view, f"options sorted with chart ({size})")
    shot(view, f"forwarder-options-{size}")

    # USD at the quote's rate
    rate = quote["options"][0]["price"]["usd_rate"]
    cny = card_figures(view, "Price")
    view.select_option("#quote-currency", "USD")
    usd = card_figures(view, "Price")
    assert all(price.endswith("USD") for price in view.locator("dd.price").all_inner_texts())
    assert [round(v) for v in usd] == [round(v / rate) for v in cny]
    assert "cur=USD" in view.url
    view.select_option("#quote-currency", "CNY")

    # filters and caps in the advanced part: no road, one transfer at most, a CO2e cap
    view.click("#quote-advanced summary")
    view.uncheck("#quote-advanced input[value=road]")
    view.fill("#quote-advanced input[name=max_transfers]", "1")
    body = sent_quote(view)
    assert "road" not in body["filters"]["modes"]
    assert body["filters"]["max_transfers"] == 1
    assert view.locator("#quote-options .mode.road").count() == 0
    assert max(card_figures(view, "Transfers")) <= 1
    assert "transfers=1" in view.url
    assert "modes=" in view.url
    view.fill("#quote-advanced input[name=max_co2e_kg]", "1")
    body = sent_quote(view)
    assert body["max_co2e_kg"] == 1
    expect(view.locator("#quote-status")).to_contain_text("The least CO2e possible is")
    assert_accessible(view, f"advanced filters ({size})")
    shot(view, f"forwarder-filters-{size}")

    # my quotes: the latest first, and one reopened as it was quoted
    mine = view.locator("#my-quotes li")
    expect(mine.first).to_contain_text("Chongqing Tuanjiecun container centre → Singapore")
    assert mine.count() >= 3
    with_options = mine.filter(has_not_text="No option found").first
    with_options.locator("button.reopen").click()
    expect(view.locator("#quote-status")).to_contain_text("Quoted ")
    expect(view.locator("#quote-options .option").first).to_be_visible()
    assert_stayed_home(watched, console)


def test_booking_is_safe(sized: tuple[Page, Watched, str], console: Console) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    pick(view, "origin", "重庆", "CNCQI-TJC")
    pick(view, "destination", "新加坡", "SGSIN")
    sent_quote(view)
    view.click(".booking .book")
    # nothing filled in; reviewing without the parties names each missing field
    view.click(".booking .to-review")
    problem = view.locator(".booking .problem")
    expect(problem).to_contain_text("Shipper · Name: required")
    expect(problem).to_contain_text("Consignee · Contact (person, phone or e-mail): required")
    expect(view.locator("[name='shipper.name']")).to_be_focused()
    assert_accessible(view, f"booking form with problems ({size})")
    shot(view, f"forwarder-booking-form-{size}")
    view.click(".booking .secondary")  # cancel: nothing booked
    book_with_parties(view)
    booked = view.locator(".booking .booked")
    expect(booked).to_have_attribute("role", "status")
    expect(booked).to_be_in_viewport()
    number = re.search(r"waybill (\S+)", booked.inner_text())
    assert number
    expect(view.locator("#my-bookings li").first).to_contain_text(number[1])
    expect(view.locator("#my-bookings li").first).to_contain_text("Straits Components Pte Ltd")
    shot(view, f"forwarder-booked-{size}")
    assert_waybill_opens(view)
    assert_stayed_home(watched, console)


def test_a_booking_is_cancelled_after_a_question(
    sized: tuple[Page, Watched, str], console: Console
) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    pick(view, "origin", "重庆", "CNCQI-TJC")
    pick(view, "destination", "新加坡", "SGSIN")
    sent_quote(view)
    book_with_parties(view)
    booked = view.locator(".booking .booked")
    number = re.search(r"waybill (\S+)", booked.inner_text())
    assert number
    waybill = number[1]

    # from the confirmation: a question first, "keep" focused, and keeping changes nothing
    booked.locator(".cancel-start").click()
    question = booked.locator(".cancel-ask")
    expect(question).to_contain_text(f"Cancel booking {waybill}? Its space on every departure")
    expect(question.locator(".cancel-keep")).to_be_focused()
    assert_accessible(view, f"cancel question ({size})")
    shot(view, f"forwarder-cancel-question-{size}")
    question.locator(".cancel-keep").click()
    expect(booked.locator(".cancel-start")).to_be_focused()
    assert status_of(console, waybill) == "confirmed"
    booked.locator(".cancel-start").click()
    with view.expect_response(lambda r: r.url.endswith("/cancel")) as answered:
        booked.locator(".cancel-confirm").click()
    assert answered.value.status == 200
    expect(booked).to_have_attribute("role", "status")
    expect(booked).to_contain_text(f"Booking {waybill} is cancelled: its space is released.")
    expect(booked.locator(".cancel-start")).to_have_count(0)
    assert status_of(console, waybill) == "cancelled"
    mine = view.locator("#my-bookings li", has_text=waybill)
    expect(mine).to_contain_text("cancelled")
    expect(mine.locator(".cancel-start")).to_have_count(0)
    shot(view, f"forwarder-cancelled-{size}")

    # from "my bookings", by keyboard and in 中文: another option booked, then cancelled
    view.locator("#quote-options .option").nth(1).click()
    view.click(".booking .book")  # the parties as typed for this quote's first booking
    view.click(".booking .to-review")
    view.click(".booking .confirm")
    second = re.search(r"waybill (\S+)", view.locator(".booking .booked").inner_text())
    assert second
    view.click("#language")
    listed = view.locator("#my-bookings li", has_text=second[1])
    listed.locator(".cancel-start").focus()
    view.keyboard.press("Enter")
    expect(listed.locator(".cancel-ask")).to_contain_text(f"取消订舱 {second[1]}？")
    expect(listed.locator(".cancel-keep")).to_be_focused()
    assert latin_words(view) == []
    assert_accessible(view, f"cancel question in 中文 ({size})")
    view.keyboard.press("Shift+Tab")
    expect(listed.locator(".cancel-confirm")).to_be_focused()
    view.keyboard.press("Enter")
    said = view.locator("#my-bookings-status[role=status]")
    expect(said).to_have_text(f"订舱 {second[1]} 已取消，舱位已释放。")
    expect(said).to_be_focused()
    expect(view.locator(".booking .booked")).to_contain_text(f"订舱 {second[1]} 已取消")
    expect(view.locator("#my-bookings li", has_text=second[1])).to_contain_text("已取消")
    assert status_of(console, second[1]) == "cancelled"
    assert latin_words(view) == []
    shot(view, f"forwarder-cancelled-zh-{size}")
    view.click("#language")  # the choice persists: leave the next test in English
    assert_stayed_home(watched, console)


def status_of(console: Console, waybill: str) -> str:
    """The status the API gives the booking of ``waybill`` (among the latest 50)."""
    listed = api(console, "/v1/bookings?limit=50")["items"]
    return str(next(b["status"] for b in listed if b["waybill_number"] == waybill))


def test_another_departure_of_a_corridor_is_chosen_and_booked(
    sized: tuple[Page, Watched, str], console: Console
) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    pick(view, "origin", "重庆", "CNCQI-TJC")
    pick(view, "destination", "新加坡", "SGSIN")
    with view.expect_response(lambda r: r.url.endswith("/v1/quotes")) as answered:
        sent_quote(view)
    grouped = [o for o in answered.value.json()["options"] if o["departures"]]
    if not grouped:
        pytest.skip("no corridor with another departure in this week's timetables")
    option = grouped[0]
    view.click(f"#quote-options .option[data-option='{option['id']}']")
    picker = view.locator("#departure-picker")
    expect(picker.locator("option")).to_have_count(1 + len(option["departures"]))
    other = option["departures"][0]
    picker.select_option(other["id"])
    card = view.locator(f"#quote-options .option[data-option='{other['id']}']")
    expect(card).to_have_attribute("aria-checked", "true")
    expect(card.locator(".departures-count")).to_contain_text(
        f"{1 + len(option['departures'])} departures"
    )
    # its services named as the API names them
    note = view.locator("#quote-detail p.note").first
    expect(note).to_contain_text(f"Another departure of this corridor, by {other['services'][0]}")
    view.click("#language")  # in 中文 by mode and places, as services have no Chinese names
    expect(note).to_contain_text("本通道的另一班次")
    expect(note).not_to_contain_text(other["services"][0])
    view.click("#language")
    expect(note).to_contain_text("Another departure of this corridor")
    assert_accessible(view, f"another departure chosen ({size})")
    shot(view, f"forwarder-departures-{size}")
    with view.expect_request(lambda r: r.url.endswith("/v1/bookings")) as booking:
        book_with_parties(view)
    assert json.loads(booking.value.post_data or "{}")["option_id"] == other["id"]
    expect(view.locator(".booking .booked")).to_contain_text("Booked: waybill")
    assert_stayed_home(watched, console)


def test_words_dates_and_problems(sized: tuple[Page, Watched, str], console: Console) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    ready = view.locator("#quote-form input[name=ready]")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", ready.input_value())
    # a place typed but not picked: the API's problem named by the field's label
    view.fill("#origin-input", "Atlantis")
    pick(view, "destination", "Singapore", "SGSIN")
    view.click("#quote-form button[type=submit]")
    problem = view.locator("#quote-problem")
    expect(problem).to_contain_text("Origin: no place is called 'Atlantis': pick one from the list")
    expect(view.locator("#origin-input")).to_have_attribute("aria-invalid", "true")
    assert "body." not in problem.inner_text()
    assert_accessible(view, f"a refused request ({size})")
    shot(view, f"forwarder-refused-{size}")

    # a ready date beyond the search horizon is refused in the form, without asking
    pick(view, "origin", "重庆", "CNCQI-TJC")
    ready.fill("2030-01-15")
    asked: list[str] = []
    view.on("request", lambda r: asked.append(r.url) if r.url.endswith("/v1/quotes") else None)
    view.click("#quote-form button[type=submit]")
    expect(problem).to_contain_text("Ready date: more than 56 days ahead")
    assert asked == []
    last = (date.today() + timedelta(days=56)).isoformat()
    expect(view.locator("#ready-note")).to_contain_text(last)

    # the service out of reach: said in words, with a retry that clears the box once it works
    soon = date.today() + timedelta(days=3)
    ready.fill(soon.isoformat())
    # the day in words beside the field
    expect(view.locator("#quote-form .date-words").first).to_have_text(
        re.compile(rf"^{soon:%A},? {soon.day} {soon:%B} {soon.year}$")
    )
    view.route("**/v1/quotes", lambda route: route.abort())
    view.click("#quote-form button[type=submit]")
    expect(problem).to_contain_text("The service did not answer.")
    assert "TypeError" not in problem.inner_text()
    view.unroute("**/v1/quotes")
    shot(view, f"forwarder-offline-{size}")
    view.click("#quote-problem button.retry")
    expect(view.locator("#quote-options .option").first).to_be_visible()
    expect(problem).to_be_hidden()
    # one date format in the field and on the cards
    departure = view.locator("#quote-options .option dd").nth(1).inner_text()
    assert re.match(r"\d{4}-\d{2}-\d{2} (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{2}:\d{2}", departure)
    assert_stayed_home(watched, console, REFUSED, CUT_OFF)


# Latin letters allowed in 中文: codes (CNCQI-TJC, 45R1, SR-CQTJ-QZH), currencies and units
ALLOWED_LATIN = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z0-9][A-Z0-9.\-]*[A-Z0-9]|CO2e|kg)(?![A-Za-z0-9])"
)


def latin_words(page: Page) -> list[str]:
    """Latin words in the quote panel's text and labels, leaving out what is marked lang=en (an
    operator the data names in English only) and the parties' names and addresses as the user
    typed them (marked translate=no)."""
    text: str = page.evaluate(
        """() => {
          const panel = document.getElementById('quote-panel');
          const copy = panel.cloneNode(true);
          for (const e of copy.querySelectorAll('[lang=en], [translate=no], [hidden]')) e.remove();
          const attributes = [...panel.querySelectorAll('[placeholder], [aria-label], [title]')]
            .map((e) => [e.placeholder, e.getAttribute('aria-label'), e.title].join(' '));
          const options = [...panel.querySelectorAll('option')].map((o) => o.textContent);
          return [copy.textContent, ...attributes, ...options].join(' ');
        }"""
    )
    return re.findall(r"[A-Za-z][A-Za-z]+", ALLOWED_LATIN.sub(" ", text))


def test_the_quote_view_speaks_chinese(sized: tuple[Page, Watched, str], console: Console) -> None:
    view, watched, size = sized
    quote_tab(view, console)
    view.click("#language")
    pick(view, "origin", "重庆", "CNCQI-TJC")
    expect(view.locator("#origin-list")).to_be_hidden()
    pick(view, "destination", "新加坡", "SGSIN")
    expect(view.locator("#destination-input")).to_have_value("新加坡港")
    view.select_option("#quote-form select[name=cargo_class]", "dangerous")
    view.click("#quote-advanced summary")
    assert latin_words(view) == []
    view.select_option("#quote-form select[name=cargo_class]", "dry")
    quote = sent_quote_zh(view)
    expect(view.locator("#quote-bill h3")).to_have_text("费用明细（一口价）")
    # operators by their Chinese names: on the cards and in the chosen option's legs
    chinese = {
        leg["properties"]["operator_zh"]
        for option in quote["options"]
        for leg in option["legs"]["features"]
    }
    shown = view.locator("#quote-panel .operator")
    expect(shown.first).to_be_visible()
    for index in range(shown.count()):
        operator = shown.nth(index)
        expect(operator).to_have_attribute("lang", "zh")
        assert operator.inner_text() in chinese
    # bill lines by the fee catalogue's Chinese names
    expect(view.locator("#quote-bill tr").nth(1)).to_contain_text("铁路集装箱运费 发到基价 40英尺")
    view.click(".booking .book")
    assert latin_words(view) == []
    assert_accessible(view, f"中文 quote ({size})")
    shot(view, f"forwarder-zh-{size}")
    view.click(".booking .to-review")  # the missing parties, in Chinese
    expect(view.locator(".booking .problem")).to_contain_text("发货人 · 名称：必填")
    assert latin_words(view) == []
    # the API's problems through the page's words
    view.fill("#origin-input", "亚特兰蒂斯")
    view.click("#quote-form button[type=submit]")
    expect(view.locator("#quote-problem")).to_contain_text("起运地：没有名为“亚特兰蒂斯”的地点")
    assert latin_words(view) == []
    shot(view, f"forwarder-zh-problem-{size}")
    view.click("#language")  # the choice persists: leave the next test in English
    assert_stayed_home(watched, console, REFUSED)


def sent_quote_zh(page: Page) -> Any:
    """Send the quote form and wait for its options; the API's answer."""
    with page.expect_response(lambda r: r.url.endswith("/v1/quotes")) as answered:
        page.click("#quote-form button[type=submit]")
    expect(page.locator("#quote-status")).to_have_text(re.compile(r"\d+ 个方案"))
    return answered.value.json()
