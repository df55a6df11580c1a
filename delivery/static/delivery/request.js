// The delivery request: prove the document (reference + phone), choose home delivery or
// collection, find the delivery point or the office, pick a window, confirm. Every answer
// is shown with textContent; nothing typed is ever parsed as HTML.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("delivery-config").textContent);
  const lang = document.documentElement.lang === "ar" ? "ar" : "en";
  const m = config.messages;
  const el = GisBasemap.el;
  const $ = (id) => document.getElementById(id);
  const chosen = { document: null, method: null, address: null, point: null, office: null, window: null };

  function say(node, code, fallback) {
    node.textContent = code ? m[code] || fallback || m.server : "";
  }

  async function call(url, options) {
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      return { ok: false, code: "network" };
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (response.ok) return { ok: true, body: body };
    const problem = (body && body.error) || {};
    return { ok: false, code: problem.code || "server", message: problem.message };
  }

  function post(url, data) {
    return call(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(data),
    });
  }

  function name(item, field) {
    return item[field + "_" + lang] || item[field + "_en"];
  }

  function distanceText(metres) {
    const format = (n, d) => new Intl.NumberFormat(lang, { maximumFractionDigits: d }).format(n);
    return metres < 1000
      ? m.metres.replace("%(distance)s", format(metres, 0))
      : m.kilometres.replace("%(distance)s", format(metres / 1000, 1));
  }

  function hoursText(hours) {
    return (hours || [])
      .map((h) => h.days.map((d) => m.days[d]).join(lang === "ar" ? "، " : ", ") + ": " + h.opens + "–" + h.closes)
      .join("\n");
  }

  function windowText(window) {
    const start = new Date(window.start);
    const end = new Date(window.end);
    const day = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long" }).format(start);
    const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
    return day + " · " + time.format(start) + "–" + time.format(end);
  }

  // -- step 1: the document ---------------------------------------------------------------
  $("check-document").addEventListener("click", async function () {
    const message = $("document-message");
    say(message, null);
    const answer = await post(config.api.check, { reference: $("reference").value, phone: $("phone").value });
    if (!answer.ok) {
      say(message, answer.code, answer.message);
      $("reference").focus();
      return;
    }
    if (answer.body.already_requested) {
      say(message, "already_requested");
      return;
    }
    chosen.document = answer.body;
    const found = $("document-found");
    found.textContent = name(answer.body, "title") + " · " + answer.body.reference;
    found.hidden = false;
    $("step-method").disabled = false;
    $("step-method").querySelector("input").focus();
  });

  // -- step 2: home or collection -----------------------------------------------------------
  let map = null;
  const marks = L.featureGroup();

  function mapReady() {
    if (map) return;
    map = L.map("delivery-map", { maxZoom: 20, minZoom: 9 });
    map.attributionControl.setPrefix("Leaflet");
    const b = config.bounds;
    if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    else map.setView([31.905, 35.205], 14);
    GisBasemap.layer(config.basemap, { lang: lang, arabicDigits: () => false }).addTo(map);
    marks.addTo(map);
    map.on("click", (event) => pickPoint(event.latlng));
  }

  document.querySelectorAll("input[name='method']").forEach(function (radio) {
    radio.addEventListener("change", function () {
      chosen.method = radio.value;
      chosen.office = null;
      chosen.window = null;
      $("step-place").disabled = false;
      $("windows").hidden = true;
      $("offices").hidden = true;
      $("point-result").hidden = true;
      mapReady();
      setTimeout(() => map.invalidateSize(), 0);
      if (chosen.method === "home" && chosen.address) checkPoint({ address: chosen.address });
      if (chosen.method === "collection") listOffices(chosen.point || map.getCenter());
      contactStep();
    });
  });

  // -- step 3: the place ----------------------------------------------------------------------
  const search = $("address-search");
  const results = $("address-results");
  let suggestions = [];
  let active = -1;
  let timer = null;

  function resultsClose() {
    results.hidden = true;
    search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant");
    active = -1;
  }

  async function suggest() {
    const query = search.value;
    if (!query.trim()) {
      resultsClose();
      say($("place-message"), query.length ? "empty_query" : null);
      return;
    }
    const answer = await call(config.api.search + "?" + new URLSearchParams({ q: query }));
    if (!answer.ok) return say($("place-message"), answer.code, answer.message);
    suggestions = answer.body.suggestions.filter((s) => s.kind === "address");
    say($("place-message"), suggestions.length ? null : answer.body.problem || "nothing_found");
    results.replaceChildren(
      ...suggestions.map((s, i) =>
        el("li", {
          id: "address-option-" + i,
          role: "option",
          "aria-selected": "false",
          text: lang === "ar" ? s.label_ar : s.label_en,
          onmousedown: (event) => {
            event.preventDefault();
            pick(i);
          },
        })
      )
    );
    results.hidden = suggestions.length === 0;
    search.setAttribute("aria-expanded", String(suggestions.length > 0));
  }

  function pick(index) {
    const item = suggestions[index];
    if (!item) return;
    search.value = lang === "ar" ? item.label_ar : item.label_en;
    resultsClose();
    chosen.address = item.id;
    chosen.point = L.latLng(item.lat, item.lon);
    if (chosen.method === "collection") listOffices(chosen.point);
    else checkPoint({ address: item.id });
  }

  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 180);
  });
  search.addEventListener("keydown", function (event) {
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && suggestions.length) {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : -1) + suggestions.length) % suggestions.length;
      [...results.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
      search.setAttribute("aria-activedescendant", "address-option-" + active);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (active >= 0) pick(active);
      else if (suggestions.length) pick(0);
      else suggest();
    } else if (event.key === "Escape") {
      resultsClose();
    }
  });

  function pickPoint(latlng) {
    chosen.point = latlng;
    chosen.address = null;
    if (chosen.method === "collection") listOffices(latlng);
    else checkPoint({ lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7) });
  }

  async function checkPoint(params) {
    const message = $("place-message");
    say(message, null);
    $("windows").hidden = true;
    chosen.window = null;
    const answer = await call(config.api.point + "?" + new URLSearchParams(params));
    const result = $("point-result");
    if (!answer.ok) {
      result.hidden = true;
      chosen.address = null;
      say(message, answer.code, answer.message);
      contactStep();
      return;
    }
    const found = answer.body;
    chosen.address = found.address.id;
    marks.clearLayers();
    L.circleMarker([found.address.lat, found.address.lon], { radius: 9, color: "#b3261e", weight: 3 }).addTo(marks);
    L.circleMarker([found.office.lat, found.office.lon], { radius: 7, color: "#0b5cad", weight: 3 }).addTo(marks);
    map.fitBounds(marks.getBounds().pad(0.3), { maxZoom: 17, animate: false });
    result.replaceChildren(
      el("h2", { text: m.postcode + ": " }, el("bdi", { className: "postcode", text: found.address.postcode })),
      el("p", { className: "address-lines", lang: "ar", dir: "rtl", text: found.address.lines_ar.join("\n") }),
      el("p", { className: "address-lines", lang: "en", dir: "ltr", text: found.address.lines_en.join("\n") }),
      el("p", { className: "serving-office", text: m.serving_office + ": " + name(found.office, "name") }),
      ...(found.address.synthetic ? [el("p", {}, el("span", { className: "synthetic-badge", text: m.synthetic }))] : [])
    );
    result.hidden = false;
    const list = $("window-list");
    list.replaceChildren(
      ...found.windows.map((w, i) => {
        const radio = el("input", { type: "radio", name: "window", value: w.start, id: "window-" + i, disabled: w.free <= 0 });
        radio.addEventListener("change", () => {
          chosen.window = w.start;
          contactStep();
        });
        return el(
          "label",
          { for: "window-" + i, className: w.free <= 0 ? "full" : "" },
          radio,
          el("span", { text: windowText(w) + " — " + (w.free > 0 ? m.free.replace("%(count)s", w.free) : m.full) })
        );
      })
    );
    $("windows").hidden = false;
    contactStep();
  }

  async function listOffices(latlng) {
    const answer = await call(config.api.offices + "?" + new URLSearchParams({ lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7) }));
    if (!answer.ok) return say($("place-message"), answer.code, answer.message);
    marks.clearLayers();
    const list = $("office-list");
    list.replaceChildren(
      ...answer.body.map((office, i) => {
        L.circleMarker([office.lat, office.lon], { radius: 7, color: "#0b5cad", weight: 3 })
          .bindTooltip(el("span", { text: name(office, "name") }))
          .addTo(marks);
        const radio = el("input", { type: "radio", name: "office", value: office.id, id: "office-" + i });
        radio.addEventListener("change", () => {
          chosen.office = office.id;
          contactStep();
        });
        return el(
          "label",
          { for: "office-" + i },
          radio,
          el(
            "span",
            {},
            el("strong", { text: name(office, "name") }),
            " · " + distanceText(office.distance_m),
            el("br"),
            name(office, "address"),
            el("br"),
            el("span", { className: "hours", text: hoursText(office.opening_hours) }),
            office.synthetic ? el("span", { className: "synthetic-badge", text: m.synthetic }) : null
          )
        );
      })
    );
    $("offices").hidden = false;
    if (marks.getLayers().length) map.fitBounds(marks.getBounds().pad(0.2), { maxZoom: 16, animate: false });
  }

  // -- step 4: contact and confirmation -------------------------------------------------------
  function contactStep() {
    const ready =
      chosen.document &&
      ((chosen.method === "home" && chosen.address && chosen.window) ||
        (chosen.method === "collection" && chosen.office));
    $("step-contact").disabled = !ready;
  }

  $("delivery-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const message = $("submit-message");
    say(message, null);
    const data = {
      reference: $("reference").value,
      phone: $("phone").value,
      method: chosen.method,
      contact_name: $("contact-name").value,
    };
    if (chosen.method === "home") {
      data.address = chosen.address;
      data.window_start = chosen.window;
    } else {
      data.office = chosen.office;
    }
    const answer = await post(config.api.orders, data);
    if (!answer.ok) {
      say(message, answer.code, answer.message);
      return;
    }
    location.assign("/" + lang + answer.body.tracking_url.replace(/^\/(ar|en)/, ""));
  });

  if (config.address) {
    chosen.address = config.address;
  }
})();
