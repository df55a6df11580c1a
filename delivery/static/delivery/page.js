// What the delivery pages share: their configuration, language, labels and messages, number
// and time formats in the page's language (times in Palestine's zone), and JSON calls that
// turn the API's error body into the message the page shows.
(function () {
  "use strict";

  function setup() {
    const config = JSON.parse(document.getElementById("delivery-config").textContent);
    const lang = document.documentElement.lang === "ar" ? "ar" : "en";
    const m = config.messages;
    const $ = (id) => document.getElementById(id);
    const labelsTemplate = $("labels");
    const labels = labelsTemplate
      ? Object.fromEntries([...labelsTemplate.content.querySelectorAll("span")].map((s) => [s.dataset.key, s.textContent]))
      : {};
    const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Hebron" });
    const csrf = () => (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";

    async function api(url, options) {
      const response = await fetch(url, Object.assign({ credentials: "same-origin", headers: { Accept: "application/json" } }, options));
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        const error = body.error || {};
        throw Object.assign(new Error(m[error.code] || error.message || m.server), { code: error.code, status: response.status });
      }
      return body;
    }

    return {
      config: config,
      lang: lang,
      m: m,
      $: $,
      labels: labels,
      el: GisBasemap.el,
      fill: (text, values) => text.replace(/%\((\w+)\)s/g, (_all, key) => values[key]),
      hm: (iso) => (iso ? time.format(new Date(iso)) : ""),
      number: (n, digits) => new Intl.NumberFormat(lang, { maximumFractionDigits: digits || 0 }).format(n),
      csrf: csrf,
      api: api,
      post: (url, data) =>
        api(url, {
          method: "POST",
          headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: data === undefined ? undefined : JSON.stringify(data),
        }),
      map(id) {
        const map = L.map(id, { maxZoom: 20 });
        map.attributionControl.setPrefix("Leaflet");
        GisBasemap.layer(config.basemap, { lang: lang, arabicDigits: () => false }).addTo(map);
        if (config.bounds) map.fitBounds([[config.bounds[1], config.bounds[0]], [config.bounds[3], config.bounds[2]]]);
        return map;
      },
      pin: (sequence, colour) => {
        // An element, not markup: the Content-Security-Policy refuses style attributes in
        // HTML strings, while a style set through the DOM is allowed.
        const span = document.createElement("span");
        span.style.background = colour;
        span.textContent = String(sequence);
        return L.divIcon({ className: "stop-pin", html: span, iconSize: [22, 22] });
      },
    };
  }

  window.DeliveryPage = { setup: setup };
})();
