// The tracking page: the order as the server rendered it, refreshed every 20 seconds, with the
// delivery point (or the office) and, while the delivery is out, the courier on the map.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("delivery-config").textContent);
  const lang = document.documentElement.lang === "ar" ? "ar" : "en";
  const m = config.messages;
  const $ = (id) => document.getElementById(id);
  const labels = Object.fromEntries(
    [...$("labels").content.querySelectorAll("span")].map((s) => [s.dataset.key, s.textContent])
  );
  const el = GisBasemap.el;
  const map = L.map("track-map", { maxZoom: 20 });
  map.attributionControl.setPrefix("Leaflet");
  GisBasemap.layer(config.basemap, { lang: lang, arabicDigits: () => false }).addTo(map);
  const marks = L.featureGroup().addTo(map);
  const format = (n) => new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(n);

  function windowText(window) {
    const start = new Date(window.start);
    const day = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long" }).format(start);
    const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
    return day + " · " + time.format(start) + "–" + time.format(new Date(window.end));
  }

  function show(order) {
    $("document-title").textContent = lang === "ar" ? order.document.title_ar : order.document.title_en;
    $("reference").textContent = order.reference;
    $("status").textContent = order.status_label;
    $("status").dataset.status = order.status;
    $("when").textContent = order.window ? labels.window + ": " + windowText(order.window) : "";
    $("synthetic").hidden = !order.synthetic;
    marks.clearLayers();
    if (order.method === "home" && order.address) {
      $("where-title").textContent = labels.home;
      $("postcode").textContent = order.address.postcode;
      $("postcode").hidden = false;
      $("where").textContent = (lang === "ar" ? order.address.lines_ar : order.address.lines_en).join("\n");
      $("hours").textContent = m.serving_office + ": " + (lang === "ar" ? order.office.name_ar : order.office.name_en);
      L.circleMarker([order.address.lat, order.address.lon], { radius: 9, color: "#b3261e", weight: 3 }).addTo(marks);
    } else {
      $("where-title").textContent = labels.collection;
      $("where").textContent = (lang === "ar" ? order.office.name_ar + "\n" + order.office.address_ar : order.office.name_en + "\n" + order.office.address_en);
      $("hours").textContent = order.office.opening_hours
        .map((h) => h.days.map((d) => m.days[d]).join(lang === "ar" ? "، " : ", ") + ": " + h.opens + "–" + h.closes)
        .join("\n");
      L.circleMarker([order.office.lat, order.office.lon], { radius: 8, color: "#0b5cad", weight: 3 }).addTo(marks);
    }
    const courier = $("courier");
    if (order.courier) {
      const parts = [];
      if (order.courier.distance_m !== undefined) {
        const d = order.courier.distance_m;
        parts.push(m.courier_distance.replace("%(distance)s", d < 1000 ? format(d) + " " + m.unit_m : format(d / 1000) + " " + m.unit_km));
      }
      if (order.courier.stops_before !== null) parts.push(m.stops_before.replace("%(count)s", format(order.courier.stops_before)));
      courier.textContent = parts.join(" · ");
      courier.hidden = false;
      L.circleMarker([order.courier.lat, order.courier.lon], { radius: 7, color: "#1b7f79", weight: 3, fillOpacity: 0.8 }).addTo(marks);
    } else {
      courier.hidden = true;
    }
    $("timeline").replaceChildren(
      ...order.events.map((e) =>
        el("li", {}, el("time", { datetime: e.at, text: new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(new Date(e.at)) }), " — " + e.label)
      )
    );
    if (marks.getLayers().length) map.fitBounds(marks.getBounds().pad(0.4), { maxZoom: 17, animate: false });
    document.getElementById("delivery-track").dataset.ready = "true";
  }

  show(config.order);
  setInterval(async function () {
    try {
      const response = await fetch(config.api, { headers: { Accept: "application/json" } });
      if (response.ok) show(await response.json());
    } catch (error) {
      /* offline for a moment: the page keeps what it showed */
    }
  }, 20000);
})();
