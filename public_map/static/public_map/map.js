// The public map. Everything it draws comes from this platform: the basemap from /basemap/
// vector tiles, the layers from /tiles/, answers from /api/v1/map/. Text from the server or
// the user is only ever set as textContent, never parsed as HTML.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("map-config").textContent);
  const lang = document.documentElement.lang === "ar" ? "ar" : "en";
  const messages = config.messages;
  const mapElement = document.getElementById("public-map");
  const ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩";
  let arabicDigits = localStorage.getItem("gis-digits") === "arab";

  function t(key) {
    return messages[key] || key;
  }

  const el = GisBasemap.el;
  const attributionHtml = GisBasemap.attributionHtml;
  const P = window.protomapsL;

  function digits(text) {
    // Postcodes stay in Latin digits: they are identifiers that machines read too.
    if (!(arabicDigits && lang === "ar")) return String(text);
    return String(text).replace(/(^|[^P0-9])([0-9]+)/g, function (_, before, number) {
      return before + number.replace(/[0-9]/g, (d) => ARABIC_DIGITS[Number(d)]);
    });
  }

  function formatNumber(value, fractionDigits) {
    const locale = lang === "ar" ? (arabicDigits ? "ar-u-nu-arab" : "ar-u-nu-latn") : "en";
    return new Intl.NumberFormat(locale, { maximumFractionDigits: fractionDigits || 0 }).format(
      value
    );
  }

  async function getJson(url) {
    let response;
    try {
      // The API has no language in its path: the page's language picks its messages' one.
      response = await fetch(url, { headers: { Accept: "application/json", "Accept-Language": lang } });
    } catch (error) {
      return { ok: false, status: 0, code: "network", message: t("network") };
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (response.ok) return { ok: true, status: response.status, body: body };
    const problem = (body && body.error) || {};
    const code = problem.code || (response.status >= 500 ? "server" : "nothing_found");
    const known = messages[code];
    return {
      ok: false,
      status: response.status,
      code: code,
      message: known || (response.status >= 500 ? t("server") : problem.message || t("server")),
    };
  }

  function setMessage(node, text) {
    node.textContent = text || "";
  }

  // -- state in the URL: #map=z/lat/lon&layers=a,b&sel=kind:id -------------------------------
  const state = { layers: [], sel: null };

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const view = (params.get("map") || "").split("/").map(Number);
    return {
      view: view.length === 3 && view.every(Number.isFinite) ? view : null,
      layers: (params.get("layers") || "").split(",").filter(Boolean),
      sel: params.get("sel"),
    };
  }

  function writeHash() {
    if (!map) return;
    const centre = map.getCenter();
    const params = new URLSearchParams();
    params.set("map", [map.getZoom(), centre.lat.toFixed(5), centre.lng.toFixed(5)].join("/"));
    if (state.layers.length) params.set("layers", state.layers.join(","));
    if (state.sel) params.set("sel", state.sel);
    history.replaceState(null, "", "#" + params.toString().replace(/%2F/g, "/").replace(/%2C/g, ",").replace(/%3A/g, ":"));
  }

  function shareUrl() {
    writeHash();
    return location.href;
  }

  // -- the map and its basemap ----------------------------------------------------------------
  const home = config.bounds
    ? L.latLngBounds([config.bounds[1], config.bounds[0]], [config.bounds[3], config.bounds[2]])
    : L.latLngBounds([31.89, 35.18], [31.93, 35.23]);
  const initial = readHash();
  const map = L.map(mapElement, { zoomControl: true, keyboard: true, maxZoom: 20, minZoom: 7 });
  map.attributionControl.setPrefix(
    el("a", { href: "https://leafletjs.com", rel: "noopener", text: "Leaflet" }).outerHTML
  );
  if (initial.view) map.setView([initial.view[1], initial.view[2]], initial.view[0]);
  else map.fitBounds(home, { animate: false });

  const basemap = GisBasemap.layer(config.basemap, { lang: lang, arabicDigits: () => arabicDigits });
  // data-ready: "true" once every visible basemap tile is drawn, "false" while some load.
  basemap.on("loading", function () {
    mapElement.dataset.ready = "false";
  });
  basemap.on("load", function () {
    mapElement.dataset.ready = "true";
  });
  basemap.addTo(map);
  let online = null;
  if (config.online) {
    online = L.tileLayer(config.online.url, { attribution: config.online.attribution, maxZoom: 19 });
  }
  document.querySelectorAll("input[name='basemap']").forEach(function (radio) {
    radio.addEventListener("change", function () {
      map.removeLayer(basemap);
      if (online) map.removeLayer(online);
      if (radio.value === "platform") basemap.addTo(map);
      if (radio.value === "online" && online) online.addTo(map);
    });
  });

  // -- layers: the panel, their legends and their tiles ----------------------------------------
  const overlays = {};

  function symbolizers(style) {
    const stroke = style.color || "#333";
    const fillOpacity = style.fillOpacity === undefined ? 0.25 : style.fillOpacity;
    const dash = style.dashArray ? style.dashArray.split(/[ ,]+/).map(Number) : null;
    return function (kind, fill) {
      if (kind === "Point") {
        return [
          new P.CircleSymbolizer({
            radius: style.radius || 5,
            fill: fill,
            stroke: stroke,
            width: style.weight || 1,
            opacity: style.fillOpacity === undefined ? 0.9 : Math.max(style.fillOpacity, 0.5),
          }),
        ];
      }
      const line = new P.LineSymbolizer({
        color: stroke,
        width: style.weight || 1.5,
        dash: dash,
      });
      if (kind === "Line") return [line];
      return fillOpacity > 0
        ? [new P.PolygonSymbolizer({ fill: fill, opacity: fillOpacity }), line]
        : [line];
    };
  }

  function overlayRules(layer) {
    const style = layer.style;
    const make = symbolizers(style);
    const rulesFor = function (fill, filter) {
      return make(layer.kind, fill).map((symbolizer) => ({
        dataLayer: layer.id,
        symbolizer: symbolizer,
        filter: filter,
      }));
    };
    if (style.property && Array.isArray(style.classes)) {
      return style.classes.flatMap((c) =>
        rulesFor(c.fillColor || c.color || style.fillColor, (z, f) => f.props[style.property] === c.value)
      );
    }
    return rulesFor(style.fillColor || style.color);
  }

  function swatch(kind, style, fill) {
    const node = el("span", {
      className: "swatch " + kind.toLowerCase(),
      "aria-hidden": "true",
    });
    node.style.borderColor = style.color || "#333";
    const filled = kind !== "Line" && (fill || style.fillOpacity === undefined || style.fillOpacity > 0);
    node.style.background = filled ? fill || style.fillColor || style.color : "transparent";
    return node;
  }

  function legend(layer) {
    const style = layer.style;
    if (style.property && Array.isArray(style.classes)) {
      return el(
        "div",
        { className: "legend" },
        style.classes.map((c) =>
          el("span", {}, swatch(layer.kind, style, c.fillColor), (c.label && c.label[lang]) || c.value)
        )
      );
    }
    return null;
  }

  function overlaySet(layer, on) {
    if (on && !overlays[layer.id]) {
      overlays[layer.id] = P.leafletLayer({
        url: config.tiles.replace("{layer}", layer.id),
        maxDataZoom: 16,
        paintRules: overlayRules(layer),
        labelRules: [],
        attribution: attributionHtml(layer.attribution),
        minZoom: layer.min_zoom || 0,
        maxZoom: 20,
        pane: "overlayPane",
      });
    }
    if (on) overlays[layer.id].addTo(map);
    else if (overlays[layer.id]) map.removeLayer(overlays[layer.id]);
    state.layers = config.layers.filter((l) => overlays[l.id] && map.hasLayer(overlays[l.id])).map((l) => l.id);
    writeHash();
  }

  const layerList = document.getElementById("layer-list");
  config.layers.forEach(function (layer) {
    const id = "layer-" + layer.id;
    const box = el("input", { type: "checkbox", id: id, value: layer.id });
    box.checked = initial.layers.includes(layer.id);
    box.addEventListener("change", () => overlaySet(layer, box.checked));
    const label = el("label", { for: id }, swatch(layer.kind, layer.style), " ", layer.title);
    const extra = [];
    if (layer.synthetic) extra.push(el("span", { className: "synthetic-badge", text: t("synthetic") }));
    if (layer.min_zoom > 0)
      extra.push(el("span", { className: "zoom-note", text: "≥ z" + digits(layer.min_zoom) }));
    layerList.append(el("li", { "data-layer": layer.id, title: layer.description }, box, label, extra, legend(layer)));
    if (box.checked) overlaySet(layer, true);
  });
  const layersToggle = document.getElementById("layers-toggle");
  const layerPanel = document.getElementById("layer-panel");
  layersToggle.addEventListener("click", function () {
    const open = layerPanel.hidden;
    layerPanel.hidden = !open;
    layersToggle.setAttribute("aria-expanded", String(open));
    if (open) layerPanel.querySelector("input").focus();
  });
  layerPanel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      layerPanel.hidden = true;
      layersToggle.setAttribute("aria-expanded", "false");
      layersToggle.focus();
    }
  });

  // -- the information panel -------------------------------------------------------------------
  const infoPanel = document.getElementById("info-panel");
  const infoBody = document.getElementById("info-body");
  const infoMessage = document.getElementById("info-message");
  const highlight = L.featureGroup().addTo(map);
  let lastFocus = null;

  function infoOpen(children, message) {
    lastFocus = document.activeElement;
    infoBody.replaceChildren(...children.filter(Boolean));
    setMessage(infoMessage, message || "");
    infoPanel.hidden = false;
    infoPanel.focus({ preventScroll: true });
    keepSelectionInSight();
  }

  // On a phone the panel is a bottom sheet over the map: move the map so that what was
  // selected shows above it.
  function keepSelectionInSight() {
    const bounds = highlight.getLayers().length ? highlight.getBounds() : null;
    if (!bounds) return;
    const mapBox = mapElement.getBoundingClientRect();
    const panel = infoPanel.getBoundingClientRect();
    if (panel.width < mapBox.width * 0.9) return; // a side panel: the map stays as it is
    const sheetTop = panel.top - mapBox.top;
    const point = map.latLngToContainerPoint(bounds.getCenter());
    if (sheetTop > 0 && sheetTop < mapBox.height * 0.8 && point.y > sheetTop - 20) {
      map.panBy([0, point.y - sheetTop / 2], { animate: false });
    }
  }

  function infoClose() {
    infoPanel.hidden = true;
    highlight.clearLayers();
    state.sel = null;
    writeHash();
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }
  document.getElementById("info-close").addEventListener("click", infoClose);
  infoPanel.addEventListener("keydown", (event) => event.key === "Escape" && infoClose());

  async function copyText(text, doneMessage) {
    try {
      await navigator.clipboard.writeText(text);
      setMessage(infoMessage, t(doneMessage || "copied"));
    } catch (error) {
      setMessage(infoMessage, t("copy_failed"));
    }
  }

  function synthetic(flag) {
    return flag ? el("p", {}, el("span", { className: "synthetic-badge", text: t("synthetic") })) : null;
  }

  function addressCard(address) {
    const linesAr = address.lines_ar.map(digits).join("\n");
    const linesEn = address.lines_en.join("\n");
    const share = async function () {
      const url = shareUrl();
      if (navigator.share) {
        try {
          await navigator.share({ title: address.postcode || "", url: url });
          return;
        } catch (error) {
          /* the citizen closed the share sheet: copy instead */
        }
      }
      copyText(url, "link_copied");
    };
    const deliveryUrl = config.pages.delivery + "?address=" + encodeURIComponent(address.id);
    return el(
      "section",
      { className: "card address-card", "aria-labelledby": "postcode-title" },
      el("h3", { id: "postcode-title", text: t("postcode") }),
      el("p", { className: "postcode", "data-postcode": address.postcode || "", text: address.postcode || "—" }),
      el("h3", { text: t("address_ar") }),
      el("p", { className: "address-lines", lang: "ar", dir: "rtl", "data-lines": "ar", text: linesAr }),
      el("h3", { text: t("address_en") }),
      el("p", { className: "address-lines", lang: "en", dir: "ltr", "data-lines": "en", text: linesEn }),
      synthetic(address.synthetic),
      el(
        "div",
        { className: "actions" },
        el("button", { type: "button", className: "copy-postcode", text: t("copy_postcode"), onclick: () => copyText(address.postcode || "") }),
        el("button", { type: "button", className: "copy-address", text: t("copy_address"), onclick: () => copyText(lang === "ar" ? linesAr : linesEn) }),
        el("button", { type: "button", className: "share-link", text: t("share"), onclick: share }),
        el("a", { className: "button-link", href: deliveryUrl, text: t("deliver_here") })
      )
    );
  }

  function landUseLabel(value) {
    const parcels = config.layers.find((l) => l.id === "parcels");
    const found = parcels && (parcels.style.classes || []).find((c) => c.value === value);
    return found ? found.label[lang] : value;
  }

  function parcelCard(parcel) {
    const identifier = lang === "ar"
      ? parcel.locality_ar + " " + parcel.basin + "/" + parcel.number
      : parcel.identifier;
    const extract = config.pages.extract.replace("{id}", parcel.id);
    const rows = [
      [t("area"), formatNumber(parcel.area_m2, 1) + " " + t("square_metres")],
      parcel.registered_area_m2 !== null
        ? [t("registered_area"), formatNumber(parcel.registered_area_m2, 1) + " " + t("square_metres")]
        : null,
      [t("zoning"), landUseLabel(parcel.land_use)],
    ].filter(Boolean);
    return el(
      "section",
      { className: "card parcel-card", "aria-labelledby": "parcel-title" },
      el("h3", { id: "parcel-title" }, t("parcel") + " ", el("bdi", { className: "parcel-id", text: digits(identifier) })),
      el("dl", {}, rows.map(([term, value]) => [el("dt", { text: term }), el("dd", { text: value })])),
      synthetic(parcel.synthetic),
      el(
        "div",
        { className: "actions" },
        el("a", { className: "button-link", href: extract, target: "_blank", rel: "noopener", text: t("extract") }),
        el("a", { href: extract + "?format=pdf", target: "_blank", rel: "noopener", text: t("extract_pdf") })
      )
    );
  }

  function featuresCard(features) {
    if (!features.length) return null;
    const titles = Object.fromEntries(config.layers.map((l) => [l.id, l.title]));
    return el(
      "section",
      { className: "card features-card" },
      el("h3", { text: t("features") }),
      features.map(function (feature) {
        const entries = Object.entries(feature.properties || {}).filter(([, v]) => v !== null && v !== "");
        return el(
          "div",
          { className: "feature", "data-collection": feature.collection },
          el("h4", { text: titles[feature.collection] || feature.collection }),
          el(
            "dl",
            {},
            entries.map(([name, value]) => {
              const title = (feature.titles && feature.titles[name] && feature.titles[name][lang]) || name;
              return [el("dt", { text: title }), el("dd", { text: digits(typeof value === "object" ? JSON.stringify(value) : value) })];
            })
          )
        );
      })
    );
  }

  function markPoint(lat, lon, keep) {
    if (!keep) highlight.clearLayers();
    L.circleMarker([lat, lon], { radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.15 }).addTo(highlight);
  }

  function markGeometry(geometry) {
    highlight.clearLayers();
    L.geoJSON(geometry, { style: { color: "#b3261e", weight: 3, fillOpacity: 0.08 } }).addTo(highlight);
  }

  async function identify(latlng) {
    const params = new URLSearchParams({
      lon: latlng.lng.toFixed(7),
      lat: latlng.lat.toFixed(7),
      zoom: String(map.getZoom()),
      layers: state.layers.join(","),
    });
    const answer = await getJson(config.api.identify + "?" + params);
    if (!answer.ok) {
      infoOpen([], answer.message);
      return;
    }
    const found = answer.body;
    if (found.parcel) markGeometry(found.parcel.geometry);
    else highlight.clearLayers();
    if (found.address) {
      markPoint(found.address.lat, found.address.lon, true);
      state.sel = "address:" + found.address.id;
    } else {
      state.sel = "point:" + latlng.lng.toFixed(6) + "," + latlng.lat.toFixed(6);
    }
    writeHash();
    const notes = [];
    if (!found.address) notes.push(t("no_address_here"));
    if (!found.parcel) notes.push(t("no_parcel_here"));
    infoOpen(
      [
        found.address ? addressCard(found.address) : null,
        found.parcel ? parcelCard(found.parcel) : null,
        featuresCard(found.features),
      ],
      notes.join(" ")
    );
  }

  async function showAddress(id, fly) {
    const answer = await getJson("/api/v1/addresses/" + encodeURIComponent(id));
    if (!answer.ok) return infoOpen([], answer.message);
    const address = answer.body;
    if (fly) map.setView([address.lat, address.lon], Math.max(map.getZoom(), 18), { animate: false });
    markPoint(address.lat, address.lon);
    state.sel = "address:" + address.id;
    writeHash();
    infoOpen([addressCard(address)]);
  }

  async function showParcel(id, fly) {
    const answer = await getJson(config.api.parcel + encodeURIComponent(id));
    if (!answer.ok) return infoOpen([], answer.message);
    const parcel = answer.body;
    markGeometry(parcel.geometry);
    if (fly) map.fitBounds(highlight.getBounds(), { maxZoom: 19, animate: false });
    state.sel = "parcel:" + parcel.id;
    writeHash();
    infoOpen([parcelCard(parcel)]);
  }

  map.on("click", (event) => identify(event.latlng));
  mapElement.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target === mapElement) identify(map.getCenter());
  });
  map.on("moveend", writeHash);

  // -- search with suggestions (ARIA combobox) -------------------------------------------------
  const input = document.getElementById("map-search-input");
  const list = document.getElementById("map-search-results");
  const searchMessage = document.getElementById("map-search-message");
  let suggestions = [];
  let active = -1;
  let pending = null;
  let asked = 0;

  function listClose() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function listShow(items) {
    suggestions = items;
    active = -1;
    list.replaceChildren(
      ...items.map((item, index) =>
        el(
          "li",
          {
            id: "suggestion-" + index,
            role: "option",
            "aria-selected": "false",
            "data-kind": item.kind,
            onmousedown: (event) => {
              event.preventDefault();
              choose(index);
            },
          },
          el("bdi", { text: digits(lang === "ar" ? item.label_ar : item.label_en) }),
          el("span", { className: "kind", text: t("kind_" + item.kind) }),
          item.synthetic ? el("span", { className: "synthetic-badge", text: "*", title: t("synthetic") }) : null
        )
      )
    );
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(items.length > 0));
  }

  function highlightOption(index) {
    active = (index + suggestions.length) % suggestions.length;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", "suggestion-" + active);
    list.children[active].scrollIntoView({ block: "nearest" });
  }

  async function suggest(query) {
    const ticket = ++asked;
    if (!query.trim()) {
      listClose();
      setMessage(searchMessage, query.length ? t("empty_query") : "");
      return [];
    }
    const answer = await getJson(config.api.search + "?" + new URLSearchParams({ q: query }));
    if (ticket !== asked) return suggestions; // an older answer, overtaken by typing
    if (!answer.ok) {
      listClose();
      setMessage(searchMessage, answer.message);
      return [];
    }
    listShow(answer.body.suggestions);
    setMessage(
      searchMessage,
      answer.body.problem
        ? t(answer.body.problem)
        : t("results").replace("%(count)s", digits(answer.body.suggestions.length))
    );
    return answer.body.suggestions;
  }

  function choose(index) {
    const item = suggestions[index];
    if (!item) return;
    input.value = lang === "ar" ? item.label_ar : item.label_en;
    listClose();
    setMessage(searchMessage, "");
    if (item.kind === "address") return showAddress(item.id, true);
    if (item.kind === "parcel") return showParcel(item.id, true);
    if (item.geometry) {
      markGeometry(item.geometry);
      map.fitBounds(highlight.getBounds(), { maxZoom: 17, animate: false });
    } else {
      map.setView([item.lat, item.lon], item.kind === "town" ? 14 : 17, { animate: false });
      markPoint(item.lat, item.lon);
    }
    state.sel = null;
    writeHash();
  }

  input.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(() => suggest(input.value), 180);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && suggestions.length) {
      event.preventDefault();
      if (list.hidden) listShow(suggestions);
      highlightOption(active + 1);
    } else if (event.key === "ArrowUp" && suggestions.length) {
      event.preventDefault();
      highlightOption(active - 1);
    } else if (event.key === "Escape") {
      listClose();
    }
  });
  input.addEventListener("blur", () => setTimeout(listClose, 150));
  document.getElementById("map-search").addEventListener("submit", async function (event) {
    event.preventDefault();
    clearTimeout(pending);
    if (active >= 0) return choose(active);
    const found = await suggest(input.value);
    if (found.length) choose(0);
  });

  // -- Arabic-Indic or Latin digits ------------------------------------------------------------
  const digitsToggle = document.getElementById("digits-toggle");
  digitsToggle.hidden = lang !== "ar";
  digitsToggle.setAttribute("aria-pressed", String(arabicDigits));
  digitsToggle.addEventListener("click", function () {
    arabicDigits = !arabicDigits;
    localStorage.setItem("gis-digits", arabicDigits ? "arab" : "latn");
    digitsToggle.setAttribute("aria-pressed", String(arabicDigits));
    basemap.rerenderTiles();
    restoreSelection(state.sel, false);
  });

  // -- a deep link's selection -----------------------------------------------------------------
  function restoreSelection(sel, fly) {
    if (!sel) return;
    const [kind, value] = sel.split(":");
    if (kind === "address" && /^\d+$/.test(value)) showAddress(value, fly);
    else if (kind === "parcel" && /^\d+$/.test(value)) showParcel(value, fly);
    else if (kind === "point") {
      const [lon, lat] = (value || "").split(",").map(Number);
      if (Number.isFinite(lon) && Number.isFinite(lat)) identify(L.latLng(lat, lon));
    }
  }
  restoreSelection(initial.sel, !initial.view);
  writeHash();
  window.publicMap = { map: map, basemap: basemap, overlays: overlays };
})();
