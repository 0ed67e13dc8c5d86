/* Vigil's map page: "Compare with" another source of the store on the date shown.
 * Plain JavaScript, no build step, nothing inline (the page's CSP).
 *
 * Loaded after Leaflet and before map.js: a Leaflet init hook hands over the page's
 * map when map.js makes it, so map.js needs no change. The date drawn is read from
 * #map's data-drawn-date (data-drawn-to in the change view), which map.js sets after
 * every redraw; a MutationObserver redraws the comparison when it changes.
 *
 * The second source's map is drawn as an outline (reddish purple #CC79A7, dashed, from
 * Okabe & Ito's palette, distinct from the controlled area's vermilion and the change
 * colours); what only one source draws is filled: only the page's source hatched,
 * only the other solid. The figures (and the snapshot each source used) are in
 * #compare-figure, an aria-live region; the select is a native, labelled control.
 * Words go through Django's JavaScript catalogue, numbers through Intl in the page's
 * language (<html lang>); dates stay ISO, as on the rest of the map page.
 */
(function () {
  "use strict";

  const gettext = window.gettext || ((s) => s);
  const pgettext = window.pgettext || ((c, s) => s);
  const interpolate =
    window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (m, k) => String(obj[k])));
  const LANG = document.documentElement.lang || "en";

  const $ = (id) => document.getElementById(id);
  const select = $("compare-source");
  const figure = $("compare-figure");
  if (!select || !figure || typeof L === "undefined") return;
  const config = JSON.parse($("config").textContent);
  const COLOUR = { other: "#CC79A7", aOnly: "#56B4E9", bOnly: "#CC79A7" };
  let map = null;
  let layer = null;
  let drawn = null; // "source|date" of the comparison shown
  let generation = 0;

  L.Map.addInitHook(function () {
    if (map === null && this.getContainer().id === "map") {
      map = this;
      map.createPane("compare").style.zIndex = "440";
      layer = L.geoJSON(null, {
        pane: "compare",
        interactive: false,
        style: (feature) => {
          const role = feature.properties.role;
          if (role === "b_map") {
            return { color: COLOUR.other, weight: 2.2, dashArray: "6 4", fill: false };
          }
          if (role === "a_only") {
            return {
              color: COLOUR.aOnly,
              weight: 0.8,
              fillColor: COLOUR.aOnly,
              fillOpacity: 0.55,
            };
          }
          return { color: COLOUR.bOnly, weight: 0.8, fillColor: COLOUR.bOnly, fillOpacity: 0.55 };
        },
      }).addTo(map);
    }
  });

  function km2(x) {
    if (x === null || x === undefined || Number.isNaN(x)) return gettext("n/a");
    return `${new Intl.NumberFormat(LANG, {
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    }).format(x)} ${pgettext("unit", "km²")}`;
  }

  function say(text) {
    figure.textContent = text;
  }

  function shownDate() {
    const el = $("map");
    return el.dataset.drawnTo || el.dataset.drawnDate || (config.state && config.state.date);
  }

  function tolerance() {
    const z = map ? map.getZoom() : 6;
    if (z <= 5) return "0.01";
    if (z <= 7) return "0.002";
    if (z <= 10) return "0.0003";
    return "";
  }

  async function redraw() {
    const other = select.value;
    const date = shownDate();
    if (!layer) return;
    if (!other || !date) {
      layer.clearLayers();
      drawn = null;
      say("");
      $("map").dataset.compareState = "off";
      return;
    }
    const key = `${other}|${date}`;
    if (key === drawn) return;
    const gen = ++generation;
    $("map").dataset.compareState = "loading";
    const params = new URLSearchParams({ sources: `${config.source},${other}`, date });
    const t = tolerance();
    if (t) params.set("simplify", t);
    try {
      const response = await fetch(`${config.api_root}compare/map?${params}`, {
        headers: { Accept: "application/json" },
      });
      const body = await response.json().catch(() => null);
      if (gen !== generation) return;
      if (!response.ok) {
        const message = body && body.error ? body.error.message : `${response.status}`;
        layer.clearLayers();
        drawn = null;
        say(
          interpolate(
            // Translators: %(source)s is a map source's name, %(day)s an ISO date.
            gettext("Cannot compare with %(source)s on %(day)s: %(error)s"),
            { source: other, day: date, error: message },
            true,
          ),
        );
        $("map").dataset.compareState = "error";
        return;
      }
      layer.clearLayers();
      body.forEach((row) => {
        if (row.geometry) {
          layer.addData({ type: "Feature", properties: row, geometry: row.geometry });
        }
      });
      const by = Object.fromEntries(body.map((row) => [row.role, row]));
      say(
        interpolate(
          // Translators: %(other)s and %(source)s are map sources' names (%(source)s the
          // page's own); the dates are ISO; the areas in km², e.g. "1,234.5 km²".
          gettext(
            "%(other)s on %(day)s (its snapshot of %(other_snapshot)s): %(other_area)s, dashed outline. Drawn by %(source)s only: %(source_only)s (blue); by %(other)s only: %(other_only)s (purple; snapshot of %(source)s: %(source_snapshot)s).",
          ),
          {
            other,
            day: date,
            other_snapshot: by.b_map.snapshot_date,
            other_area: km2(by.b_map.area_km2),
            source: config.source,
            source_only: km2(by.a_only.area_km2),
            other_only: km2(by.b_only.area_km2),
            source_snapshot: by.a_only.snapshot_date,
          },
          true,
        ),
      );
      drawn = key;
      $("map").dataset.compareState = "ready";
      $("map").dataset.comparedWith = other;
    } catch (error) {
      if (gen !== generation) return;
      say(
        interpolate(
          gettext("Cannot compare with %(source)s: %(error)s"),
          { source: other, error: error.message },
          true,
        ),
      );
      $("map").dataset.compareState = "error";
    }
  }

  // The sources to offer: every source of the store but the page's own.
  fetch(`${config.api_root}snapshots`, { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : []))
    .then((rows) => {
      const names = [
        ...new Set(rows.filter((r) => r.kind === "controlled").map((r) => r.source)),
      ].filter((name) => name !== config.source);
      names.forEach((name) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        select.appendChild(option);
      });
      select.disabled = names.length === 0;
      if (!names.length) say(gettext("This store holds no other source to compare with."));
    })
    .catch(() => {
      select.disabled = true;
    });

  select.addEventListener("change", redraw);
  new MutationObserver(() => {
    if ($("map").dataset.state === "ready") redraw();
  }).observe($("map"), { attributes: true, attributeFilter: ["data-state"] });
})();
