// The one Leaflet map: the offline basemap, the network coloured by mode, and the layers the
// quote and study views draw on it (each in a pane of its own, so views and tests can find them).

import { get } from "./api.js";
import { nameOf, t } from "./i18n.js";

const L = window.L;

export const MODE_COLOURS = {
  sea: "#1f5fa8",
  rail: "#c0392b",
  river: "#138d75",
  canal: "#8e44ad",
  road: "#7f8c8d",
  air: "#d68910",
};

export const map = L.map("map", { zoomControl: true, worldCopyJump: true, minZoom: 2 }).setView(
  [20, 108],
  4,
);
map.attributionControl.setPrefix(false);
map.attributionControl.addAttribution("Natural Earth · Leaflet");

for (const [name, z] of [
  ["land", 210],
  ["network", 400],
  ["flows", 420],
  ["routes", 440],
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
const placesLayer = L.layerGroup().addTo(map);
const routeLayer = L.layerGroup().addTo(map);
const flowLayer = L.layerGroup().addTo(map);
let network = null;
let locations = new Map();

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

function legStyle(props, highlight = false) {
  return {
    pane: "network",
    color: MODE_COLOURS[props.mode] || "#555",
    weight: highlight ? 5 : 2,
    opacity: 0.8,
    dashArray: props.status === "planned" ? "6 6" : null,
  };
}

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
  for (const [label, value] of [
    ["service.operator", props.operator],
    ["service.timetable", timetable],
    ["service.transit", hours(props.transit_hours)],
    ["service.capacity", props.capacity_teu ? `${props.capacity_teu} TEU` : "—"],
    ["service.status", t(`status.${props.status}`)],
  ]) {
    facts.append(element("dt", t(label)), element("dd", value ?? "—"));
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
        const local = `${d.departure.slice(0, 16).replace("T", " ")} ${d.departure.slice(19)}`;
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
  drawNetwork();
  const legs = network.features.filter((f) => f.properties.feature_type === "service_leg");
  return { locations: locations.size, legs: legs.length };
}

function drawNetwork() {
  networkLayer.clearLayers();
  if (!network) return;
  const legs = network.features.filter((f) => f.properties.feature_type === "service_leg");
  L.geoJSON(
    unwrapped({ type: "FeatureCollection", features: legs }),
    {
      style: (feature) => legStyle(feature.properties),
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(`${feature.properties.service_name || feature.properties.service}`, {
          sticky: true,
        });
        layer.on("click", async (event) => {
          L.popup({ maxWidth: 360 })
            .setLatLng(event.latlng)
            .setContent(await servicePopup(feature.properties))
            .openOn(map);
        });
      },
    },
  ).addTo(networkLayer);
  for (const place of locations.values()) {
    L.circleMarker([place.lat, place.lon], {
      pane: "places",
      radius: 4,
      weight: 1,
      color: "#333",
      fillColor: "#fff",
      fillOpacity: 1,
    })
      .bindTooltip(`${place.id} · ${nameOf(place)}`)
      .addTo(networkLayer);
  }
}

/** Mark and centre on a location found by the search. */
export function showPlace(place) {
  placesLayer.clearLayers();
  L.circleMarker([place.lat, place.lon], {
    pane: "places",
    radius: 9,
    weight: 3,
    color: "#d35400",
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
        leg.bindTooltip(`${p.seq}. ${p.service_name || p.service} · ${p.from} → ${p.to}`, {
          sticky: true,
        });
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
        leg.bindTooltip(
          `${p.service} ${p.origin} → ${p.destination}: ${Math.round(p.teu).toLocaleString()} TEU${utilisation}`,
          { sticky: true },
        );
      },
    },
  ).addTo(flowLayer);
  if (layer.getBounds().isValid()) {
    map.fitBounds(layer.getBounds(), { padding: [20, 20], animate: false });
  }
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
  map.closePopup();
}
