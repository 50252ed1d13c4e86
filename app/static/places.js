// The place picker of the quote form: a type-ahead combobox (the ARIA 1.2 pattern) over
// GET /v1/locations?q=, which finds places by English or Chinese name and by UN/LOCODE. Each
// suggestion shows the name, the kind of place and its country; the field shows the picked place's
// name and the request carries its id.

import { get } from "./api.js";
import { language, nameOf, onSwitch, t } from "./i18n.js";

const SUGGESTIONS = 8;

let everyPlace = null;

/** Every location of the network by id, asked once (the cards, bills and lists name places). */
export function loadPlaces() {
  everyPlace ??= get("/v1/locations?limit=500").then(
    (page) => {
      known = new Map(page.items.map((place) => [place.id, place]));
      return known;
    },
    (err) => {
      everyPlace = null; // asked again next time: the key may have been missing
      throw err;
    },
  );
  return everyPlace;
}

let known = new Map();

/** The location ``id`` once loadPlaces() has answered, else undefined. */
export function placeById(id) {
  return known.get(id);
}

/** The short name of the place ``id`` (the id itself for a door point or an unknown place). */
export function placeName(id) {
  const place = known.get(id);
  return place ? shortName(place) : id;
}

/** A place's name without its parenthesis: "Qinzhou Port (Dalanping, …)" reads "Qinzhou Port". */
export function shortName(place) {
  return nameOf(place).split(/\s*[(（]/)[0];
}

/** The country's name in the current language ("CN": China, 中国), from the browser's own table. */
export function countryName(code) {
  try {
    return new Intl.DisplayNames([language() === "zh" ? "zh-CN" : "en"], { type: "region" }).of(code);
  } catch {
    return code; // a code the browser does not know
  }
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** One origin, destination or hub field: ``root`` holds the text input and the list. */
export class PlacePicker {
  constructor(root, onPick = () => {}) {
    this.input = root.querySelector("input[role=combobox]");
    this.list = root.querySelector("[role=listbox]");
    this.onPick = onPick;
    this.place = null; // the picked location, or null while the text is the user's own
    this.found = [];
    this.active = -1;
    this.asked = 0;
    this.timer = null;
    this.input.addEventListener("input", () => {
      this.place = null;
      delete this.input.dataset.placeId;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.suggest(), 150);
    });
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    // pressed, not clicked: the click would come after the field lost its focus
    this.list.addEventListener("mousedown", (event) => {
      const item = event.target.closest("[role=option]");
      if (!item?.dataset.index) return; // "no place matches" picks nothing
      event.preventDefault();
      this.pick(this.found[Number(item.dataset.index)]);
    });
  }

  /** The id the request carries: the picked place's, or the text typed (the API reads city
   * names and codes too). */
  get value() {
    return this.place ? this.place.id : this.input.value.trim();
  }

  async suggest() {
    const q = this.input.value.trim();
    if (!q) return this.close();
    const asked = ++this.asked;
    let page;
    try {
      page = await get(`/v1/locations?q=${encodeURIComponent(q)}&limit=${SUGGESTIONS}`);
    } catch {
      return this.close(); // the quote itself reports a service that does not answer
    }
    // a later keystroke asked again, or the user has moved on to another field
    if (asked !== this.asked || document.activeElement !== this.input) return;
    this.found = page.items;
    this.active = -1;
    this.render();
    // said to screen readers: the list itself is only pointed at from the field
    const n = page.items.length;
    document.getElementById("place-status").textContent =
      n === 0 ? t("place.none") : n === 1 ? t("place.found.one") : t("place.found", { n });
  }

  render() {
    const id = this.list.id;
    this.list.replaceChildren();
    if (!this.found.length) {
      const none = element("li", t("place.none"), "place-none");
      none.setAttribute("role", "option");
      none.setAttribute("aria-disabled", "true");
      this.list.append(none);
    }
    this.found.forEach((place, index) => {
      const item = element("li", undefined, "place-option");
      item.id = `${id}-${index}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(index === this.active));
      item.dataset.index = String(index);
      item.append(
        element("span", shortName(place), "place-name"),
        element(
          "span",
          `${t(`place.kind.${place.kind}`)} · ${countryName(place.country)} · ${place.id}`,
          "place-meta",
        ),
      );
      this.list.append(item);
    });
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    if (this.active >= 0) this.input.setAttribute("aria-activedescendant", `${id}-${this.active}`);
    else this.input.removeAttribute("aria-activedescendant");
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  key(event) {
    const open = !this.list.hidden && this.found.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) return this.suggest();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.found.length) % this.found.length;
      this.render();
      this.list.children[this.active]?.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter" && open && this.active >= 0) {
      event.preventDefault(); // picks; it does not send the form
      this.pick(this.found[this.active]);
    } else if (event.key === "Escape" && !this.list.hidden) {
      event.preventDefault();
      this.close();
    }
  }

  /** Show ``place`` in the field and carry its id. */
  pick(place) {
    this.set(place);
    this.close();
    this.onPick(place);
  }

  set(place) {
    this.place = place;
    this.input.value = place ? shortName(place) : "";
    if (place) this.input.dataset.placeId = place.id;
    else delete this.input.dataset.placeId;
    this.input.removeAttribute("aria-invalid");
  }

  /** Fill in the place with id ``id`` (a link or a stored quote names it by id). */
  async setById(id) {
    if (!id) return this.set(null);
    try {
      this.set(await get(`/v1/locations/${encodeURIComponent(id)}`));
    } catch {
      this.place = null;
      this.input.value = id; // a city or name the API reads as it is
    }
  }

  /** The name again in the current language. */
  relabel() {
    if (this.place) this.input.value = shortName(this.place);
    if (!this.list.hidden) this.render();
  }
}

// what the pickers last said to screen readers was said in the language of its time
onSwitch(() => {
  document.getElementById("place-status").textContent = "";
});
