/* Vigil's map page. Plain JavaScript, no build step, nothing inline (the page's CSP
 * allows scripts from this site only).
 *
 * - The page's configuration (the store's dates, the API's root, the tile server if
 *   any, the state asked for by the address) is the JSON block #config.
 * - The view's state (date; from and to in the change view; grey; layers; zoom, lat,
 *   lon) lives in the address: every change rewrites it (history.replaceState), so
 *   the address is always a permalink to what is shown.
 * - After each redraw, #map carries data-drawn-date (and data-drawn-from and
 *   data-drawn-to for a change) and data-state="ready" ("loading" while fetching,
 *   "error" when the API refused), so browser tests can wait for it.
 * - Colours: gained orange #E69F00, lost blue #0072B2 (Okabe & Ito, safe for the
 *   common colour-vision deficiencies), told apart by pattern as well: lost is
 *   hatched with a dashed edge, gained solid.
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("config").textContent);
  const dates = config.dates; // ISO strings, ascending
  const first = dates[0];
  const last = dates[dates.length - 1];
  const mapEl = $("map");
  const panel = $("map-panel");

  const COLOUR = {
    controlled: "#D55E00",
    controlledEdge: "#8c3c00",
    controlledOnLand: "#e6af81", // #D55E00 at 45 % over the land colour
    gained: "#E69F00",
    gainedEdge: "#8a5f00",
    lost: "#0072B2",
    before: "#d9d9d9",
    beforeEdge: "#8c8c8c",
    land: "#f4f1ea",
    border: "#9a9a9a",
    region: "#333333",
  };
  const UKRAINE = [
    [44.3, 22.1],
    [52.4, 40.3],
  ];
  const UKRAINE_CENTRE = [48.4, 31.2];
  const LAYERS = ["regions", "settlements"];
  const SETTLEMENT_ROWS = 300; // the table lists at most this many
  const CREDITS = {
    // Leaflet writes attributions as HTML: the store's credit is escaped first.
    data: escapeHtml(config.credit || config.source || ""),
    // boundaries and most settlement points (data/geography/README.md)
    geography: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    settlements: '<a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)',
  };

  const initial = config.state;
  const state = {
    mode: initial.mode,
    date: initial.date,
    from: initial.from,
    to: initial.to,
    grey: Boolean(initial.grey),
    layers: new Set(initial.layers),
  };

  // -- numbers and dates ---------------------------------------------------------------
  const decimal = new Intl.NumberFormat("en-GB", {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });

  function km2(x, signed) {
    if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
    const v = Math.round(x * 10) / 10 + 0;
    const sign = v < 0 ? "−" : signed && v > 0 ? "+" : "";
    return `${sign}${decimal.format(Math.abs(v))} km²`;
  }

  function escapeHtml(text) {
    const holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
  }

  function number(x, signed) {
    return km2(x, signed).replace(" km²", "");
  }

  function addDays(iso, n) {
    const d = new Date(`${iso}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function isDate(v) {
    return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
  }

  /** Index of the latest snapshot on or before ``iso`` (0 when before the first). */
  function snapshotIndex(iso) {
    let lo = 0;
    let hi = dates.length - 1;
    if (iso < first) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (dates[mid] <= iso) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  // -- the API -------------------------------------------------------------------------
  const responses = new Map(); // url -> Promise of JSON, most recent last

  function api(path, params) {
    const query = new URLSearchParams(params).toString();
    const url = `${config.api_root}${path}${query ? `?${query}` : ""}`;
    if (responses.has(url)) {
      const hit = responses.get(url);
      responses.delete(url);
      responses.set(url, hit);
      return hit;
    }
    const promise = fetch(url, { headers: { Accept: "application/json" } }).then(
      async (response) => {
        const body = await response.json().catch(() => null);
        if (!response.ok) {
          const message =
            body && body.error && body.error.message
              ? body.error.message
              : `${response.status} ${response.statusText} (${path})`;
          const error = new Error(message);
          error.status = response.status;
          throw error;
        }
        return body;
      },
    );
    promise.catch(() => responses.delete(url));
    responses.set(url, promise);
    while (responses.size > 80) responses.delete(responses.keys().next().value);
    return promise;
  }

  // -- the map -------------------------------------------------------------------------
  const map = L.map(mapEl, { minZoom: 4, maxZoom: 16, zoomSnap: 1 });

  function pane(name, z) {
    map.createPane(name).style.zIndex = String(z);
    return name;
  }
  pane("base", 250);
  pane("grey", 405);
  pane("area", 410);
  pane("change", 420);
  pane("outline", 430);
  pane("places", 450);

  if (config.tile_url) {
    L.tileLayer(config.tile_url, {
      attribution: config.tile_attribution || "",
      maxZoom: 18,
    }).addTo(map);
  }

  const baseLayer = L.geoJSON(null, {
    pane: "base",
    interactive: false,
    style: {
      color: COLOUR.border,
      weight: 0.8,
      fillColor: COLOUR.land,
      fillOpacity: 1,
    },
  });
  const regionLayer = L.geoJSON(null, {
    pane: "outline",
    style: { color: COLOUR.region, weight: 1.2, opacity: 0.8, fill: false },
    onEachFeature: (feature, layer) => layer.bindTooltip(regionName(feature.properties), { sticky: true }),
  });
  const greyLayer = L.geoJSON(null, {
    pane: "grey",
    interactive: false,
    style: { color: "#595959", weight: 0.8, fillColor: "url(#hatch-grey)", fillOpacity: 1 },
  });
  const areaLayer = L.geoJSON(null, {
    pane: "area",
    interactive: false,
    attribution: CREDITS.data,
    // Translucent over the base map; opaque (the same colour over the land) when the
    // hatched grey zone lies beneath it, so the hatching shows only outside it.
    style: () => ({
      color: COLOUR.controlledEdge,
      weight: 1,
      fillColor: state.grey ? COLOUR.controlledOnLand : COLOUR.controlled,
      fillOpacity: state.grey ? 1 : 0.45,
    }),
  });
  const beforeLayer = L.geoJSON(null, {
    pane: "area",
    interactive: false,
    style: { color: COLOUR.beforeEdge, weight: 0.8, fillColor: COLOUR.before, fillOpacity: 0.8 },
  });
  const changeLayer = L.geoJSON(null, {
    pane: "change",
    attribution: CREDITS.data,
    style: (feature) =>
      feature.properties.direction === "gained"
        ? { color: COLOUR.gainedEdge, weight: 1.2, fillColor: COLOUR.gained, fillOpacity: 0.85 }
        : {
            color: COLOUR.lost,
            weight: 1.5,
            dashArray: "4 3",
            fillColor: "url(#hatch-lost)",
            fillOpacity: 1,
          },
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(`${p.direction === "gained" ? "Gained" : "Lost"}: ${km2(p.area_km2)}`, {
        sticky: true,
      });
    },
  });
  const placeLayer = L.layerGroup([], { attribution: CREDITS.settlements });
  [greyLayer, areaLayer, beforeLayer, changeLayer].forEach((layer) => layer.addTo(map));
  if (config.has_geography) map.attributionControl.addAttribution(CREDITS.geography);

  if (initial.zoom !== null && initial.lat !== null && initial.lon !== null) {
    map.setView([initial.lat, initial.lon], initial.zoom);
  } else if (initial.zoom !== null) {
    map.setView(UKRAINE_CENTRE, initial.zoom);
  } else {
    map.fitBounds(UKRAINE);
  }

  /** Geometry simplification (degrees) fine enough for the zoom level. */
  function tolerance() {
    const z = map.getZoom();
    if (z <= 5) return 0.01;
    if (z <= 6) return 0.005;
    if (z <= 7) return 0.002;
    if (z <= 8) return 0.001;
    if (z <= 10) return 0.0003;
    return 0;
  }

  function withTolerance(params) {
    const t = tolerance();
    return t ? { ...params, simplify: String(t) } : params;
  }

  function regionName(p) {
    return p.name_en || p.name || p.code || "";
  }

  // -- boundaries: the offline base map and the regions layer ---------------------------
  const regionBounds = new Map(); // code -> LatLngBounds
  let boundaries = Promise.resolve(null);
  if (config.has_geography) {
    boundaries = api("boundaries", { level: "oblast" })
      .then((collection) => {
        if (!config.tile_url) baseLayer.addData(collection).addTo(map);
        regionLayer.addData(collection);
        regionLayer.eachLayer((layer) => {
          regionBounds.set(layer.feature.properties.code, layer.getBounds());
        });
        showRegions();
        return collection;
      })
      .catch((error) => {
        showError(`Boundaries: ${error.message}`);
        return null;
      });
  }

  function showRegions() {
    if (state.layers.has("regions")) regionLayer.addTo(map);
    else regionLayer.remove();
  }

  // -- the address ---------------------------------------------------------------------
  function address() {
    const parts = [];
    if (state.mode === "change") {
      parts.push(`from=${state.from}`, `to=${state.to}`);
    } else {
      parts.push(`date=${state.date}`);
      if (state.grey) parts.push("grey=1");
    }
    parts.push(`layers=${LAYERS.filter((n) => state.layers.has(n)).join(",")}`);
    const c = map.getCenter();
    parts.push(`zoom=${map.getZoom()}`, `lat=${c.lat.toFixed(4)}`, `lon=${c.lng.toFixed(4)}`);
    return `${window.location.pathname}?${parts.join("&")}`;
  }

  function writeAddress() {
    const url = address();
    window.history.replaceState(null, "", url);
    $("permalink").href = url;
  }

  // -- messages ------------------------------------------------------------------------
  function showError(message) {
    const box = $("map-error");
    box.textContent = message;
    box.hidden = false;
  }

  function hideError() {
    const box = $("map-error");
    box.textContent = "";
    box.hidden = true;
  }

  function setTitle() {
    const title =
      state.mode === "change"
        ? `Russian-controlled area: change from ${state.from} to ${state.to}`
        : `Russian-controlled area on ${state.date}`;
    $("map-title").textContent = title;
  }

  // -- tables --------------------------------------------------------------------------
  function cell(tag, text, className) {
    const el = document.createElement(tag);
    if (tag === "th" && className !== "col") el.scope = "row";
    if (className === "col") el.scope = "col";
    else if (className) el.className = className;
    if (text instanceof Node) el.appendChild(text);
    else el.textContent = text;
    return el;
  }

  function row(cells) {
    const tr = document.createElement("tr");
    cells.forEach((c) => tr.appendChild(c));
    return tr;
  }

  function header(names) {
    const tr = document.createElement("tr");
    names.forEach(([name, numeric]) => {
      const th = cell("th", name, "col");
      if (numeric) th.classList.add("num");
      tr.appendChild(th);
    });
    return tr;
  }

  function zoomButton(code, name) {
    if (!regionBounds.has(code)) return document.createTextNode(name);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "zoom-to";
    button.textContent = name;
    button.title = `Zoom the map to ${name}`;
    button.addEventListener("click", () => map.fitBounds(regionBounds.get(code)));
    return button;
  }

  function fillRegions(caption, head, rows, empty) {
    $("region-caption").textContent = caption;
    $("region-head").replaceChildren(head ? header(head) : "");
    const body = $("region-body");
    body.replaceChildren();
    if (!rows.length) body.appendChild(row([cell("td", empty)]));
    rows.forEach((cells) => body.appendChild(row(cells)));
  }

  function regionsLoader() {
    if (!config.has_geography) return Promise.resolve(() => {});
    const change = state.mode === "change";
    const params = change
      ? { level: "oblast", from: state.from, to: state.to }
      : { level: "oblast", date: state.date };
    return Promise.all([api("regions", params), boundaries])
      .then(([records]) => () => {
        if (change) {
          const rows = records
            .filter((r) => r.gained_km2 > 0.05 || r.lost_km2 > 0.05)
            .map((r) => [
              cell("th", zoomButton(r.code, regionName(r))),
              cell("td", number(r.gained_km2), "num"),
              cell("td", number(r.lost_km2), "num"),
              cell("td", number(r.net_km2, true), "num"),
            ]);
          fillRegions(
            `Change by oblast from ${state.from} to ${state.to}, km²`,
            [
              ["Oblast", false],
              ["Gained", true],
              ["Lost", true],
              ["Net", true],
            ],
            rows,
            "No change in any oblast.",
          );
          return;
        }
        const withGrey = state.grey && records.some((r) => r.grey_km2 !== null);
        const held = records
          .filter((r) => r.controlled_km2 > 0.05 || (withGrey && r.grey_km2 > 0.05))
          .sort((a, b) => b.controlled_km2 - a.controlled_km2);
        const rows = held.map((r) => {
          const cells = [
            cell("th", zoomButton(r.code, regionName(r))),
            cell("td", number(r.controlled_km2), "num"),
            cell("td", `${(r.controlled_pct ?? 0).toFixed(1)} %`, "num"),
          ];
          if (withGrey) cells.push(cell("td", number(r.grey_km2), "num"));
          return cells;
        });
        const snapshot = records.length ? records[0].snapshot_date : state.date;
        const used = snapshot && snapshot !== state.date ? ` (snapshot of ${snapshot})` : "";
        const head = [
          ["Oblast", false],
          ["Controlled km²", true],
          ["Share of the oblast", true],
        ];
        if (withGrey) head.push(["Grey zone km²", true]);
        fillRegions(
          `Controlled area by oblast on ${state.date}${used}`,
          head,
          rows,
          "No oblast holds controlled area on this date.",
        );
      })
      .catch((error) => () => fillRegions("Controlled area by oblast", null, [], error.message));
  }

  // -- settlements ---------------------------------------------------------------------
  const STATUS_COLOUR = { controlled: COLOUR.gained, free: COLOUR.lost, grey: "#bbbbbb" };

  function settlementSpan() {
    if (state.mode === "change") return [state.from, state.to];
    const from = addDays(state.date, -7);
    return [from < first ? first : from, state.date];
  }

  function settlementsLoader() {
    const on = config.has_geography && state.layers.has("settlements");
    if (!on) {
      return Promise.resolve(() => {
        placeLayer.clearLayers().remove();
        $("settlement-summary").textContent = "Settlements that changed hands";
        $("settlement-caption").textContent = config.has_geography
          ? "Turn on the layer “Settlements that changed hands” to list them."
          : "This store holds no settlement gazetteer.";
        $("settlement-body").replaceChildren();
      });
    }
    const [from, to] = settlementSpan();
    const caption = `Settlements whose status changed between ${from} and ${to}`;
    if (from >= to) {
      return Promise.resolve(() => fillSettlements([], caption));
    }
    return api("settlements", { from, to })
      .then((records) => () => fillSettlements(records, caption))
      .catch((error) => () => fillSettlements([], `${caption}: ${error.message}`));
  }

  function settlementName(r) {
    return r.name_en || r.name_uk || r.code;
  }

  function fillSettlements(records, caption) {
    placeLayer.clearLayers().addTo(map);
    records.forEach((r) => {
      if (r.lat === null || r.lon === null) return;
      const marker = L.circleMarker([r.lat, r.lon], {
        pane: "places",
        radius: 5,
        color: "#1a1a1a",
        weight: 2,
        fillColor: STATUS_COLOUR[r.to_status] || "#ffffff",
        fillOpacity: 1,
      });
      marker.bindTooltip(
        `${settlementName(r)} (${r.oblast || ""}): ${r.from_status} → ${r.to_status}` +
          (r.since ? ` since ${r.since}` : ""),
      );
      placeLayer.addLayer(marker);
    });
    $("settlement-summary").textContent = `Settlements that changed hands (${records.length})`;
    const shown = records.slice(0, SETTLEMENT_ROWS);
    const more = records.length > shown.length ? `; the first ${shown.length} are listed` : "";
    $("settlement-caption").textContent = `${caption}${more}`;
    $("settlement-body").replaceChildren(
      ...shown.map((r) =>
        row([
          cell("th", settlementName(r)),
          cell("td", r.oblast || ""),
          cell("td", `${r.from_status} → ${r.to_status}`),
          cell("td", r.since || ""),
        ]),
      ),
    );
  }

  // -- the area and the change -----------------------------------------------------------
  function areaLoader() {
    const date = state.date;
    const main = api("area", withTolerance({ date, geometry: "true" }));
    const grey = state.grey
      ? api("area", withTolerance({ date, geometry: "true", grey: "true" }))
      : Promise.resolve(null);
    return Promise.all([main, grey]).then(([area, union]) => () => {
      beforeLayer.clearLayers();
      changeLayer.clearLayers();
      areaLayer.clearLayers().addData(area.geometry);
      greyLayer.clearLayers();
      if (union) greyLayer.addData(union.geometry);
      $("area-value").textContent = km2(union ? union.area_km2 : area.controlled_km2);
      const parts = [`Russian-controlled${union ? " including the grey zone" : ""} on ${date}`];
      if (area.snapshot_date !== date) parts.push(`latest snapshot: ${area.snapshot_date}`);
      if (area.grey_km2 !== null && area.grey_km2 !== undefined) {
        parts.push(`grey zone ${km2(area.grey_km2)}`);
      }
      $("area-note").textContent = `${parts.join("; ")}.`;
      mapEl.dataset.drawnDate = date;
      delete mapEl.dataset.drawnFrom;
      delete mapEl.dataset.drawnTo;
    });
  }

  function changeLoader() {
    const { from, to } = state;
    const change = api("change", withTolerance({ from, to, geometry: "true" }));
    const before = api("area", withTolerance({ date: from, geometry: "true" }));
    return Promise.all([change, before]).then(([c, a]) => () => {
      areaLayer.clearLayers();
      greyLayer.clearLayers();
      beforeLayer.clearLayers().addData(a.geometry);
      changeLayer.clearLayers().addData(c.geometry);
      $("change-gained").textContent = km2(c.gained_km2);
      $("change-lost").textContent = km2(c.lost_km2);
      $("change-net").textContent = km2(c.net_km2, true);
      let note = `Snapshots of ${c.snapshot_from} and ${c.snapshot_to}.`;
      if (c.gap) note += " A snapshot used is older than the date asked for.";
      $("change-note").textContent = note;
      mapEl.dataset.drawnDate = from;
      mapEl.dataset.drawnFrom = from;
      mapEl.dataset.drawnTo = to;
    });
  }

  // -- redrawing -------------------------------------------------------------------------
  let generation = 0;
  let timer = null;
  let drawnTolerance = null;

  async function redraw() {
    const gen = ++generation;
    mapEl.dataset.state = "loading";
    mapEl.setAttribute("aria-busy", "true");
    setTitle();
    writeAddress();
    const loaders = [
      state.mode === "change" ? changeLoader() : areaLoader(),
      regionsLoader(),
      settlementsLoader(),
    ];
    try {
      const draws = await Promise.all(loaders);
      if (gen !== generation) return; // a later redraw was asked for meanwhile
      hideError();
      draws.forEach((draw) => draw());
      drawnTolerance = tolerance();
      mapEl.dataset.mode = state.mode;
      mapEl.dataset.state = "ready";
      mapEl.removeAttribute("aria-busy");
      if (state.mode === "area") prefetchNeighbours();
    } catch (error) {
      if (gen !== generation) return;
      showError(error.message);
      mapEl.dataset.state = "error";
      mapEl.removeAttribute("aria-busy");
    }
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(redraw, delay);
  }

  /** The snapshots either side of the one shown, so stepping with the keys is quick. */
  function prefetchNeighbours() {
    const i = snapshotIndex(state.date);
    [i - 1, i + 1].forEach((j) => {
      if (j >= 0 && j < dates.length) {
        api("area", withTolerance({ date: dates[j], geometry: "true" })).catch(() => {});
      }
    });
  }

  // -- controls --------------------------------------------------------------------------
  const slider = $("date-slider");
  const dateInput = $("date-input");
  const fromInput = $("change-from");
  const toInput = $("change-to");

  function showDate() {
    slider.value = String(snapshotIndex(state.date));
    slider.setAttribute("aria-valuetext", state.date);
    $("date-output").textContent = state.date;
    dateInput.value = state.date;
  }

  slider.addEventListener("input", () => {
    state.date = dates[Number(slider.value)];
    showDate();
    schedule(120);
  });
  slider.addEventListener("change", () => schedule(0));

  dateInput.addEventListener("change", () => {
    const v = dateInput.value;
    if (!isDate(v) || v < first || v > last) {
      showError(`Date: choose a date from ${first} to ${last}.`);
      dateInput.value = state.date;
      return;
    }
    state.date = v;
    showDate();
    schedule(0);
  });

  $("grey-toggle").addEventListener("change", (event) => {
    state.grey = event.target.checked;
    schedule(0);
  });

  function setMode(mode) {
    state.mode = mode;
    if (mode === "change" && !(state.from && state.to)) {
      state.to = state.date;
      const from = addDays(state.date, -7);
      state.from = from < first ? first : from;
      if (state.from === state.to && dates.length > 1) state.to = dates[1];
    }
    if (mode === "change") {
      fromInput.value = state.from;
      toInput.value = state.to;
    }
    $("area-controls").hidden = mode !== "area";
    $("area-figure").hidden = mode !== "area";
    $("change-controls").hidden = mode !== "change";
    $("change-figure").hidden = mode !== "change";
    panel.dataset.mode = mode;
    schedule(0);
  }

  document.querySelectorAll('input[name="mode"]').forEach((radio) => {
    radio.addEventListener("change", (event) => setMode(event.target.value));
  });

  function changeDates() {
    const a = fromInput.value;
    const b = toInput.value;
    for (const [name, v] of [
      ["From", a],
      ["To", b],
    ]) {
      if (!isDate(v) || v < first || v > last) {
        showError(`${name}: choose a date from ${first} to ${last}.`);
        return;
      }
    }
    if (b < a) {
      showError(`To (${b}) must be on or after From (${a}).`);
      return;
    }
    state.from = a;
    state.to = b;
    schedule(0);
  }
  fromInput.addEventListener("change", changeDates);
  toInput.addEventListener("change", changeDates);

  LAYERS.forEach((name) => {
    $(`layer-${name}`).addEventListener("change", (event) => {
      if (event.target.checked) state.layers.add(name);
      else state.layers.delete(name);
      if (name === "regions") {
        showRegions();
        writeAddress();
      } else {
        if (event.target.checked) panel.dataset.settlements = "";
        else delete panel.dataset.settlements;
        schedule(0);
      }
    });
  });

  map.on("moveend", writeAddress);
  map.on("zoomend", () => {
    if (drawnTolerance !== null && tolerance() !== drawnTolerance) schedule(200);
  });

  // Forms submit only without JavaScript (the <noscript> buttons); with it, Enter in a
  // date field must not reload the page.
  ["area-controls", "change-controls"].forEach((id) => {
    $(id).addEventListener("submit", (event) => event.preventDefault());
  });

  showDate();
  redraw();
})();
