/* Vigil's /check/ page: check a sentence without leaving the page.
 * Plain JavaScript, no build step, nothing inline (the page's CSP).
 *
 * Without this script the form submits by GET and the server renders the result
 * (check_views.py); with it, the form posts {text, as_of} to POST /api/check and the
 * result is drawn here from the API's answer (vigil.claims.render.report_record), in
 * the same markup as the server's template (web/check.html), and the address becomes
 * the check's permalink (/check/?text=…&as_of=…).
 *
 * Everything from the answer is written with textContent or attributes, never as
 * HTML. Claim spans are offsets in code points (Python's), so the text is cut with
 * Array.from, not by UTF-16 units. The status line is an aria-live region: it says
 * "Checking…", then how many claims were checked, or the error.
 *
 * Words go through Django's JavaScript catalogue (gettext, ngettext, pgettext,
 * interpolate: base.html loads it); without it (or under node, in the tests) English.
 * Numbers through Intl in the page's language (<html lang>).
 */
(function () {
  "use strict";

  const gettext = globalThis.gettext || ((s) => s);
  const ngettext = globalThis.ngettext || ((s, p, n) => (n === 1 ? s : p));
  const pgettext = globalThis.pgettext || ((c, s) => s);
  const interpolate =
    globalThis.interpolate ||
    ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (m, k) => String(obj[k])));
  const LANG =
    (typeof document !== "undefined" && document.documentElement.lang) || "en-US";

  // What the dates were read against (the API's anchor_basis), in words.
  function basisText(basis) {
    if (basis === "--as-of") return gettext("the date given");
    if (basis === "publication date in the text") return gettext("the publication date in the text");
    if (basis === "today") return gettext("today");
    return basis;
  }

  // Whether a figure holds (true, false, null) in words.
  function holdsText(holds) {
    if (holds === true) return gettext("✓ yes");
    if (holds === false) return gettext("✗ no");
    return "—";
  }

  // A verdict's label (the API's value) in words; an unknown label as it is.
  function labelText(label) {
    const words = {
      supported: pgettext("verdict", "supported"),
      "supported with caveats": pgettext("verdict", "supported with caveats"),
      misleading: pgettext("verdict", "misleading"),
      "not supported": pgettext("verdict", "not supported"),
      "cannot be checked": pgettext("verdict", "cannot be checked"),
    };
    return words[label] || String(label);
  }

  // -- pure helpers (also run by tests/web/test_check_page.py under node) -----------
  function labelClass(label) {
    const slug = String(label)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "");
    return `label-${slug}`;
  }

  /* The text cut at the claims' spans, as check_views.segments cuts it: plain runs
   * ({text, claims: []}) and marked runs ({text, claims: [{n, label}], css, title});
   * overlapping or touching spans merged; empty spans mark nothing. */
  function claimName(n, label) {
    // Translators: a claim's number in the sentence and its verdict ("claim 2: misleading").
    return interpolate(gettext("claim %(n)s: %(label)s"), { n, label: labelText(label) }, true);
  }

  function segments(text, verdicts) {
    const chars = Array.from(text);
    const clamp = (x) => Math.max(0, Math.min(chars.length, x));
    const spans = verdicts
      .map((v, i) => [clamp(v.claim.span.start), clamp(v.claim.span.end), i + 1, String(v.label)])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    const merged = [];
    for (const [start, end, n, label] of spans) {
      if (end <= start) continue;
      const last = merged[merged.length - 1];
      if (last && start <= last[1]) {
        last[1] = Math.max(last[1], end);
        last[2].push([n, label]);
      } else {
        merged.push([start, end, [[n, label]]]);
      }
    }
    const out = [];
    let at = 0;
    for (const [start, end, claims] of merged) {
      if (start > at) out.push({ text: chars.slice(at, start).join(""), claims: [] });
      claims.sort((a, b) => a[0] - b[0]);
      const css = [...new Set(claims.map(([, label]) => labelClass(label)))].join(" ");
      out.push({
        text: chars.slice(start, end).join(""),
        claims: claims.map(([n, label]) => ({ n, label })),
        css,
        title: claims.map(([n, label]) => claimName(n, label)).join("; "),
      });
      at = end;
    }
    if (at < chars.length) out.push({ text: chars.slice(at).join(""), claims: [] });
    return out;
  }

  function number(value) {
    if (value === null || value === undefined) return "—";
    const text = new Intl.NumberFormat(LANG, { maximumFractionDigits: 2 }).format(value);
    return text === "-0" ? "0" : text;
  }

  /* Only a path from the site's root is a link: never another host, nor javascript:. */
  function evidenceUrl(prefix, evidence) {
    if (!evidence || !evidence.startsWith("/") || evidence.startsWith("//")) return null;
    if (evidence.includes("\\") || /\s/.test(evidence)) return null;
    return prefix.replace(/\/+$/, "") + evidence;
  }

  function query(text, asOf) {
    const q = new URLSearchParams({ text });
    if (asOf) q.set("as_of", asOf);
    return q.toString();
  }

  function capitalised(s) {
    return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { labelClass, segments, number, evidenceUrl, query };
  }
  if (typeof document === "undefined") return;

  // -- the page -------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const form = $("check-form");
  const box = $("check-text");
  const asOfInput = $("check-as-of");
  const button = $("check-submit");
  const status = $("check-status");
  const result = $("check-result");
  if (!form || !box || !status || !result || !window.fetch) return;
  const api = form.dataset.api;
  const page = form.dataset.page;
  const prefix = api.slice(0, api.length - "/api/check".length);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function sentence(record) {
    const p = el("p", { class: "claim-sentence", lang: record.lang });
    for (const s of segments(record.text, record.verdicts)) {
      if (!s.claims.length) {
        p.append(document.createTextNode(s.text));
        continue;
      }
      const mark = el("mark", { class: `claim-span ${s.css}`, title: s.title }, s.text);
      for (const c of s.claims) {
        const ref = el(
          "a",
          { class: "claim-ref", href: `#claim-${c.n}`, "aria-label": claimName(c.n, c.label) },
          String(c.n),
        );
        mark.append(el("sup", null, ref));
      }
      p.append(mark);
    }
    return p;
  }

  function figuresTable(figures, n) {
    const body = el("tbody");
    for (const f of figures) {
      const head = el("th", { scope: "row" }, f.reading);
      if (f.comparison) {
        const holds = f.comparison_holds === null ? "" : ` (${holdsText(f.comparison_holds)})`;
        head.append(el("br"), el("span", { class: "hint" }, f.comparison + holds));
      }
      body.append(
        el("tr", null, head, el("td", { class: "num" }, number(f.value)), el("td", null, holdsText(f.holds))),
      );
    }
    const table = el(
      "table",
      { class: "data claim-figures" },
      el("caption", null, gettext("Figures: the reading ruled on first, then the others")),
      el(
        "thead",
        null,
        el(
          "tr",
          null,
          el("th", { scope: "col" }, gettext("Reading")),
          el("th", { scope: "col", class: "num" }, gettext("Value")),
          el("th", { scope: "col" }, gettext("Holds")),
        ),
      ),
      body,
    );
    // a box that scrolls a wide table on a phone: focusable, so the keyboard scrolls it
    const box = { class: "table-scroll", tabindex: "0", role: "region" };
    const label = interpolate(gettext("Figures of claim %(n)s"), { n }, true);
    return el("div", { ...box, "aria-label": label }, table);
  }

  function card(v, n) {
    const css = labelClass(v.label);
    const li = el(
      "li",
      { id: `claim-${n}`, class: `claim-card ${css}` },
      el(
        "h3",
        null,
        el("span", { class: "claim-label" }, capitalised(labelText(v.label))),
        `: “${v.claim.span.text}”`,
      ),
      el("p", { class: "claim-summary" }, v.summary),
    );
    if (v.tolerance) {
      li.append(
        el("p", { class: "claim-tolerance" }, el("strong", null, gettext("Tolerance:")), ` ${v.tolerance.why}`),
      );
    }
    if (v.figures.length) li.append(figuresTable(v.figures, n));
    if (v.caveats.length) {
      li.append(el("ul", { class: "claim-caveats" }, ...v.caveats.map((c) => el("li", null, c))));
    }
    if (v.needed) {
      li.append(
        el("p", { class: "claim-needed" }, el("strong", null, gettext("Needed to decide:")), ` ${v.needed}`),
      );
    }
    const data = v.figures.length ? v.figures[0].data : null;
    if (data && Object.keys(data).length) {
      li.append(
        el(
          "details",
          { class: "claim-data" },
          el("summary", null, gettext("Data used")),
          el("pre", null, JSON.stringify(data, null, 1)),
        ),
      );
    }
    const href = evidenceUrl(prefix, v.evidence);
    if (href) {
      li.append(el("p", { class: "claim-evidence" }, el("a", { href }, gettext("See the evidence"))));
    }
    return li;
  }

  function draw(record, asOf) {
    const q = query(record.text, asOf);
    const parts = [
      el("h2", { id: "check-sentence-title" }, gettext("The sentence")),
      sentence(record),
      el(
        "p",
        { class: "hint claim-context" },
        interpolate(
          gettext("Language: %(lang)s; dates read against %(anchor)s (%(basis)s)."),
          { lang: record.lang, anchor: record.anchor, basis: basisText(record.anchor_basis) },
          true,
        ),
      ),
    ];
    if (record.message) parts.push(el("p", { class: "note claim-message" }, record.message));
    if (record.unparsed.length) {
      parts.push(
        el(
          "p",
          { class: "hint claim-unparsed" },
          interpolate(gettext("Not read as a claim: %(items)s."), { items: record.unparsed.join(", ") }, true),
        ),
      );
    }
    if (record.verdicts.length) {
      parts.push(
        el("h2", null, gettext("Verdicts")),
        el("ol", { class: "claim-verdicts" }, ...record.verdicts.map((v, i) => card(v, i + 1))),
      );
    }
    parts.push(
      el(
        "p",
        { class: "permalink claim-links" },
        el("a", { class: "claim-permalink", href: `${page}?${q}` }, gettext("Permalink to this check")),
        " · ",
        el("a", { href: `${api}?${q}` }, "JSON"),
        " · ",
        el("a", { href: `${api}?${q}&format=csv` }, "CSV"),
      ),
    );
    result.replaceChildren(...parts);
    const problems = $("problems"); // the server's note on the previous address
    if (problems) problems.remove();
    const n = record.verdicts.length;
    status.textContent = interpolate(
      ngettext("%(n)s claim checked.", "%(n)s claims checked.", n),
      { n: new Intl.NumberFormat(LANG).format(n) },
      true,
    );
    history.replaceState(null, "", `${page}?${q}`);
  }

  function fail(message, parameter) {
    box.removeAttribute("aria-invalid");
    if (asOfInput) asOfInput.removeAttribute("aria-invalid");
    const field = parameter === "text" ? box : parameter === "as_of" ? asOfInput : null;
    if (field) field.setAttribute("aria-invalid", "true");
    result.replaceChildren(el("p", { class: "note claim-failure", role: "alert" }, message));
    status.textContent = gettext("The sentence could not be checked.");
    if (field) field.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = box.value;
    const asOf = asOfInput ? asOfInput.value : "";
    if (!text.trim()) {
      fail(gettext("text: type or paste a sentence to check."), "text");
      return;
    }
    const body = { text };
    if (asOf) body.as_of = asOf;
    button.disabled = true;
    result.setAttribute("aria-busy", "true");
    status.textContent = gettext("Checking…");
    try {
      const response = await fetch(api, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      let answer = null;
      try {
        answer = await response.json();
      } catch (e) {
        answer = null;
      }
      if (response.ok && answer) {
        box.removeAttribute("aria-invalid");
        if (asOfInput) asOfInput.removeAttribute("aria-invalid");
        draw(answer, asOf);
      } else if (answer && answer.error) {
        fail(answer.error.message, answer.error.parameter);
      } else {
        fail(
          interpolate(
            gettext("The server answered %(status)s; try again later."),
            { status: response.status },
            true,
          ),
          null,
        );
      }
    } catch (e) {
      fail(gettext("The server could not be reached; try again."), null);
    } finally {
      button.disabled = false;
      result.removeAttribute("aria-busy");
    }
  });
})();
