// The courier's round on a phone. Every record made at a door is first kept on the phone (in
// localStorage, with an id made here) and then sent; a lost connection only delays sending,
// and sending a record twice stores it once, because the server knows its id. The round itself
// is kept too, so the page opens without a connection (its service worker keeps the page).
(function () {
  "use strict";

  const page = DeliveryPage.setup();
  const { config, lang, m, $, labels, el, fill, hm, number, csrf, api, post } = page;
  const ROUND_KEY = "courier-round-" + config.courier.id;
  const QUEUE_KEY = "courier-queue-" + config.courier.id;
  const PHOTO_MAX_PX = 1280;

  let round = null;
  let here = null; // the phone's last position: {lon, lat, accuracy}
  let syncing = false;
  let current = null; // the stop the proof dialog records

  const map = page.map("courier-map");
  const drawn = L.featureGroup().addTo(map);
  const guidance = L.featureGroup().addTo(map);
  const me = L.circleMarker([0, 0], { radius: 7, color: "#fff", weight: 2, fillColor: "#2563eb", fillOpacity: 1 });

  const queue = {
    all: () => JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"),
    save: (records) => localStorage.setItem(QUEUE_KEY, JSON.stringify(records)),
    add(record) {
      this.save([...this.all(), record]);
    },
    drop(clientId) {
      this.save(this.all().filter((r) => r.client_id !== clientId));
    },
  };

  function say(text) {
    $("message").textContent = text || "";
  }

  function showConnection() {
    $("connection").textContent = navigator.onLine ? m.online : m.offline;
    $("connection").dataset.online = navigator.onLine ? "yes" : "no";
    const waiting = queue.all().length;
    $("sync").textContent = waiting ? fill(m.pending_sync, { count: number(waiting) }) : m.all_synced;
  }

  function recorded(stop) {
    if (stop.proof) return { outcome: stop.proof.outcome, sent: true };
    const local = queue.all().find((r) => r.order === stop.order);
    return local ? { outcome: local.outcome, sent: false } : null;
  }

  function address(stop) {
    return (lang === "ar" ? stop.address_ar : stop.address_en)[0] || "";
  }

  function nextStop() {
    if (!round || round.status === "planned") return null;
    return round.stops.find((s) => !recorded(s)) || null;
  }

  function stopBody(stop) {
    const late = stop.late_s > 0 ? " · " + fill(m.late, { minutes: number(Math.ceil(stop.late_s / 60)) }) : "";
    return [
      el("p", {}, el("strong", { text: number(stop.sequence) + ". " }), el("bdi", { class: "postcode", text: stop.postcode })),
      el("p", { text: address(stop) }),
      el("p", { class: "muted", text: labels.eta + " " + hm(stop.arrival_at) + " · " + labels.window + " " + hm(stop.window_start) + "–" + hm(stop.window_end) + late }),
      el(
        "p",
        {},
        stop.contact_name + " · ",
        el("a", { href: "tel:" + stop.contact_phone, text: labels.call + " " }, el("bdi", { text: stop.contact_phone }))
      ),
    ];
  }

  function render() {
    showConnection();
    drawn.clearLayers();
    $("no-round").hidden = Boolean(round);
    $("start").hidden = !round || round.status !== "planned";
    $("sheet").hidden = !round;
    $("synthetic").hidden = !(round && round.stops.some((s) => s.synthetic));
    if (!round) {
      $("stops").replaceChildren();
      $("next").hidden = true;
      return;
    }
    $("sheet").href = config.api.sheet.replace("/0/", "/" + round.id + "/");
    $("summary").textContent =
      round.status_label + " · " + hm(round.starts_at) + "–" + hm(round.ends_at) + " · " +
      fill(m.stops, { count: number(round.stops.length) }) + " · " + fill(m.km, { distance: number(round.distance_m / 1000, 1) });
    if (round.geometry) L.geoJSON(round.geometry, { style: { color: "#1d4e89", weight: 4, opacity: 0.8 } }).addTo(drawn);
    L.marker([round.office.lat, round.office.lon], { title: lang === "ar" ? round.office.name_ar : round.office.name_en }).addTo(drawn);
    const next = nextStop();
    $("stops").replaceChildren(
      ...round.stops.map((stop) => {
        const done = recorded(stop);
        const state = done ? (done.outcome === "delivered" ? labels.delivered : labels.failed) + (done.sent ? "" : " (" + labels.waiting_sync + ")") : stop.status_label;
        const item = el(
          "li",
          { class: "stop" + (next && next.order === stop.order ? " is-next" : ""), "data-order": stop.order, "data-done": done ? done.outcome : "" },
          el("span", { class: "seq", text: number(stop.sequence) }),
          el("div", {}, el("div", {}, el("bdi", { class: "postcode", text: stop.postcode }), " ", address(stop)), el("div", { class: "muted", text: hm(stop.arrival_at) + " · " + state }))
        );
        if (!done && round.status === "started") {
          const button = el("button", { type: "button", class: "secondary", text: labels.record });
          button.addEventListener("click", () => openProof(stop));
          item.append(button);
        }
        const colour = done ? (done.outcome === "delivered" ? "#15803d" : "#b91c1c") : "#b45309";
        L.marker([stop.lat, stop.lon], {
          icon: page.pin(stop.sequence, colour),
          title: stop.postcode,
        }).addTo(drawn);
        return item;
      })
    );
    $("next").hidden = !next;
    if (next) {
      $("next-body").replaceChildren(...stopBody(next));
      $("open-maps").href = "geo:" + next.lat + "," + next.lon + "?q=" + next.lat + "," + next.lon;
    } else if (round.status !== "planned") {
      say(m.done);
    }
    if (!render.fitted && drawn.getLayers().length) {
      map.fitBounds(drawn.getBounds().pad(0.1));
      render.fitted = true;
    }
  }

  async function load() {
    try {
      const body = await api(config.api.round + "?day=" + config.today);
      round = body.round;
      localStorage.setItem(ROUND_KEY, JSON.stringify(round));
    } catch (error) {
      if (error.status) say(error.message);
      const kept = localStorage.getItem(ROUND_KEY);
      round = kept ? JSON.parse(kept) : null;
    }
    render();
  }

  function dataUrlBlob(url) {
    const [head, data] = url.split(",");
    const bytes = atob(data);
    const array = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
    return new Blob([array], { type: head.slice(5, head.indexOf(";")) });
  }

  async function send(record) {
    const form = new FormData();
    for (const [key, value] of Object.entries(record)) {
      if (value == null || value === "" || key === "photo" || key === "signature") continue;
      form.append(key, value);
    }
    if (record.photo) form.append("photo", dataUrlBlob(record.photo), "photo.jpg");
    if (record.signature) form.append("signature", dataUrlBlob(record.signature), "signature.png");
    return api(config.api.proofs, { method: "POST", headers: { Accept: "application/json", "X-CSRFToken": csrf() }, body: form });
  }

  // A record the server stored is the stop's proof from now on, before the round is read
  // again: the stop never looks open in between.
  function proved(record) {
    const stop = round && round.stops.find((s) => s.order === record.order);
    if (!stop) return;
    stop.proof = { client_id: record.client_id, outcome: record.outcome, recorded_at: record.recorded_at };
    localStorage.setItem(ROUND_KEY, JSON.stringify(round));
  }

  async function sync() {
    if (syncing || !navigator.onLine) return showConnection();
    syncing = true;
    let sent = 0;
    try {
      for (const record of queue.all()) {
        try {
          await send(record);
          proved(record);
          sent += 1;
        } catch (error) {
          if (!error.status) break; // no connection: keep every record for later
          if (error.status >= 500) break;
          say(error.message); // refused (a second record, a stop not in the round): it cannot succeed
        }
        queue.drop(record.client_id);
      }
    } finally {
      syncing = false;
    }
    if (sent || !queue.all().length) await load();
    showConnection();
  }

  function position() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(here);
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy }),
        () => resolve(here),
        { enableHighAccuracy: true, timeout: 5000, maximumAge: 30000 }
      );
    });
  }

  function photoData(file) {
    if (!file) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => {
        const scale = Math.min(1, PHOTO_MAX_PX / Math.max(image.width, image.height));
        const canvas = el("canvas", { width: Math.round(image.width * scale), height: Math.round(image.height * scale) });
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(image.src);
        resolve(canvas.toDataURL("image/jpeg", 0.75));
      };
      image.onerror = () => reject(new Error(m.invalid_image));
      image.src = URL.createObjectURL(file);
    });
  }

  // --- The signature pad ---
  const pad = $("signature");
  const ink = pad.getContext("2d");
  let signed = false;
  let drawing = false;
  function padPoint(event) {
    const box = pad.getBoundingClientRect();
    return [((event.clientX - box.left) * pad.width) / box.width, ((event.clientY - box.top) * pad.height) / box.height];
  }
  function clearPad() {
    ink.fillStyle = "#fff";
    ink.fillRect(0, 0, pad.width, pad.height);
    signed = false;
  }
  pad.addEventListener("pointerdown", (event) => {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    ink.beginPath();
    ink.moveTo(...padPoint(event));
  });
  pad.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    ink.lineWidth = 2.5;
    ink.lineCap = "round";
    ink.strokeStyle = "#111";
    ink.lineTo(...padPoint(event));
    ink.stroke();
    signed = true;
  });
  pad.addEventListener("pointerup", () => (drawing = false));
  $("signature-clear").addEventListener("click", clearPad);

  // --- The proof dialog ---
  for (const reason of config.reasons) $("reason").append(el("option", { value: reason.code, text: reason.label }));
  function outcome() {
    return $("proof-form").querySelector("input[name=outcome]:checked").value;
  }
  $("proof-form").addEventListener("change", () => {
    $("delivered-fields").hidden = outcome() !== "delivered";
    $("failed-fields").hidden = outcome() !== "failed";
  });
  function openProof(stop) {
    current = stop;
    $("proof-form").reset();
    $("delivered-fields").hidden = false;
    $("failed-fields").hidden = true;
    $("proof-message").textContent = "";
    $("proof-stop").replaceChildren(...stopBody(stop));
    clearPad();
    $("proof").showModal();
    $("recipient").focus();
  }
  $("proof-cancel").addEventListener("click", () => $("proof").close());
  $("record-next").addEventListener("click", () => nextStop() && openProof(nextStop()));
  $("proof-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const delivered = outcome() === "delivered";
    const name = $("recipient").value.trim();
    if (delivered && !name) {
      $("proof-message").textContent = m.recipient_missing;
      return;
    }
    $("proof-save").disabled = true;
    try {
      const where = await position();
      const record = {
        client_id: crypto.randomUUID ? crypto.randomUUID() : fallbackUuid(),
        order: current.order,
        outcome: outcome(),
        recipient_name: delivered ? name : "",
        failure_reason: delivered ? "" : $("reason").value,
        note: $("note").value.trim(),
        recorded_at: new Date().toISOString(),
        lon: where ? where.lon : null,
        lat: where ? where.lat : null,
        accuracy_m: where ? Math.round(where.accuracy) : null,
        photo: delivered ? await photoData($("photo").files[0]) : null,
        signature: delivered && signed ? pad.toDataURL("image/png") : null,
      };
      queue.add(record);
      $("proof").close();
      say(where ? m.saved : m.no_gps);
      guidance.clearLayers();
      $("instructions").replaceChildren();
      $("route-summary").textContent = "";
      render();
      sync();
    } catch (error) {
      $("proof-message").textContent = error.message;
    } finally {
      $("proof-save").disabled = false;
    }
  });
  function fallbackUuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- Start, navigation, position ---
  $("start").addEventListener("click", async () => {
    try {
      round = await post(config.api.start.replace("/0/", "/" + round.id + "/"));
      localStorage.setItem(ROUND_KEY, JSON.stringify(round));
      say("");
      render();
    } catch (error) {
      say(error.message);
    }
  });
  $("navigate").addEventListener("click", async () => {
    const next = nextStop();
    const from = (await position()) || { lon: round.office.lon, lat: round.office.lat };
    try {
      const route = await api(config.api.route + "?from=" + from.lon + "," + from.lat + "&to=" + next.lon + "," + next.lat + "&metric=fastest");
      guidance.clearLayers();
      L.geoJSON(route.geometry, { style: { color: "#2563eb", weight: 6, dashArray: "8 6" } }).addTo(guidance);
      map.fitBounds(guidance.getBounds().pad(0.2));
      $("route-summary").textContent = fill(m.arrive_in, {
        distance: route.distance_m >= 1000 ? fill(m.km, { distance: number(route.distance_m / 1000, 1) }) : number(route.distance_m) + " " + m.unit_m,
        minutes: number(Math.max(1, Math.round(route.duration_s / 60))),
      });
      $("instructions").replaceChildren(...route.instructions.map((i) => el("li", { text: lang === "ar" ? i.text_ar : i.text_en })));
    } catch (error) {
      say(error.status ? error.message : m.network);
    }
  });
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(
      (p) => {
        here = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy };
        me.setLatLng([here.lat, here.lon]).addTo(map);
      },
      () => {},
      { enableHighAccuracy: true, maximumAge: 15000 }
    );
  }
  setInterval(() => {
    if (!round || round.status !== "started" || !here || !navigator.onLine) return;
    const form = { lon: here.lon, lat: here.lat };
    fetch(config.api.position.replace("/0/", "/" + round.id + "/"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(form),
    }).catch(() => {});
  }, 60000);

  window.addEventListener("online", sync);
  window.addEventListener("offline", showConnection);
  setInterval(sync, 30000);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(config.worker).catch(() => {});
  load().then(sync);
})();
