// Entry point: the key (checked before it is kept), the language switch, the tabs, and the
// network view's search box and service list.

import { Problem, acceptKey, apiKey, clearProblem, get, setApiKey, showProblem } from "./api.js";
import { nameOf, onSwitch, t, toggleLanguage, translate } from "./i18n.js";
import { focus, loadNetwork, openService, relabel, serviceList, showPlace } from "./map.js";
import { initQuote } from "./quote.js";
import { loadStudies, studyInAddress } from "./study.js";

const keyForm = document.getElementById("key-form");
const keyNote = document.getElementById("key-note");
const who = document.getElementById("who");
const whoText = document.getElementById("who-text");
const keyChange = document.getElementById("key-change");
const problemBox = document.getElementById("network-problem");
const counts = document.getElementById("network-counts");
const search = document.getElementById("location-search");
const found = document.getElementById("location-results");
const services = document.querySelector("#service-list ul");
const tabs = [...document.querySelectorAll("[role=tab]")];
let summary = null;
let me = null;

// marked, so that the language switch relabels it
function note(key, values) {
  keyNote.dataset.i18n = key;
  keyNote.textContent = t(key, values);
}

/** GET /v1/me with ``key``, before it is kept: who it is, or the Problem that refused it. */
async function checkKey(key) {
  let response;
  try {
    response = await fetch("/v1/me", { headers: { Authorization: `Bearer ${key}` } });
  } catch (err) {
    throw new Problem({ title: t("problem.network"), detail: String(err), status: 0 });
  }
  if (!response.ok) throw new Problem({ title: t("key.refused"), status: response.status });
  return response.json();
}

function showWho() {
  if (!me) return;
  whoText.textContent = t("key.who", { organisation: me.organisation.name, role: t(`role.${me.key.role}`) });
}

/** Show what the key's role may do and hide the rest: tabs and ``[data-needs]`` parts. */
function applyRole() {
  const may = new Set(me?.permissions || []);
  const needs = { network: "network:read", quote: "quotes:write", study: "scenarios:read" };
  for (const tab of tabs) tab.hidden = Boolean(me) && !may.has(needs[tab.dataset.view]);
  for (const part of document.querySelectorAll("[data-needs]")) part.hidden = !may.has(part.dataset.needs);
  const current = tabs.find((tab) => tab.getAttribute("aria-selected") === "true");
  if (current?.hidden) showView("network");
}

/** The key form collapses into the "Change key" button once a key is in use. */
function showKeyForm(open) {
  keyForm.hidden = !open;
  who.hidden = !me;
  keyChange.setAttribute("aria-expanded", String(open));
}

function showView(view, { moveFocus = false } = {}) {
  for (const tab of tabs) {
    const on = tab.dataset.view === view;
    tab.classList.toggle("active", on);
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1; // roving: Tab reaches the chosen tab, the arrows the others
    if (on && moveFocus) tab.focus();
  }
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== `${view}-panel`;
  focus(view);
}

// the WAI-ARIA tabs pattern: Left/Right move (wrapping), Home/End jump; choosing follows focus
document.querySelector("[role=tablist]").addEventListener("keydown", (event) => {
  const shown = tabs.filter((tab) => !tab.hidden);
  const at = shown.indexOf(document.activeElement);
  if (at < 0) return;
  const next = {
    ArrowRight: (at + 1) % shown.length,
    ArrowLeft: (at - 1 + shown.length) % shown.length,
    Home: 0,
    End: shown.length - 1,
  }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  showView(shown[next].dataset.view, { moveFocus: true });
});

function listServices() {
  services.replaceChildren(
    ...serviceList().map((service) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = service.name;
      button.addEventListener("click", () => openService(service.id, button));
      item.append(button);
      return item;
    }),
  );
}

async function start() {
  clearProblem(problemBox);
  try {
    summary = await loadNetwork();
    counts.textContent = t("network.counts", summary);
    listServices();
  } catch (err) {
    showProblem(problemBox, err);
  }
  await loadStudies();
  if (studyInAddress()) showView("study");
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
      clearProblem(problemBox);
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

/** Check ``key``; keep it only if the service knows it. ``stored``: it was kept before. */
async function useKey(key, stored = false) {
  note("key.checking");
  try {
    me = await checkKey(key);
  } catch (err) {
    // a refused key is not kept; a stored one that stopped working is dropped, one the service
    // could not check (it did not answer) is kept for the next try
    const refused = err.body?.status === 401;
    if (stored && refused) setApiKey("");
    const words = refused ? "key.refused.note" : stored ? "problem.network" : "key.unchecked";
    note(words, { status: err.body?.status || "—" });
    showKeyForm(true);
    return;
  }
  keyForm.elements.key.value = "";
  note("key.saved");
  showWho();
  applyRole();
  showKeyForm(false);
  acceptKey(key, me);
  await start();
}

keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyForm.elements.key.value.trim();
  if (key) useKey(key);
  else note("key.missing");
});

keyChange.addEventListener("click", () => {
  showKeyForm(keyForm.hidden);
  if (!keyForm.hidden) keyForm.elements.key.focus();
});

window.addEventListener("hashchange", () => {
  if (studyInAddress()) showView("study");
});

document.getElementById("language").addEventListener("click", toggleLanguage);
for (const tab of tabs) {
  tab.addEventListener("click", () => showView(tab.dataset.view));
}
onSwitch(() => {
  relabel();
  showWho();
  if (summary) {
    counts.textContent = t("network.counts", summary);
    listServices();
  }
});

translate();
initQuote();
showView("network");
if (apiKey()) useKey(apiKey(), true);
else note("key.missing");
