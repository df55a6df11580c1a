// The closures page: click along a street (or type the points), say why, and the street is
// closed from now until the chosen time or until lifted; closures in force are drawn in red.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("closures-config").textContent);
  const lang = document.documentElement.lang === "ar" ? "ar" : "en";
  const m = config.messages;
  const $ = (id) => document.getElementById(id);
  const el = GisBasemap.el;
  const lift = $("labels").content.querySelector("[data-key=lift]").textContent;
  const csrf = () => (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  const when = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Hebron" });

  const map = L.map("closures-map", { maxZoom: 20, doubleClickZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  GisBasemap.layer(config.basemap, { lang: lang, arabicDigits: () => false }).addTo(map);
  if (config.bounds) map.fitBounds([[config.bounds[1], config.bounds[0]], [config.bounds[3], config.bounds[2]]]);
  const existing = L.featureGroup().addTo(map);
  const drawing = L.polyline([], { color: "#b91c1c", weight: 6, dashArray: "6 6" }).addTo(map);
  let points = [];
  // A closure lifted a moment after it began ends a second after its start (a closure ends
  // after it starts): the page forgets it at once.
  const lifted = new Set();

  function showPoints() {
    drawing.setLatLngs(points.map(([lon, lat]) => [lat, lon]));
    $("points").value = points.map(([lon, lat]) => lon.toFixed(6) + "," + lat.toFixed(6)).join("; ");
    $("point-count").textContent = points.length ? m.points.replace("%(count)s", points.length) : "";
  }

  map.on("click", (event) => {
    points.push([event.latlng.lng, event.latlng.lat]);
    showPoints();
  });
  $("points").addEventListener("change", () => {
    const typed = $("points").value.split(";").map((p) => p.split(",").map(Number));
    if (typed.some((p) => p.length !== 2 || p.some((v) => !Number.isFinite(v)))) {
      $("message").textContent = m.bad_points;
      return;
    }
    $("message").textContent = "";
    points = typed;
    showPoints();
  });
  $("clear").addEventListener("click", () => {
    points = [];
    showPoints();
  });

  async function call(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin", headers: { Accept: "application/json" } }, options));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = body.error || {};
      throw new Error(m[error.code] || error.message || m.server);
    }
    return body;
  }

  async function load() {
    const closures = (await call(config.api.closures)).filter(
      (c) => !lifted.has(c.id) && (!c.ends_at || new Date(c.ends_at) > new Date())
    );
    existing.clearLayers();
    $("list").replaceChildren(
      ...closures.map((c) => {
        const reason = (lang === "ar" ? c.reason_ar || c.reason_en : c.reason_en || c.reason_ar) || "";
        L.geoJSON(c.geometry, { style: { color: "#b91c1c", weight: 7, opacity: 0.8 } }).bindTooltip(reason).addTo(existing);
        const button = el("button", { type: "button", text: lift, "data-closure": c.id });
        button.addEventListener("click", async () => {
          try {
            await call(config.api.lift.replace("/0/", "/" + c.id + "/"), { method: "POST", headers: { Accept: "application/json", "X-CSRFToken": csrf() } });
            lifted.add(c.id);
            load();
          } catch (error) {
            $("message").textContent = error.message;
          }
        });
        return el("li", { "data-closure": c.id }, el("span", { text: reason + " · " + when.format(new Date(c.starts_at)) + " – " + (c.ends_at ? when.format(new Date(c.ends_at)) : m.until_lifted) }), button);
      })
    );
    $("none").hidden = closures.length > 0;
  }

  $("closure-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (points.length < 2) {
      $("message").textContent = m.too_few;
      return;
    }
    const ends = $("ends-at").value;
    try {
      await call(config.api.closures, {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({
          geometry: { type: "LineString", coordinates: points },
          starts_at: new Date().toISOString(),
          ends_at: ends ? new Date(ends).toISOString() : null,
          reason_ar: $("reason-ar").value,
          reason_en: $("reason-en").value,
        }),
      });
      $("message").textContent = "";
      points = [];
      showPoints();
      $("closure-form").reset();
      load();
    } catch (error) {
      $("message").textContent = error.message;
    }
  });
  load();
})();
