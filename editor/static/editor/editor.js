// The internal editor. Everything it writes goes through OGC API - Features Part 4 (POST, PATCH,
// DELETE with If-Match) and the history API: the server checks permissions, validates, keeps the
// history and refuses a stale save (412), which this page turns into a choice for the user.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const strings = {};
  document.getElementById("editor-strings").content.querySelectorAll("[data-key]").forEach(function (el) {
    strings[el.dataset.key] = el.textContent;
  });
  const $ = function (id) { return document.getElementById(id); };
  const DRAW_SHAPE = {
    Point: "Marker", MultiPoint: "Marker", LineString: "Line", MultiLineString: "Line",
    Polygon: "Polygon", MultiPolygon: "Polygon",
  };
  const SNAP = { snappable: true, snapDistance: 20 };

  let map = null;
  let features = null; // the L.GeoJSON group of the chosen collection
  let collection = null;
  let selected = null; // { layer, id, etag }
  let pending = null; // the feature body a refused save tried to write

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function itemsUrl() { return config.items.replace("COLLECTION", collection.id); }
  function itemUrl(id) { return itemsUrl() + "/" + encodeURIComponent(id); }
  function historyUrl(id, rest) {
    return config.history.replace("COLLECTION", collection.id).replace("FEATURE", id) + rest;
  }

  async function send(method, url, body, etag, type) {
    const headers = { "X-CSRFToken": csrf(), Accept: "application/geo+json, application/json" };
    if (body !== undefined) { headers["Content-Type"] = type || "application/geo+json"; }
    if (etag) { headers["If-Match"] = etag; }
    const response = await fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get("ETag"), body: text ? JSON.parse(text) : null };
  }

  // -- the attribute form, generated from the collection's fields ------------------------------

  function buildForm() {
    const holder = $("editor-fields");
    holder.textContent = "";
    collection.fields.forEach(function (field) {
      const label = document.createElement("label");
      label.className = "field";
      const caption = document.createElement("span");
      caption.textContent = field.label;
      if (field.required) { caption.className = "required"; }
      label.appendChild(caption);
      let input;
      if (field.choices.length) {
        input = document.createElement("select");
        input.appendChild(new Option("—", ""));
        field.choices.forEach(function (c) { input.appendChild(new Option(String(c), String(c))); });
      } else {
        input = document.createElement("input");
        input.type = { integer: "number", number: "number", boolean: "checkbox", date: "date" }[field.type] || "text";
        if (field.type === "number") { input.step = "any"; }
      }
      input.name = field.name;
      input.dataset.type = field.type;
      input.required = field.required;
      label.appendChild(input);
      holder.appendChild(label);
    });
  }

  function fillForm(properties) {
    collection.fields.forEach(function (field) {
      const input = $("editor-form").elements[field.name];
      const value = properties ? properties[field.name] : undefined;
      if (input.type === "checkbox") { input.checked = Boolean(value); }
      else { input.value = value === undefined || value === null ? "" : String(value); }
    });
  }

  function readForm() {
    const properties = {};
    collection.fields.forEach(function (field) {
      const input = $("editor-form").elements[field.name];
      if (input.type === "checkbox") { properties[field.name] = input.checked; return; }
      if (input.value === "") { return; }
      properties[field.name] = field.type === "integer" ? parseInt(input.value, 10)
        : field.type === "number" ? parseFloat(input.value) : input.value;
    });
    return properties;
  }

  function geometryOf(layer) {
    const geometry = layer.toGeoJSON().geometry;
    if (collection.geometry_type.startsWith("Multi") && !geometry.type.startsWith("Multi")) {
      return { type: "Multi" + geometry.type, coordinates: [geometry.coordinates] };
    }
    return geometry;
  }

  // -- messages ------------------------------------------------------------------------------

  function showErrors(error) {
    // Beside the feature on the map too, where the user is looking.
    if (selected && selected.layer && selected.layer.bindTooltip) {
      const errors = error.details && error.details.errors;
      const first = errors && typeof errors === "object" ? Object.entries(errors)[0] : null;
      const tip = error.message + (first ? " (" + first[0] + ": " + first[1] + ")" : "");
      // A DOM node, not a string: Leaflet would parse a string as HTML, and the message may
      // quote what the user typed.
      const node = document.createElement("span");
      node.textContent = tip;
      selected.layer.bindTooltip(node, { permanent: true, className: "editor-error-tip", direction: "top" }).openTooltip();
    }
    const box = $("editor-errors");
    box.textContent = strings.fix + " " + error.message;
    const details = error.details && (error.details.errors || error.details);
    if (details && typeof details === "object") {
      const list = document.createElement("ul");
      Object.entries(details).forEach(function ([key, value]) {
        const item = document.createElement("li");
        item.textContent = key + ": " + (typeof value === "string" ? value : JSON.stringify(value));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    box.hidden = false;
  }

  function status(text) {
    $("editor-status").textContent = text;
    $("editor-errors").hidden = true;
    if (selected && selected.layer && selected.layer.unbindTooltip) { selected.layer.unbindTooltip(); }
  }

  // -- selecting, drawing, saving ------------------------------------------------------------

  function select(layer, id, etag) {
    if (selected && selected.layer !== layer && selected.layer.pm) { selected.layer.pm.disable(); }
    selected = { layer: layer, id: id, etag: etag };
    $("editor-form").hidden = false;
    $("editor-conflict").hidden = true;
    $("editor-history").hidden = true;
    $("editor-form-title").textContent = id ? strings.feature + " " + id : strings.new;
    $("editor-delete").disabled = !id;
    $("editor-history-button").disabled = !id;
    $("editor-shape-tools").hidden = !id || /Point/.test(collection.geometry_type);
    fillForm(layer.feature ? layer.feature.properties : {});
    status("");
    layer.pm.enable(Object.assign({ allowSelfIntersection: false }, SNAP));
  }

  async function choose(id) {
    if (features) { features.remove(); }
    $("editor-note").textContent = "";
    collection = config.collections.find(function (c) { return c.id === id; });
    selected = null;
    $("editor-form").hidden = true;
    $("editor-transactions").hidden = true;
    $("editor-draw").hidden = Boolean(collection && collection.transactions);
    $("editor-hint").hidden = Boolean(collection && collection.transactions);
    $("editor-add-entrance").hidden = !(collection && collection.id === "addresses");
    if (!collection) { return; }
    if (collection.transactions) { return chooseRegister(); }
    buildForm();
    const group = L.geoJSON(null, {
      pointToLayer: function (feature, latlng) { return L.marker(latlng); },
      onEachFeature: function (feature, layer) {
        layer.on("click", async function () {
          const read = await send("GET", itemUrl(feature.id) + "?f=json");
          if (mode === "feature-merge" && selected && String(feature.id) !== selected.id) {
            mode = null;
            return reshaped(await send(
              "POST", config.history.replace("COLLECTION", collection.id).replace("items/FEATURE/", "merge"),
              { features: [Number(selected.id), feature.id], versions: [version(selected.etag), version(read.etag)] },
              null, "application/json"
            ));
          }
          layer.feature = read.body;
          select(layer, String(feature.id), read.etag);
        });
      },
    }).addTo(map);
    features = group;
    const page = await send("GET", itemsUrl() + "?f=json&limit=1000");
    // Another layer chosen while this one loaded: its features must not land on that one's map.
    if (features !== group) { return; }
    features.addData(page.body);
    if (features.getLayers().length && !window.location.hash) {
      map.fitBounds(features.getBounds(), { maxZoom: 18 });
    }
  }

  function version(etag) { return Number(String(etag).replace(/"/g, "")); }

  // After a split or a merge: the collection read again, and what was made said.
  async function reshaped(answer) {
    if (answer.status !== 200) { return showErrors(answer.body.error); }
    const made = answer.body.features ? answer.body.features.map(function (f) { return f.id; }) : [answer.body.feature.id];
    await choose(collection.id);
    $("editor-note").textContent = (answer.body.features ? strings.split_done : strings.merged) + " " + made.join(", ");
  }

  async function save(event) {
    event.preventDefault();
    if (!selected) { return; }
    const body = { type: "Feature", geometry: geometryOf(selected.layer), properties: readForm() };
    // The form holds every attribute the user may see: a save replaces them (PUT), so that
    // a field cleared in the form is cleared in the feature too.
    const answer = selected.id
      ? await send("PUT", itemUrl(selected.id), body, selected.etag)
      : await send("POST", itemsUrl(), body);
    if (answer.status === 200 || answer.status === 201) {
      selected.etag = answer.etag;
      selected.id = String(answer.body.id);
      selected.layer.feature = answer.body;
      if (!features.hasLayer(selected.layer)) {
        features.addLayer(selected.layer);
        selected.layer.on("click", function () { select(selected.layer, selected.id, selected.etag); });
      }
      $("editor-form-title").textContent = strings.feature + " " + selected.id;
      $("editor-delete").disabled = false;
      $("editor-history-button").disabled = false;
      status(strings.saved + " " + answer.etag.replace(/"/g, ""));
      return;
    }
    if (answer.status === 412) { return conflict(body); }
    showErrors(answer.body.error);
  }

  async function conflict(mine) {
    pending = mine;
    status("");
    const theirs = await send("GET", itemUrl(selected.id) + "?f=json");
    $("editor-conflict-mine").textContent = JSON.stringify(mine.properties, null, 1);
    $("editor-conflict-theirs").textContent = JSON.stringify(theirs.body.properties, null, 1);
    $("editor-conflict-version").textContent = strings.version + " " + theirs.etag.replace(/"/g, "");
    $("editor-conflict").dataset.etag = theirs.etag;
    $("editor-conflict").dataset.theirs = JSON.stringify(theirs.body);
    $("editor-conflict").hidden = false;
  }

  async function keepMine() {
    selected.etag = $("editor-conflict").dataset.etag;
    $("editor-conflict").hidden = true;
    const answer = await send("PUT", itemUrl(selected.id), pending, selected.etag);
    if (answer.status === 200) {
      selected.etag = answer.etag;
      status(strings.saved + " " + answer.etag.replace(/"/g, ""));
    } else if (answer.status === 412) { conflict(pending); } else { showErrors(answer.body.error); }
  }

  function reloadTheirs() {
    const theirs = JSON.parse($("editor-conflict").dataset.theirs);
    $("editor-conflict").hidden = true;
    selected.layer.pm.disable();
    features.removeLayer(selected.layer);
    features.addData(theirs);
    const fresh = features.getLayers()[features.getLayers().length - 1];
    select(fresh, String(theirs.id), $("editor-conflict").dataset.etag);
  }

  async function remove() {
    if (!selected || !selected.id || !window.confirm(strings.confirm_delete)) { return; }
    const answer = await send("DELETE", itemUrl(selected.id), undefined, selected.etag);
    if (answer.status === 204) {
      features.removeLayer(selected.layer);
      selected = null;
      $("editor-form").hidden = true;
      $("editor-status").textContent = strings.deleted;
    } else if (answer.status === 412) { conflict({ properties: readForm() }); } else { showErrors(answer.body.error); }
  }

  async function history() {
    const answer = await send("GET", historyUrl(selected.id, "history"));
    const list = $("editor-history-list");
    list.textContent = "";
    const action = { create: strings.create, update: strings.update, delete: strings.delete, restore: strings.restore_action };
    answer.body.versions.forEach(function (v) {
      const item = document.createElement("li");
      item.textContent = strings.version + " " + v.version + ": " + action[v.action] + " " + strings.by + " " +
        (v.user || "—") + ", " + new Date(v.at).toLocaleString(document.documentElement.lang) + " ";
      if (v.after && '"' + v.version + '"' !== selected.etag) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = strings.restore;
        button.addEventListener("click", async function () {
          const restored = await send(
            "POST", historyUrl(selected.id, "restore"), { version: v.version }, selected.etag, "application/json"
          );
          if (restored.status === 200) {
            features.removeLayer(selected.layer);
            features.addData(restored.body);
            const fresh = features.getLayers()[features.getLayers().length - 1];
            select(fresh, selected.id, restored.etag);
            status(strings.restored + " " + restored.etag.replace(/"/g, ""));
          } else { showErrors(restored.body.error); }
        });
        item.appendChild(button);
      }
      list.appendChild(item);
    });
    $("editor-history").hidden = false;
  }

  // -- a register edited through its transactions (parcels): split, merge, retire ---------------

  let mode = null; // "split" or "merge" while the user draws a cut line or picks a partner
  let registerRequests = 0; // numbers each read of a register's features

  function chooseRegister() {
    features = L.geoJSON(null, {
      style: { color: collection.id === "streets" ? "#1d4e89" : "#b45309", weight: 1.5, fillOpacity: 0.1 },
      onEachFeature: function (feature, layer) {
        layer.on("click", function () { pickParcel(layer, feature); });
      },
    }).addTo(map);
    loadRegister();
  }

  async function loadRegister() {
    if (!collection || !collection.transactions) { return; }
    $("editor-zoom-hint").hidden = map.getZoom() >= 16;
    if (map.getZoom() < 16) { features.clearLayers(); return; }
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    const group = features;
    const asked = ++registerRequests;
    const page = await send("GET", itemsUrl() + "?f=json&limit=2000&bbox=" + bbox);
    // Answers can come back out of order (another layer chosen, the map moved again): only
    // the last request may fill the map, and only the group it was asked for.
    if (asked !== registerRequests || group !== features) { return; }
    features.clearLayers();
    features.addData(page.body);
  }

  async function pickParcel(layer, feature) {
    if (collection.id === "streets") { return pickStreet(layer, feature); }
    if (collection.id === "addresses") { return pickAddress(layer, feature); }
    const read = await send("GET", itemUrl(feature.id) + "?f=json");
    const parcel = { layer: layer, id: String(feature.id), etag: read.etag, properties: read.body.properties };
    if (mode === "merge" && selected && parcel.id !== selected.id) {
      mode = null;
      return transaction("POST", config.parcels + "merge", {
        parcels: [Number(selected.id), Number(parcel.id)],
        versions: [Number(selected.etag.replace(/"/g, "")), Number(parcel.etag.replace(/"/g, ""))],
      });
    }
    selected = parcel;
    features.setStyle({ weight: 1.5 });
    layer.setStyle({ weight: 4 });
    const p = parcel.properties;
    $("editor-tx-title").textContent = p.locality + " " + p.basin + "/" + p.number;
    $("editor-tx-summary").textContent = strings.area + ": " + Number(p.area_m2).toFixed(1) + " m² · " + p.land_use;
    showTools("parcel");
  }

  function showTools(kind) {
    $("editor-parcel-tools").hidden = kind !== "parcel";
    $("editor-street-tools").hidden = kind !== "street";
    $("editor-address-tools").hidden = kind !== "address";
    $("editor-reason").parentElement.hidden = kind !== "parcel";
    $("editor-numbering-list").textContent = "";
    $("editor-numbering-apply").hidden = true;
    $("editor-transactions").hidden = false;
    $("editor-tx-errors").hidden = true;
    $("editor-tx-status").textContent = "";
  }

  // -- streets: the numbering of their buildings, previewed and then applied -------------------

  function pickStreet(layer, feature) {
    selected = { layer: layer, id: String(feature.id) };
    features.setStyle({ weight: 1.5 });
    layer.setStyle({ weight: 5 });
    const p = feature.properties;
    $("editor-tx-title").textContent = (document.documentElement.lang === "ar" ? p.name_ar : p.name_en) || p.code;
    $("editor-tx-summary").textContent = p.code;
    showTools("street");
  }

  // -- addresses: an entrance added on its street (numbered, given its postcode), or retired ----

  function pickAddress(layer, feature) {
    selected = { layer: layer, id: String(feature.id) };
    const p = feature.properties;
    const street = document.documentElement.lang === "ar" ? p.street_ar : p.street_en;
    $("editor-tx-title").textContent = (p.number || "") + (p.number_suffix || "") + " " + street;
    $("editor-tx-summary").textContent = p.postcode || "";
    showTools("address");
  }

  async function addressDone(answer) {
    if (answer.status !== 200 && answer.status !== 201) {
      $("editor-note").textContent = "";
      $("editor-tx-errors").textContent = answer.body.error.message;
      $("editor-tx-errors").hidden = false;
      $("editor-transactions").hidden = false;
      return;
    }
    const a = answer.body;
    selected = null;
    await loadRegister();
    $("editor-transactions").hidden = true;
    $("editor-note").textContent = (answer.status === 201 ? strings.added : strings.retired) + " " +
      (a.number || "") + " " + (document.documentElement.lang === "ar" ? a.street_ar : a.street) +
      (a.postcode ? ", " + a.postcode : "");
  }

  async function numbering(apply) {
    const answer = await send(
      "POST", config.streets + selected.id + "/numbering",
      { apply: apply, renumber: $("editor-renumber").checked }, null, "application/json"
    );
    if (answer.status !== 200) {
      $("editor-tx-errors").textContent = answer.body.error.message;
      $("editor-tx-errors").hidden = false;
      return;
    }
    const list = $("editor-numbering-list");
    list.textContent = "";
    answer.body.forEach(function (change) {
      const item = document.createElement("li");
      item.textContent = (change.old || "—") + " → " + change.new + (change.changed ? "" : " (" + strings.unchanged + ")");
      list.appendChild(item);
    });
    $("editor-numbering-apply").hidden = apply || !answer.body.some(function (c) { return c.changed; });
    if (apply) {
      $("editor-tx-status").textContent = strings.numbered + " " + answer.body.filter(function (c) { return c.changed; }).length;
    }
  }

  async function transaction(method, url, body) {
    body.reason = $("editor-reason").value;
    const answer = await send(method, url, body, selected.etag, "application/json");
    if (answer.status === 200 || answer.status === 201) {
      const children = (answer.body.children || []).map(function (c) { return c.identifier; });
      selected = null;
      await loadRegister();
      $("editor-tx-errors").hidden = true;
      $("editor-tx-title").textContent = "";
      $("editor-tx-summary").textContent = "";
      $("editor-tx-status").textContent = children.length ? strings.made + " " + children.join(", ") : strings.retired;
      return;
    }
    const box = $("editor-tx-errors");
    box.textContent = answer.body.error.message;
    box.hidden = false;
  }

  function registerTools() {
    $("editor-split").addEventListener("click", function () {
      if (!selected) { return; }
      mode = "split";
      $("editor-tx-status").textContent = strings.split_hint;
      map.pm.enableDraw("Line", SNAP);
    });
    $("editor-merge").addEventListener("click", function () {
      if (!selected) { return; }
      mode = "merge";
      $("editor-tx-status").textContent = strings.merge_hint;
    });
    $("editor-retire").addEventListener("click", function () {
      if (selected) { transaction("POST", config.parcels + selected.id + "/retire", {}); }
    });
    $("editor-feature-split").addEventListener("click", function () {
      if (!selected || !selected.id) { return; }
      mode = "feature-split";
      selected.layer.pm.disable();
      map.pm.enableDraw("Line", SNAP);
    });
    $("editor-feature-merge").addEventListener("click", function () {
      if (!selected || !selected.id) { return; }
      mode = "feature-merge";
      $("editor-note").textContent = strings.merge_feature_hint;
    });
    $("editor-add-entrance").addEventListener("click", function () {
      mode = "entrance";
      $("editor-note").textContent = strings.entrance_hint;
      map.pm.enableDraw("Marker", SNAP);
    });
    $("editor-address-retire").addEventListener("click", function () {
      if (!selected || !window.confirm(strings.confirm_delete)) { return; }
      send("POST", config.addresses + "/" + selected.id + "/retire", {}, null, "application/json").then(addressDone);
    });
    $("editor-numbering-preview").addEventListener("click", function () { if (selected) { numbering(false); } });
    $("editor-numbering-apply").addEventListener("click", function () { if (selected) { numbering(true); } });
  }

  function cutDrawn(layer) {
    mode = null;
    const line = layer.toGeoJSON().geometry;
    layer.remove();
    return transaction("POST", config.parcels + selected.id + "/split", { cut_lines: [line] });
  }

  // Other collections drawn for context and snapping (streets, parcels...), never edited here.
  const references = {};
  async function loadReferences() {
    if (map.getZoom() < 16) { return; }
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    for (const id of config.references) {
      if (collection && id === collection.id) { continue; }
      const url = config.items.replace("COLLECTION", id) + "?f=json&limit=2000&bbox=" + bbox;
      const page = await send("GET", url);
      if (page.status !== 200) { continue; }
      if (references[id]) { references[id].remove(); }
      references[id] = L.geoJSON(page.body, {
        style: { color: "#6e7781", weight: 1.5, fillOpacity: 0.05, interactive: false },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 3, color: "#6e7781" }); },
        pmIgnore: false,
        snapIgnore: false,
      }).addTo(map);
      references[id].bringToBack();
    }
  }

  window.editorMapInit = function (leafletMap) {
    map = leafletMap;
    map.on("moveend", loadReferences);
    map.pm.setGlobalOptions(SNAP);
    map.pm.setLang(document.documentElement.lang === "ar" ? "ar" : "en");
    map.on("pm:create", function (event) {
      map.pm.disableDraw();
      $("editor-cancel").hidden = true;
      if (mode === "split") { cutDrawn(event.layer); return; }
      if (mode === "entrance") {
        mode = null;
        const at = event.layer.getLatLng();
        event.layer.remove();
        send("POST", config.addresses, { lon: at.lng, lat: at.lat }, null, "application/json").then(addressDone);
        return;
      }
      if (mode === "feature-split") {
        mode = null;
        const line = event.layer.toGeoJSON().geometry;
        event.layer.remove();
        send("POST", historyUrl(selected.id, "split"), { cut_line: line }, selected.etag, "application/json").then(reshaped);
        return;
      }
      select(event.layer, null, null);
    });
    map.on("moveend", loadRegister);
    registerTools();
    // The view is kept in the address (#zoom/lat/lon), so a view can be shared or reloaded.
    const view = window.location.hash.slice(1).split("/").map(Number);
    if (view.length === 3 && view.every(Number.isFinite)) { map.setView([view[1], view[2]], view[0]); }
    map.on("moveend", function () {
      const c = map.getCenter();
      history.replaceState(null, "", "#" + map.getZoom() + "/" + c.lat.toFixed(6) + "/" + c.lng.toFixed(6));
    });
    $("editor-collection").addEventListener("change", function (e) { choose(e.target.value); });
    $("editor-draw").addEventListener("click", function () {
      if (!collection) { return; }
      map.pm.enableDraw(DRAW_SHAPE[collection.geometry_type], SNAP);
      $("editor-cancel").hidden = false;
    });
    $("editor-cancel").addEventListener("click", function () { map.pm.disableDraw(); $("editor-cancel").hidden = true; });
    $("editor-form").addEventListener("submit", save);
    $("editor-delete").addEventListener("click", remove);
    $("editor-history-button").addEventListener("click", history);
    $("editor-keep-mine").addEventListener("click", keepMine);
    $("editor-reload").addEventListener("click", reloadTheirs);
    // The list may have been changed before the map was ready: load what it shows.
    if (config.collections.length) { choose($("editor-collection").value || config.collections[0].id); }
  };
})();
