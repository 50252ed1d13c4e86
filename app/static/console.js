// Entry point: the key, the language switch, the tabs, and the network view's search box.

import { apiKey, clearProblem, get, setApiKey, showProblem } from "./api.js";
import { nameOf, onSwitch, t, toggleLanguage, translate } from "./i18n.js";
import { focus, loadNetwork, relabel, showPlace } from "./map.js";
import { initQuote } from "./quote.js";
import { loadStudies } from "./study.js";

const keyForm = document.getElementById("key-form");
const keyNote = document.getElementById("key-note");
const problemBox = document.getElementById("network-problem");
const counts = document.getElementById("network-counts");
const search = document.getElementById("location-search");
const found = document.getElementById("location-results");
let summary = null;

// marked, so that the language switch relabels it
function note(key) {
  keyNote.dataset.i18n = key;
  keyNote.textContent = t(key);
}

function showView(view) {
  for (const tab of document.querySelectorAll("[data-view]")) {
    const on = tab.dataset.view === view;
    tab.classList.toggle("active", on);
    tab.setAttribute("aria-selected", String(on));
  }
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== `${view}-panel`;
  focus(view);
}

async function start() {
  clearProblem(problemBox);
  try {
    summary = await loadNetwork();
    counts.textContent = t("network.counts", summary);
  } catch (err) {
    showProblem(problemBox, err);
  }
  await loadStudies();
}

let searching = null;
search.addEventListener("input", () => {
  clearTimeout(searching);
  searching = setTimeout(async () => {
    const q = search.value.trim();
    found.replaceChildren();
    if (!q) return;
    try {
      const page = await get(`/v1/locations?q=${encodeURIComponent(q)}&limit=8`);
      if (!page.items.length) found.append(Object.assign(document.createElement("li"), { textContent: t("network.none") }));
      for (const place of page.items) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `${place.id} · ${nameOf(place)}`;
        button.addEventListener("click", () => showPlace(place));
        item.append(button);
        found.append(item);
      }
    } catch (err) {
      showProblem(problemBox, err);
    }
  }, 200);
});

keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  setApiKey(keyForm.elements.key.value);
  note("key.saved");
  start();
});

document.getElementById("language").addEventListener("click", toggleLanguage);
for (const tab of document.querySelectorAll("[data-view]")) {
  tab.addEventListener("click", () => showView(tab.dataset.view));
}
onSwitch(() => {
  relabel();
  if (summary) counts.textContent = t("network.counts", summary);
});

translate();
initQuote();
keyForm.elements.key.value = apiKey();
showView("network");
if (apiKey()) start();
else note("key.missing");
