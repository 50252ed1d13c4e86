// The one Leaflet map: the offline basemap, the network coloured by mode (opening on the corridor,
// its main places labelled), and the layers the quote and study views draw on it (each in a pane
// of its own, so views and tests can find them). No line or place on it is a Tab stop (the map
// itself is, to pan with the arrow keys, and its zoom buttons): the keyboard reaches services
// through the network view's list.

import { get } from "./api.js";
import { dateText, language, nameOf, operatorOf, t } from "./i18n.js";

const L = window.L;

const palette = getComputedStyle(document.documentElement);

/** Mode colours from the one palette (/palette.css, which the study report shares). */
export const MODE_COLOURS = Object.fromEntries(
  ["sea", "rail", "river", "canal", "road", "air"].map((mode) => [mode, palette.getPropertyValue(`--${mode}`).trim()]),
);

// Chongqing and Chengdu to the Beibu Gulf, Kunming to Guangzhou: the corridor, not Asia
const CORRIDOR = [
  [20.4, 102.2],
  [30.9, 113.6],
];

// the places named on the map, by the short name a map gives them, in order of precedence where
// labels would overlap
const LABELLED = [
  ["CNQZH", "Qinzhou", "钦州"],
  ["CNCQI-TJC", "Chongqing", "重庆"],
  ["CNNIN-IRP", "Nanning", "南宁"],
  ["CNKNM-WJY", "Kunming", "昆明"],
  ["CNCDU-CXG", "Chengdu", "成都"],
  ["CNGYA-DLY", "Guiyang", "贵阳"],
  ["CNBIH", "Beihai", "北海"],
  ["CNFAN", "Fangchenggang", "防城港"],
  ["CNLZH", "Liuzhou", "柳州"],
  ["CNWUZ", "Wuzhou", "梧州"],
  ["CNNSA", "Guangzhou", "广州"],
  ["VNYEV", "Hanoi", "河内"],
  ["VNHPH", "Haiphong", "海防"],
  ["CNPIN", "Pingxiang", "凭祥"],
  ["CNHKM", "Hekou", "河口"],
  ["CNGUG", "Guigang", "贵港"],
  ["HKHKG", "Hong Kong", "香港"],
  ["CNHJJ", "Huaihua", "怀化"],
  ["LATHG", "Vientiane", "万象"],
  ["SGSIN", "Singapore", "新加坡"],
];

export const map = L.map("map", { zoomControl: true, worldCopyJump: true, minZoom: 2 });
map.fitBounds(CORRIDOR, { animate: false });
map.attributionControl.setPrefix(false);
map.attributionControl.addAttribution("Natural Earth · Leaflet");

/** Name the map for screen readers (again after a language switch). */
export function labelMap() {
  const box = map.getContainer();
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", t("map.label"));
}
labelMap();

for (const [name, z] of [
  ["land", 210],
  ["network", 400],
  ["hits", 410],
  ["flows", 420],
  ["routes", 440],
  ["labels", 550],
  ["places", 600],
]) {
  map.createPane(name).style.zIndex = z;
}

// drawn first and outline-free: the 1:50m region lies over the 1:110m world without seams
fetch("/static/land.geojson")
  .then((response) => response.json())
  .then((land) => {
    L.geoJSON(land, {
      pane: "land",
      interactive: false,
      style: { stroke: false, fillColor: "#e8e4d8", fillOpacity: 1 },
    }).addTo(map);
  });

const networkLayer = L.layerGroup().addTo(map);
const labelLayer = L.layerGroup().addTo(map);
const placesLayer = L.layerGroup().addTo(map);
const routeLayer = L.layerGroup().addTo(map);
const flowLayer = L.layerGroup().addTo(map);
let network = null;
let locations = new Map();
// service code -> its name, from the network's legs
let serviceNames = new Map();

export function locationById(id) {
  return locations.get(id);
}

/** ``collection`` with each line's longitudes made continuous, so a Pacific crossing is not
 * drawn the long way round the world (Leaflet joins +179 to -179 straight across). */
export function unwrapped(collection) {
  const line = (coordinates) => {
    const out = [];
    for (const [lon, lat] of coordinates) {
      const previous = out.length ? out[out.length - 1][0] : lon;
      out.push([lon + 360 * Math.round((previous - lon) / 360), lat]);
    }
    return out;
  };
  return {
    ...collection,
    features: collection.features.map((feature) => {
      const g = feature.geometry;
      if (g?.type === "LineString") return { ...feature, geometry: { ...g, coordinates: line(g.coordinates) } };
      if (g?.type === "MultiLineString") {
        return { ...feature, geometry: { ...g, coordinates: g.coordinates.map(line) } };
      }
      return feature;
    }),
  };
}

function legStyle(props) {
  return {
    pane: "network",
    color: MODE_COLOURS[props.mode],
    weight: props.status === "planned" ? 4 : 3,
    opacity: 0.85,
    dashArray: props.status === "planned" ? "6 6" : null,
    interactive: false, // the wide invisible line above takes the clicks
  };
}

// a line 3 px wide is hard to hit: each leg has a 14 px transparent twin that takes the pointer
const HIT_STYLE = { pane: "hits", color: "#000", weight: 14, opacity: 0, className: "hit" };

function hours(value) {
  return value >= 48
    ? `${(value / 24).toFixed(1)} ${t("unit.d")}`
    : `${value.toFixed(1)} ${t("unit.h")}`;
}

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  return el;
}

/** A service leg's popup: timetable and capacity, then its next dated departures. */
async function servicePopup(props) {
  const box = element("div", undefined, "service-popup");
  box.append(element("h3", `${props.service_name || props.service}`));
  const from = nameOf(locations.get(props.origin)) || props.origin;
  const to = nameOf(locations.get(props.destination)) || props.destination;
  box.append(element("div", `${from} → ${to}`, "muted"));
  const facts = element("dl");
  // "TUE 18:00" in the data: the day named in the current language
  const timetable = Array.isArray(props.departures)
    ? props.departures.map((slot) => slot.replace(/^[A-Z]{3}/, (day) => t(`day.${day}`))).join(", ")
    : String(props.departures ?? t("service.ondemand"));
  const operator = operatorOf(props);
  for (const [label, value, lang] of [
    ["service.operator", operator.text, operator.lang],
    ["service.timetable", timetable],
    ["service.transit", hours(props.transit_hours)],
    ["service.capacity", props.capacity_teu ? `${props.capacity_teu} TEU` : "—"],
    ["service.status", t(`status.${props.status}`)],
  ]) {
    const shown = element("dd", value ?? "—");
    if (lang) shown.lang = lang;
    facts.append(element("dt", t(label)), shown);
  }
  box.append(facts);
  const list = element("div", "…");
  box.append(element("h4", t("service.departures")), list);
  get(`/v1/services/${encodeURIComponent(props.service)}/departures`)
    .then((page) => {
      const rows = page.items.filter((d) => d.leg === props.id).slice(0, 6);
      list.replaceChildren();
      if (!rows.length) list.append(element("div", t("service.nodepartures"), "muted"));
      const table = element("table", undefined, "departures");
      for (const d of rows) {
        const free = d.on_demand
          ? t("service.ondemand")
          : `${d.available_teu ?? "—"} ${t("service.free")} / ${d.booked_teu} ${t("service.booked")}`;
        const tr = element("tr");
        // local time at the origin, with its offset
        const local = `${dateText(d.departure)} ${d.departure.slice(11, 16)} ${d.departure.slice(19)}`;
        tr.append(element("td", local), element("td", free));
        table.append(tr);
      }
      if (rows.length) list.append(table);
    })
    .catch((err) => list.replaceChildren(element("div", err.message, "problem")));
  return box;
}

/** Load GET /v1/network and draw it; returns the counts. */
export async function loadNetwork() {
  network = await get("/v1/network");
  locations = new Map(
    network.features
      .filter((f) => f.properties.feature_type === "location")
      .map((f) => [f.properties.id, { ...f.properties, lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0] }]),
  );
  const legs = network.features.filter((f) => f.properties.feature_type === "service_leg");
  serviceNames = new Map(legs.map((f) => [f.properties.service, f.properties.service_name]));
  drawNetwork();
  return { locations: locations.size, legs: legs.length };
}

// one tooltip that follows the pointer over lines and places; Leaflet's bindTooltip would also
// listen for focus, which makes Chromium put every SVG path in the Tab order
const hover = L.tooltip({ direction: "top", offset: [0, -8] });

/** Name ``layer`` in the hover tooltip while the pointer is over it; ``text`` is a string or a
 * function giving it, so that a line drawn before a language switch is named in the new one. */
function hoverName(layer, text) {
  layer.on("mousemove", (event) => {
    hover.setLatLng(event.latlng).setContent(typeof text === "function" ? text() : text);
    if (!map.hasLayer(hover)) hover.addTo(map);
  });
  layer.on("mouseout", () => hover.remove());
}

/** Open a service leg's popup at ``latlng``; returns its content. */
async function openPopup(props, latlng) {
  const content = await servicePopup(props);
  L.popup({ maxWidth: 360 }).setLatLng(latlng).setContent(content).openOn(map);
  return content;
}

function drawNetwork() {
  networkLayer.clearLayers();
  if (!network) return;
  const legs = unwrapped({
    type: "FeatureCollection",
    features: network.features.filter((f) => f.properties.feature_type === "service_leg"),
  });
  L.geoJSON(legs, { style: (feature) => legStyle(feature.properties) }).addTo(networkLayer);
  L.geoJSON(legs, {
    style: () => HIT_STYLE,
    onEachFeature: (feature, layer) => {
      hoverName(layer, `${feature.properties.service_name || feature.properties.service}`);
      layer.on("click", (event) => openPopup(feature.properties, event.latlng));
    },
  }).addTo(networkLayer);
  for (const place of locations.values()) {
    const marker = L.circleMarker([place.lat, place.lon], {
      pane: "places",
      radius: 4,
      weight: 1,
      color: "#333",
      fillColor: "#fff",
      fillOpacity: 1,
    }).addTo(networkLayer);
    hoverName(marker, `${place.id} · ${nameOf(place)}`);
  }
  drawLabels();
}

/** The short name of a place for its label: its name up to the first bracket. */
function shortName(place) {
  return nameOf(place).split(/[(（]/)[0].trim();
}

function drawLabels() {
  labelLayer.clearLayers();
  for (const [id] of LABELLED) {
    const place = locations.get(id);
    if (!place) continue;
    const icon = L.divIcon({ className: "place-label", html: "", iconSize: null, iconAnchor: [-6, 9] });
    const label = L.marker([place.lat, place.lon], { icon, pane: "labels", interactive: false, keyboard: false });
    label.addTo(labelLayer);
    label.getElement().textContent = placeName(id);
  }
  fitLabels();
}

/** Hide the labels that would run off the map or over a label of a more important place. */
function fitLabels() {
  const box = map.getContainer().getBoundingClientRect();
  const placed = [];
  for (const label of labelLayer.getLayers()) {
    const element = label.getElement();
    if (!element) continue;
    element.style.visibility = "";
    const r = element.getBoundingClientRect();
    const inside = r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
    const clear = placed.every((p) => r.right < p.left || r.left > p.right || r.bottom < p.top || r.top > p.bottom);
    if (inside && clear) placed.push(r);
    else element.style.visibility = "hidden";
  }
}
map.on("zoomend moveend resize", fitLabels);

/** Services by name, for the list that opens their timetables without the map. */
export function serviceList() {
  if (!network) return [];
  const byId = new Map();
  for (const f of network.features) {
    const p = f.properties;
    if (p.feature_type !== "service_leg" || byId.has(p.service)) continue;
    byId.set(p.service, { id: p.service, name: nameOf({ name: p.service_name, id: p.service }) });
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Open a service's popup at its first leg, as a click on the map would, and move the focus
 * into it (a screen reader reads it; Escape or its close button returns to ``from``). */
export async function openService(serviceId, from) {
  const leg = network.features.find(
    (f) => f.properties.feature_type === "service_leg" && f.properties.service === serviceId,
  );
  const line = L.geoJSON(unwrapped({ type: "FeatureCollection", features: [leg] }));
  const bounds = line.getBounds();
  map.fitBounds(bounds, { padding: [40, 40], maxZoom: 7, animate: false });
  const content = await openPopup(leg.properties, bounds.getCenter());
  content.tabIndex = -1;
  content.focus();
  const back = () => from?.focus();
  content.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    map.closePopup();
    back();
  });
  map.once("popupclose", back);
}

/** Mark and centre on a location found by the search. */
export function showPlace(place) {
  placesLayer.clearLayers();
  L.circleMarker([place.lat, place.lon], {
    pane: "places",
    radius: 9,
    weight: 3,
    color: "#b34700", // the console's accent
    fillOpacity: 0,
  })
    .bindTooltip(`${place.id} · ${nameOf(place)}`, { permanent: true, direction: "right" })
    .addTo(placesLayer);
  map.setView([place.lat, place.lon], Math.max(map.getZoom(), 6), { animate: false });
}

/** Draw quote options' legs; the selected one bold, the others faint. */
export function drawRoutes(options, selectedId) {
  routeLayer.clearLayers();
  let bounds = null;
  for (const option of options) {
    const selected = option.id === selectedId;
    const layer = L.geoJSON(unwrapped(option.legs), {
      pane: "routes",
      style: (feature) => ({
        pane: "routes",
        color: MODE_COLOURS[feature.properties.mode] || "#333",
        weight: selected ? 6 : 3,
        opacity: selected ? 0.95 : 0.35,
        className: selected ? "route selected" : "route",
      }),
      onEachFeature: (feature, leg) => {
        const p = feature.properties;
        hoverName(leg, () => `${p.seq}. ${serviceName(p)} · ${placeName(p.from)} → ${placeName(p.to)}`);
      },
    }).addTo(routeLayer);
    if (selected) {
      layer.bringToFront();
      bounds = layer.getBounds();
    }
  }
  // not animated: a view caught mid-zoom shows only what was drawn for the old one
  if (bounds && bounds.isValid()) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 7, animate: false });
  }
}

export function clearRoutes() {
  routeLayer.clearLayers();
}

/** A location's short name in the current language, by id: the map's label where it has one
 * (香港 for Hong Kong, which the data names in English only), else its name; the id if unknown. */
export function placeName(id) {
  const labelled = LABELLED.find(([labelId]) => labelId === id);
  if (labelled) return language() === "zh" ? labelled[2] : labelled[1];
  const place = locations.get(id);
  return place ? shortName(place) : id;
}

/** A service's name (a study's flows carry only its code): its name in the network, else the
 * code. */
function serviceName(props) {
  return props.service_name || serviceNames.get(props.service) || props.service;
}

/** Locations by name, for choosers. */
export function placeList() {
  return [...locations.values()]
    .map((place) => ({ id: place.id, name: `${shortName(place)} · ${place.id}` }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The tags only planned legs carry: projects a scenario can open (the Pinglu Canal). */
export function plannedTags() {
  if (!network) return [];
  const legs = network.features.filter((f) => f.properties.feature_type === "service_leg");
  const planned = new Set(legs.filter((f) => f.properties.status === "planned").flatMap((f) => f.properties.tags || []));
  for (const f of legs) if (f.properties.status !== "planned") for (const tag of f.properties.tags || []) planned.delete(tag);
  // a lock (lock:<name>) is part of a project, not one of its own
  return [...planned].filter((tag) => !tag.includes(":")).sort();
}

/** Draw a study's flows: width by TEU, colour by mode. */
export function drawFlows(collection) {
  flowLayer.clearLayers();
  const features = collection.features.filter((f) => f.properties.teu > 0);
  const top = Math.max(1, ...features.map((f) => f.properties.teu));
  const layer = L.geoJSON(
    unwrapped({ type: "FeatureCollection", features }),
    {
      pane: "flows",
      style: (feature) => ({
        pane: "flows",
        color: MODE_COLOURS[feature.properties.mode] || "#333",
        weight: 1 + 11 * Math.sqrt(feature.properties.teu / top),
        opacity: 0.75,
        lineCap: "butt",
      }),
      onEachFeature: (feature, leg) => {
        const p = feature.properties;
        const utilisation =
          p.utilisation == null ? "" : ` · ${(100 * p.utilisation).toFixed(0)} %`;
        hoverName(
          leg,
          () => `${serviceName(p)} · ${placeName(p.origin)} → ${placeName(p.destination)}: ${Math.round(p.teu).toLocaleString()} TEU${utilisation}`,
        );
      },
    },
  ).addTo(flowLayer);
  if (layer.getBounds().isValid()) {
    map.fitBounds(layer.getBounds(), { padding: [20, 20], animate: false });
  }
}

/** Draw what a scenario changes on each leg against the reference: the flows that grow in one
 * colour, those that shrink in another, width by the size of the change. */
export function drawDifference(reference, scenario) {
  flowLayer.clearLayers();
  const rows = new Map();
  for (const f of reference.features) rows.set(f.properties.leg, { feature: f, before: f.properties.teu, after: 0 });
  for (const f of scenario.features) {
    const row = rows.get(f.properties.leg) || { before: 0 };
    rows.set(f.properties.leg, { ...row, feature: f, after: f.properties.teu });
  }
  const features = [...rows.values()]
    .map(({ feature, before, after }) => ({ ...feature, properties: { ...feature.properties, before, after, change: after - before } }))
    .filter((f) => Math.abs(f.properties.change) >= 0.5)
    .sort((a, b) => Math.abs(a.properties.change) - Math.abs(b.properties.change));
  const top = Math.max(1, ...features.map((f) => Math.abs(f.properties.change)));
  const colour = (name) => palette.getPropertyValue(`--${name}`).trim();
  const layer = L.geoJSON(unwrapped({ type: "FeatureCollection", features }), {
    pane: "flows",
    style: (feature) => {
      const grows = feature.properties.change > 0;
      return {
        pane: "flows",
        color: colour(grows ? "grows" : "shrinks"),
        weight: 1.5 + 11 * Math.sqrt(Math.abs(feature.properties.change) / top),
        opacity: 0.8,
        lineCap: "butt",
        className: grows ? "grows" : "shrinks",
      };
    },
    onEachFeature: (feature, leg) => {
      const p = feature.properties;
      const n = (v) => Math.round(v).toLocaleString();
      hoverName(
        leg,
        () => `${serviceName(p)} · ${placeName(p.origin)} → ${placeName(p.destination)}: ${n(p.before)} → ${n(p.after)} TEU (${p.change > 0 ? "+" : ""}${n(p.change)})`,
      );
    },
  }).addTo(flowLayer);
  if (layer.getBounds().isValid()) {
    map.fitBounds(layer.getBounds(), { padding: [20, 20], animate: false });
  }
  return features.length;
}

/** Which layers the current view shows: the network dims under routes and flows. */
export function focus(view) {
  const show = (layer, on) => (on ? map.addLayer(layer) : map.removeLayer(layer));
  show(routeLayer, view === "quote");
  show(flowLayer, view === "study");
  show(placesLayer, view === "network");
  map.getPane("network").style.opacity = view === "network" ? 1 : 0.25;
  map.invalidateSize();
}

/** Redraw labels that depend on the language. */
export function relabel() {
  drawNetwork();
  labelMap();
  map.closePopup();
}
