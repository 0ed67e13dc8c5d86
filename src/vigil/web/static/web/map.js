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
 * - Colours: the CSS variables --vigil-* of palette.css (generated from vigil.palette,
 *   the one scheme of map, charts and PNGs), read once with getComputedStyle. Gained
 *   is solid, lost hatched with a dashed edge, redraws dotted: never hue alone.
 * - Base map, offline: the countries around Ukraine (/basemap, Natural Earth) over the
 *   sea (the map's background), Ukraine from the store's oblasts over them; place and
 *   oblast names by zoom (/places), not focusable and hidden from screen readers (the
 *   figures and tables say it all in text).
 * - Keyboard: no vector path is a Tab stop (they are not interactive, or carry
 *   tabindex=-1); the change's fragments are reached by the list beside the map.
 * - While a view loads, its figure is marked aria-busy and dimmed, and the heading
 *   changes only with the figure it names.
 * - For tests: #map carries data-bounds (W,S,E,N shown) and data-labels (the zoom
 *   whose labels are drawn).
 * - Words go through Django's JavaScript catalogue (gettext, ngettext, pgettext,
 *   interpolate, loaded by base.html); numbers through Intl in the page's language
 *   (<html lang>). Dates stay ISO, as the address and the date fields write them.
 */
(function () {
  "use strict";

  // Django's JavaScript catalogue; the page still works in English without it.
  const gettext = window.gettext || ((s) => s);
  const ngettext = window.ngettext || ((s, p, n) => (n === 1 ? s : p));
  const pgettext = window.pgettext || ((c, s) => s);
  const interpolate =
    window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (m, k) => String(obj[k])));
  const LANG = document.documentElement.lang || "en";

  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("config").textContent);
  const dates = config.dates; // ISO strings, ascending
  const first = dates[0];
  const last = dates[dates.length - 1];
  const mapEl = $("map");
  const panel = $("map-panel");

  // The palette (static/web/palette.css, from vigil.palette): never a colour of our own.
  const rootStyle = getComputedStyle(document.documentElement);
  const cssColour = (name) => rootStyle.getPropertyValue(`--vigil-${name}`).trim();
  const COLOUR = {
    gained: cssColour("gained"),
    lost: cssColour("lost"),
    held: cssColour("held"),
    heldEdge: cssColour("held-edge"),
    grey: cssColour("grey-zone"),
    redraw: cssColour("redraw"),
    land: cssColour("land"),
    abroad: cssColour("land-abroad"),
    border: cssColour("border"),
    oblast: cssColour("oblast-line"),
    net: cssColour("net"),
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
    base: interpolate(
      // Translators: %(link)s is the link "Natural Earth" (a map data set's name).
      gettext("Base map %(link)s"),
      { link: '<a href="https://www.naturalearthdata.com/">Natural Earth</a>' },
      true,
    ),
    // boundaries, place names and points (data/geography/README.md): OpenStreetMap
    // (ODbL), GeoNames (CC BY 4.0); one link, so the credits add one Tab stop only
    geography: interpolate(
      // Translators: %(link)s is the link "OpenStreetMap"; a map credit.
      gettext("Oblasts, places © %(link)s, GeoNames (CC BY 4.0)"),
      { link: '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>' },
      true,
    ),
  };
  const FIT = { padding: [28, 28], maxZoom: 12, animate: false };
  const LABEL_LIMIT = 300;

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
  const decimal = new Intl.NumberFormat(LANG, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const whole = new Intl.NumberFormat(LANG, { maximumFractionDigits: 0 });

  /** ``1,234.5`` (en), ``1 234,5`` (uk, ru); ``+`` with ``signed``, ``−`` below zero. */
  function number(x, signed) {
    if (x === null || x === undefined || Number.isNaN(x)) return gettext("n/a");
    const v = Math.round(x * 10) / 10 + 0;
    const sign = v < 0 ? "−" : signed && v > 0 ? "+" : "";
    return `${sign}${decimal.format(Math.abs(v))}`;
  }

  function km2(x, signed) {
    if (x === null || x === undefined || Number.isNaN(x)) return gettext("n/a");
    return `${number(x, signed)} ${pgettext("unit", "km²")}`;
  }

  function escapeHtml(text) {
    const holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
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
  const map = L.map(mapEl, { minZoom: 4, maxZoom: 16, zoomSnap: 1, zoomControl: false });
  // Leaflet's own words (the zoom buttons' titles and labels, its credit's title)
  L.control.zoom({ zoomInTitle: gettext("Zoom in"), zoomOutTitle: gettext("Zoom out") }).addTo(map);
  const leafletCredit = map.attributionControl.options.prefix;
  if (typeof leafletCredit === "string") {
    const title = escapeHtml(gettext("A JavaScript library for interactive maps")).replaceAll('"', "&quot;");
    map.attributionControl.setPrefix(
      leafletCredit.replace('title="A JavaScript library for interactive maps"', `title="${title}"`),
    );
  }

  function pane(name, z) {
    map.createPane(name).style.zIndex = String(z);
    return name;
  }
  pane("abroad", 240);
  pane("base", 250);
  pane("grey", 405);
  pane("area", 410);
  pane("change", 420);
  pane("outline", 430);
  pane("labels", 445); // above compare.js's pane (440)
  pane("places", 450);
  // place names are drawn for the eye; the figures and tables say everything in text
  map.getPane("labels").setAttribute("aria-hidden", "true");

  if (config.tile_url) {
    L.tileLayer(config.tile_url, {
      attribution: config.tile_attribution || "",
      maxZoom: 18,
    }).addTo(map);
  }

  const abroadLayer = L.geoJSON(null, {
    pane: "abroad",
    interactive: false,
    attribution: CREDITS.base,
    filter: (feature) => feature.properties.role === "abroad" || !config.has_geography,
    style: (feature) => ({
      color: COLOUR.border,
      weight: 0.8,
      fillColor: feature.properties.role === "abroad" ? COLOUR.abroad : COLOUR.land,
      fillOpacity: 1,
    }),
  });
  const baseLayer = L.geoJSON(null, {
    pane: "base",
    interactive: false,
    style: { color: COLOUR.border, weight: 1, fillColor: COLOUR.land, fillOpacity: 1 },
  });
  const regionLayer = L.geoJSON(null, {
    pane: "outline",
    interactive: false, // named by the labels; no Tab stop, no tooltip to hunt for
    style: { color: COLOUR.oblast, weight: 1.1, opacity: 0.9, fill: false },
  });
  const greyLayer = L.geoJSON(null, {
    pane: "grey",
    interactive: false,
    style: { color: COLOUR.border, weight: 0.6, fillColor: "url(#hatch-grey)", fillOpacity: 1 },
  });
  const areaLayer = L.geoJSON(null, {
    pane: "area",
    interactive: false,
    attribution: CREDITS.data,
    // Opaque over the grey zone beneath it, so that its hatching shows only outside.
    style: () => ({
      color: COLOUR.heldEdge,
      weight: 1,
      fillColor: COLOUR.held,
      fillOpacity: state.grey ? 1 : 0.85,
    }),
  });
  const beforeLayer = L.geoJSON(null, {
    pane: "area",
    interactive: false,
    style: { color: COLOUR.heldEdge, weight: 0.8, fillColor: COLOUR.held, fillOpacity: 0.75 },
  });

  function isRedraw(p) {
    return Boolean(p.redraw);
  }

  function fragmentStyle(feature) {
    const p = feature.properties;
    if (isRedraw(p)) {
      return {
        color: COLOUR.redraw,
        weight: 1.5,
        dashArray: "1 3",
        fillColor: COLOUR.redraw,
        fillOpacity: 0.55,
      };
    }
    if (p.direction === "gained") {
      return { color: COLOUR.net, weight: 0.8, fillColor: COLOUR.gained, fillOpacity: 0.9 };
    }
    return {
      color: COLOUR.lost,
      weight: 1.5,
      dashArray: "4 3",
      fillColor: "url(#hatch-lost)",
      fillOpacity: 1,
    };
  }

  /** A fragment in words: the API's description (vigil.territory.locate, as the CLI
   * and the brief word it), else its direction and area. */
  function fragmentText(p) {
    const area = { area: km2(p.area_km2) };
    const text =
      p.description ||
      (p.direction === "gained"
        ? interpolate(gettext("Gained: %(area)s"), area, true)
        : interpolate(gettext("Lost: %(area)s"), area, true));
    if (!isRedraw(p)) return text;
    return interpolate(
      // Translators: %(text)s describes a fragment of the map; %(layers)s lists the
      // source's layers (names as the source spells them).
      gettext("%(text)s (redrawn by the source: %(layers)s)"),
      { text, layers: p.redraw.replaceAll(",", ", ") },
      true,
    );
  }

  const fragmentLayers = new Map(); // feature index -> Leaflet layer
  const changeLayer = L.geoJSON(null, {
    pane: "change",
    attribution: CREDITS.data,
    style: fragmentStyle,
    onEachFeature: (feature, layer) => {
      fragmentLayers.set(feature.properties._index, layer);
      layer.bindTooltip(fragmentText(feature.properties), { sticky: true });
    },
  });
  const labelLayer = L.layerGroup([], { pane: "labels" });
  const placeLayer = L.layerGroup([]); // credited with the geography
  [greyLayer, areaLayer, beforeLayer, changeLayer].forEach((layer) => layer.addTo(map));
  if (config.has_geography) {
    map.attributionControl.addAttribution(CREDITS.geography);
    labelLayer.addTo(map);
  }

  /** No vector path is a Tab stop: the list beside the map reaches the fragments. */
  function untab() {
    mapEl.querySelectorAll("path").forEach((path) => {
      path.setAttribute("tabindex", "-1");
      path.setAttribute("focusable", "false");
    });
  }

  if (initial.zoom !== null && initial.lat !== null && initial.lon !== null) {
    map.setView([initial.lat, initial.lon], initial.zoom);
  } else if (initial.zoom !== null) {
    map.setView(UKRAINE_CENTRE, initial.zoom);
  } else {
    map.fitBounds(UKRAINE);
  }
  // the change view goes to the change, unless the address says where to look
  let fitPending = initial.mode === "change" && initial.zoom === null;

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
  // The countries around (Natural Earth) under Ukraine's oblasts: the border drawn is
  // the oblasts' outline at every zoom. Without oblasts, Natural Earth's Ukraine.
  let basemap = Promise.resolve(null);
  if (!config.tile_url) {
    basemap = api("basemap", {})
      .then((collection) => {
        abroadLayer.addData(collection).addTo(map);
        return collection;
      })
      .catch((error) => {
        showError(interpolate(gettext("Base map: %(error)s"), { error: error.message }, true));
        return null;
      });
  }
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
        showError(interpolate(gettext("Boundaries: %(error)s"), { error: error.message }, true));
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
        ? interpolate(
            gettext("Russian-controlled area: change from %(start)s to %(end)s"),
            { start: state.from, end: state.to },
            true,
          )
        : interpolate(gettext("Russian-controlled area on %(day)s"), { day: state.date }, true);
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
    button.title = interpolate(gettext("Zoom the map to %(name)s"), { name }, true);
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
            interpolate(
              gettext("Change by oblast from %(start)s to %(end)s, km²"),
              { start: state.from, end: state.to },
              true,
            ),
            [
              [gettext("Oblast"), false],
              [gettext("Gained"), true],
              [gettext("Lost"), true],
              [gettext("Net"), true],
            ],
            rows,
            gettext("No change in any oblast."),
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
            cell("td", `${decimal.format(r.controlled_pct ?? 0)} %`, "num"),
          ];
          if (withGrey) cells.push(cell("td", number(r.grey_km2), "num"));
          return cells;
        });
        const snapshot = records.length ? records[0].snapshot_date : state.date;
        const caption =
          snapshot && snapshot !== state.date
            ? interpolate(
                gettext("Controlled area by oblast on %(day)s (snapshot of %(snapshot)s)"),
                { day: state.date, snapshot },
                true,
              )
            : interpolate(gettext("Controlled area by oblast on %(day)s"), { day: state.date }, true);
        const head = [
          [gettext("Oblast"), false],
          [gettext("Controlled km²"), true],
          [gettext("Share of the oblast"), true],
        ];
        if (withGrey) head.push([gettext("Grey zone km²"), true]);
        fillRegions(caption, head, rows, gettext("No oblast holds controlled area on this date."));
      })
      .catch(
        (error) => () => fillRegions(gettext("Controlled area by oblast"), null, [], error.message),
      );
  }

  // -- settlements ---------------------------------------------------------------------
  const STATUS_COLOUR = { controlled: COLOUR.gained, free: COLOUR.lost, grey: COLOUR.grey };
  // a settlement's status (the API's value) in words
  const STATUS_TEXT = {
    controlled: pgettext("settlement status", "controlled"),
    free: pgettext("settlement status", "free"),
    grey: pgettext("settlement status", "grey"),
    unlocated: pgettext("settlement status", "unlocated"),
  };
  const statusText = (status) => STATUS_TEXT[status] || status;

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
        $("settlement-summary").textContent = gettext("Settlements that changed hands");
        $("settlement-caption").textContent = config.has_geography
          ? gettext("Turn on the layer “Settlements that changed hands” to list them.")
          : gettext("This store holds no settlement gazetteer.");
        $("settlement-body").replaceChildren();
      });
    }
    const [from, to] = settlementSpan();
    const caption = interpolate(
      gettext("Settlements whose status changed between %(start)s and %(end)s"),
      { start: from, end: to },
      true,
    );
    if (from >= to) {
      return Promise.resolve(() => fillSettlements([], caption));
    }
    return api("settlements", { from, to })
      .then((records) => () => fillSettlements(records, caption))
      .catch(
        (error) => () =>
          fillSettlements(
            [],
            // Translators: a table's caption, then why its rows could not be loaded.
            interpolate(gettext("%(caption)s: %(error)s"), { caption, error: error.message }, true),
          ),
      );
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
        color: COLOUR.net,
        weight: 2,
        fillColor: STATUS_COLOUR[r.to_status] || COLOUR.land,
        fillOpacity: 1,
      });
      const tip = {
        name: settlementName(r),
        oblast: r.oblast || "",
        before: statusText(r.from_status),
        after: statusText(r.to_status),
        since: r.since,
      };
      marker.bindTooltip(
        r.since
          ? // Translators: a settlement, its oblast, its status before → after, and the date.
            interpolate(gettext("%(name)s (%(oblast)s): %(before)s → %(after)s since %(since)s"), tip, true)
          : interpolate(gettext("%(name)s (%(oblast)s): %(before)s → %(after)s"), tip, true),
      );
      placeLayer.addLayer(marker);
    });
    $("settlement-summary").textContent = interpolate(
      gettext("Settlements that changed hands (%(n)s)"),
      { n: whole.format(records.length) },
      true,
    );
    const shown = records.slice(0, SETTLEMENT_ROWS);
    $("settlement-caption").textContent =
      records.length > shown.length
        ? interpolate(
            ngettext(
              "%(caption)s; the first %(n)s is listed",
              "%(caption)s; the first %(n)s are listed",
              shown.length,
            ),
            { caption, n: whole.format(shown.length) },
            true,
          )
        : caption;
    $("settlement-body").replaceChildren(
      ...shown.map((r) =>
        row([
          cell("th", settlementName(r)),
          cell("td", r.oblast || ""),
          cell("td", `${statusText(r.from_status)} → ${statusText(r.to_status)}`),
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
      const parts = [
        union
          ? interpolate(gettext("Russian-controlled including the grey zone on %(day)s"), { day: date }, true)
          : interpolate(gettext("Russian-controlled on %(day)s"), { day: date }, true),
      ];
      if (area.snapshot_date !== date) {
        parts.push(interpolate(gettext("latest snapshot: %(day)s"), { day: area.snapshot_date }, true));
      }
      if (area.grey_km2 !== null && area.grey_km2 !== undefined) {
        // Translators: %(area)s is an area in km², e.g. "1,234.5 km²".
        parts.push(interpolate(gettext("grey zone %(area)s"), { area: km2(area.grey_km2) }, true));
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
      const features = c.geometry.features.map((f, i) => ({
        ...f,
        properties: { ...f.properties, _index: i },
      }));
      fragmentLayers.clear();
      changeLayer.clearLayers().addData({ type: "FeatureCollection", features });
      $("change-gained").textContent = km2(c.gained_km2);
      $("change-lost").textContent = km2(c.lost_km2);
      $("change-net").textContent = km2(c.net_km2, true);
      const notes = [
        interpolate(
          gettext("Snapshots of %(start)s and %(end)s."),
          { start: c.snapshot_from, end: c.snapshot_to },
          true,
        ),
      ];
      if (c.gap) notes.push(gettext("A snapshot used is older than the date asked for."));
      const redrawn = (c.gained_redraw_km2 || 0) + (c.lost_redraw_km2 || 0);
      if (redrawn > 0.05) {
        notes.push(
          interpolate(
            gettext(
              "Of these, %(gained)s gained and %(lost)s lost are the source's redraws, not changes of hands.",
            ),
            { gained: km2(c.gained_redraw_km2), lost: km2(c.lost_redraw_km2) },
            true,
          ),
        );
      }
      $("change-note").textContent = notes.join(" ");
      fillFragments(features);
      showChosen();
      if (fitPending) {
        fitPending = false;
        const bounds = changeLayer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds, FIT);
      }
      mapEl.dataset.drawnDate = from;
      mapEl.dataset.drawnFrom = from;
      mapEl.dataset.drawnTo = to;
    });
  }

  // -- the fragments beside the map ------------------------------------------------------
  const FRAGMENT_ROWS = 25; // the list shows the largest this many of each kind

  function fragmentBounds(p) {
    const layer = fragmentLayers.get(p._index);
    if (p.bbox && p.bbox.length === 4) {
      const [w, s, e, n] = p.bbox;
      return L.latLngBounds([s, w], [n, e]);
    }
    return layer ? layer.getBounds() : null;
  }

  let chosen = null; // the fragment chosen in the list: {key, index, at}, kept across redraws

  function showChosen() {
    if (!chosen || chosen.key !== `${state.from}|${state.to}`) return;
    const layer = fragmentLayers.get(chosen.index);
    if (layer) layer.openTooltip(chosen.at);
  }

  function zoomToFragment(p) {
    const bounds = fragmentBounds(p);
    if (!bounds) return;
    const at = p.lat !== undefined && p.lat !== null ? L.latLng(p.lat, p.lon) : bounds.getCenter();
    chosen = { key: `${state.from}|${state.to}`, index: p._index, at };
    map.fitBounds(bounds, { padding: [40, 40], maxZoom: 13, animate: false });
    showChosen();
  }

  function fragmentItem(p) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    const kind = isRedraw(p) ? "redraw" : p.direction;
    button.className = `fragment fragment-${kind}`;
    const swatch = document.createElement("span");
    swatch.className = `swatch swatch-${kind === "redraw" ? "redraw" : kind}`;
    swatch.setAttribute("aria-hidden", "true");
    const words = document.createElement("span");
    words.textContent = fragmentText(p);
    button.append(swatch, words);
    button.addEventListener("click", () => zoomToFragment(p));
    li.appendChild(button);
    return li;
  }

  function fillFragments(features) {
    const props = features
      .map((f) => f.properties)
      .sort((a, b) => b.area_km2 - a.area_km2);
    const changes = props.filter((p) => !isRedraw(p));
    const redraws = props.filter(isRedraw);
    const shown = changes.slice(0, FRAGMENT_ROWS);
    $("fragment-list").replaceChildren(...shown.map(fragmentItem));
    const rest = changes.slice(FRAGMENT_ROWS);
    const restKm2 = rest.reduce((sum, p) => sum + p.area_km2, 0);
    $("fragment-more").textContent = !changes.length
      ? gettext("Nothing changed hands between the two snapshots.")
      : rest.length
        ? interpolate(
            ngettext(
              "And %(n)s smaller fragment, %(area)s in all.",
              "And %(n)s smaller fragments, %(area)s in all.",
              rest.length,
            ),
            { n: whole.format(rest.length), area: km2(restKm2) },
            true,
          )
        : "";
    $("redraw-list").replaceChildren(...redraws.slice(0, FRAGMENT_ROWS).map(fragmentItem));
    $("redraw-block").hidden = !redraws.length;
    document.querySelectorAll(".legend-redraw").forEach((li) => {
      li.hidden = !redraws.length;
    });
  }

  // -- place labels ----------------------------------------------------------------------
  let labelTimer = null;
  let labelGeneration = 0;

  function labelMarker(place) {
    const outer = document.createElement("div");
    const inner = document.createElement("span");
    inner.className = `place-label place-${place.kind}${place.centre ? " place-centre" : ""}`;
    inner.textContent = place.name;
    outer.appendChild(inner);
    return L.marker([place.lat, place.lon], {
      pane: "labels",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "place-icon", html: outer, iconSize: null }),
    });
  }

  function loadLabels() {
    if (!config.has_geography) return;
    const gen = ++labelGeneration;
    const zoom = map.getZoom();
    const b = map.getBounds().pad(0.1);
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((x) => x.toFixed(3))
      .join(",");
    api("places", { zoom: String(zoom), bbox, limit: String(LABEL_LIMIT) })
      .then((places) => {
        if (gen !== labelGeneration) return;
        labelLayer.clearLayers();
        places.forEach((place) => labelLayer.addLayer(labelMarker(place)));
        mapEl.dataset.labels = String(zoom);
      })
      .catch((error) => {
        if (gen === labelGeneration) {
          showError(interpolate(gettext("Place names: %(error)s"), { error: error.message }, true));
        }
      });
  }

  function scheduleLabels() {
    window.clearTimeout(labelTimer);
    labelTimer = window.setTimeout(loadLabels, 150);
  }

  // -- redrawing -------------------------------------------------------------------------
  let generation = 0;
  let timer = null;
  let drawnTolerance = null;

  /** While a view loads: the figure that will change is marked busy and dimmed (never a
   * stale figure beside a new heading: the heading changes when the figure does), and a
   * status line says what is coming. */
  function busy(on) {
    const what =
      state.mode === "change"
        ? interpolate(
            gettext("Loading the change from %(start)s to %(end)s…"),
            { start: state.from, end: state.to },
            true,
          )
        : interpolate(gettext("Loading %(day)s…"), { day: state.date }, true);
    ["area-figure", "change-figure"].forEach((id) => {
      $(id).setAttribute("aria-busy", on ? "true" : "false");
      $(id).classList.toggle("is-loading", on);
    });
    $("fragments").setAttribute("aria-busy", on ? "true" : "false");
    $("fragments").classList.toggle("is-loading", on);
    if (on) mapEl.setAttribute("aria-busy", "true");
    else mapEl.removeAttribute("aria-busy");
    $("map-status").textContent = on ? what : "";
  }

  async function redraw() {
    const gen = ++generation;
    mapEl.dataset.state = "loading";
    busy(true);
    writeAddress();
    const loaders = [
      state.mode === "change" ? changeLoader() : areaLoader(),
      regionsLoader(),
      settlementsLoader(),
      basemap.then(() => () => {}),
    ];
    try {
      const draws = await Promise.all(loaders);
      if (gen !== generation) return; // a later redraw was asked for meanwhile
      hideError();
      draws.forEach((draw) => draw());
      setTitle();
      untab();
      drawnTolerance = tolerance();
      mapEl.dataset.mode = state.mode;
      mapEl.dataset.state = "ready";
      busy(false);
      writeAddress();
      if (state.mode === "area") prefetchNeighbours();
    } catch (error) {
      if (gen !== generation) return;
      showError(error.message);
      mapEl.dataset.state = "error";
      busy(false);
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
      showError(
        interpolate(gettext("Date: choose a date from %(first)s to %(last)s."), { first, last }, true),
      );
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
    $("fragments").hidden = mode !== "change";
    panel.dataset.mode = mode;
    fitPending = mode === "change";
    schedule(0);
  }

  document.querySelectorAll('input[name="mode"]').forEach((radio) => {
    radio.addEventListener("change", (event) => setMode(event.target.value));
  });

  function changeDates() {
    const a = fromInput.value;
    const b = toInput.value;
    for (const [message, v] of [
      [gettext("From: choose a date from %(first)s to %(last)s."), a],
      [gettext("To: choose a date from %(first)s to %(last)s."), b],
    ]) {
      if (!isDate(v) || v < first || v > last) {
        showError(interpolate(message, { first, last }, true));
        return;
      }
    }
    if (b < a) {
      showError(
        interpolate(gettext("To (%(end)s) must be on or after From (%(start)s)."), { start: a, end: b }, true),
      );
      return;
    }
    state.from = a;
    state.to = b;
    fitPending = true;
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

  function showBounds() {
    const b = map.getBounds();
    mapEl.dataset.bounds = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((x) => x.toFixed(5))
      .join(",");
  }

  map.on("moveend", () => {
    writeAddress();
    showBounds();
    scheduleLabels();
  });
  map.on("zoomend", () => {
    if (drawnTolerance !== null && tolerance() !== drawnTolerance) schedule(200);
  });

  // Forms submit only without JavaScript (the <noscript> buttons); with it, Enter in a
  // date field must not reload the page.
  ["area-controls", "change-controls"].forEach((id) => {
    $(id).addEventListener("submit", (event) => event.preventDefault());
  });

  showDate();
  showBounds();
  loadLabels();
  redraw();
})();
