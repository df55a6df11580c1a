// The tracking page: the order as the server rendered it, refreshed every 20 seconds, with the
// delivery point (or the office) and, while the delivery is out, the courier on the map; once
// delivered, the form to rate the delivery (sent once); and who on the staff read the details.
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

  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_all, key) => values[key]);

  function showFeedback(order) {
    const given = order.feedback;
    $("feedback").hidden = !given && !order.feedback_open;
    // The form is left alone while it is shown: the refresh must not wipe what is typed.
    $("feedback-form").hidden = !order.feedback_open;
    $("feedback-given").hidden = !given;
    if (given) {
      $("feedback-stars").textContent = "★".repeat(given.rating);
      $("feedback-rating").textContent = fill(m.stars, { rating: format(given.rating) });
      $("feedback-comment-given").textContent = given.comment;
    }
  }

  function showReads(reads) {
    $("reads-empty").hidden = reads.length > 0;
    $("reads").replaceChildren(
      ...reads.map((r) => {
        const when = [el("time", { datetime: r.at, text: dateTime.format(new Date(r.at)) })];
        if (r.count > 1) {
          when.unshift(el("time", { datetime: r.first_at, text: dateTime.format(new Date(r.first_at)) }), " – ");
          when.push(" (" + fill(m.read_times, { count: format(r.count) }) + ")");
        }
        const office = r.office ? " · " + (lang === "ar" ? r.office.name_ar : r.office.name_en) : "";
        return el("li", { "data-via": r.via }, ...when, " — ", el("strong", { text: r.role_label + office }), " — " + r.via_label);
      })
    );
  }

  $("feedback-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = document.querySelector("#feedback-form input[name='rating']:checked");
    const say = (text) => {
      $("feedback-message").textContent = text;
    };
    const body = { rating: chosen ? Number(chosen.value) : null, comment: $("feedback-comment").value };
    $("feedback-submit").disabled = true;
    say(m.sending);
    try {
      const response = await fetch(config.feedback_api, {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        const error = answer.error || {};
        say(m["feedback_" + error.code] || error.message || m.server);
        return;
      }
      say("");
      config.order.feedback = answer.feedback;
      config.order.feedback_open = false;
      showFeedback(config.order);
      $("feedback-given").focus();
    } catch (error) {
      say(m.network);
    } finally {
      $("feedback-submit").disabled = false;
    }
  });

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
    showFeedback(order);
    showReads(order.reads);
    if (marks.getLayers().length) map.fitBounds(marks.getBounds().pad(0.4), { maxZoom: 17, animate: false });
    document.getElementById("delivery-track").dataset.ready = "true";
  }

  show(config.order);
  setInterval(async function () {
    try {
      const response = await fetch(config.api, { headers: { Accept: "application/json" } });
      if (response.ok) show((config.order = await response.json()));
    } catch (error) {
      /* offline for a moment: the page keeps what it showed */
    }
  }, 20000);
})();
