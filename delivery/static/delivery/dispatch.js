// The dispatcher's board: plan a day's rounds (a background job with its progress), see them
// on the map and as ordered lists, move an order into another round, and follow the statuses
// as couriers record their stops (the board refreshes every 15 seconds).
(function () {
  "use strict";

  const page = DeliveryPage.setup();
  const { config, lang, m, $, labels, el, fill, hm, number, api, post } = page;
  const COLOURS = ["#1d4e89", "#b45309", "#15803d", "#7e22ce", "#be123c", "#0e7490", "#4d7c0f"];
  const map = page.map("dispatch-map");
  const drawn = L.featureGroup().addTo(map);

  for (const office of config.offices) {
    $("office").append(el("option", { value: office.id, text: lang === "ar" ? office.name_ar : office.name_en }));
  }
  const params = new URLSearchParams(location.hash.slice(1));
  $("office").value = params.get("office") || (config.offices[0] || {}).id;
  $("day").value = params.get("day") || config.today;
  let board = null;

  function say(text) {
    $("message").textContent = text || "";
  }

  function address(stop) {
    return (lang === "ar" ? stop.address_ar : stop.address_en)[0] || "";
  }

  function moveSelect(order, currentRound) {
    const select = el("select", { "aria-label": labels.move, "data-order": order });
    select.append(el("option", { value: "", text: m.move_to }));
    for (const r of board.rounds) {
      if (r.id !== currentRound && r.status === "planned") {
        select.append(el("option", { value: r.id, text: r.courier.name }));
      }
    }
    select.addEventListener("change", async () => {
      if (!select.value) return;
      const target = board.rounds.find((r) => r.id === Number(select.value));
      try {
        await post(config.api.stops.replace("/0/", "/" + target.id + "/"), { order: order, version: target.version });
        say("");
      } catch (error) {
        say(error.message);
      }
      load();
    });
    return select;
  }

  function stopItem(stop, round) {
    const late = stop.late_s > 0 ? el("span", { class: "late", text: fill(m.late, { minutes: number(Math.ceil(stop.late_s / 60)) }) }) : "";
    const item = el(
      "li",
      { class: "stop", "data-order": stop.order, "data-status": stop.status },
      el("span", { class: "seq", text: stop.sequence ? number(stop.sequence) : "•" }),
      el(
        "div",
        {},
        el("div", {}, el("bdi", { class: "postcode", text: stop.postcode }), " ", address(stop)),
        el(
          "div",
          { class: "muted" },
          stop.arrival_at ? labels.eta + " " + hm(stop.arrival_at) + " · " : "",
          labels.window + " " + hm(stop.window_start) + "–" + hm(stop.window_end),
          " ",
          late
        ),
        el(
          "div",
          {},
          el("span", { class: "badge", "data-status": stop.status, text: stop.status_label }),
          // The citizen's rating, once given (board stops only).
          stop.rating ? [" ", el("span", { class: "badge rating", text: "★ " + number(stop.rating), title: fill(m.stars, { rating: number(stop.rating) }) })] : "",
          stop.reason ? el("span", { class: "reason", text: " " + stop.reason }) : ""
        )
      )
    );
    if (stop.status === "scheduled" || stop.status === "requested" || stop.status === "failed") {
      if (!round || round.status === "planned") item.append(moveSelect(stop.order, round ? round.id : null));
    }
    return item;
  }

  function draw() {
    drawn.clearLayers();
    $("rounds").replaceChildren();
    board.rounds.forEach((round, i) => {
      const colour = COLOURS[i % COLOURS.length];
      if (round.geometry) {
        L.geoJSON(round.geometry, { style: { color: colour, weight: 4, opacity: 0.85 } }).addTo(drawn);
      }
      for (const stop of round.stops) {
        L.marker([stop.lat, stop.lon], {
          icon: page.pin(stop.sequence, colour),
          title: stop.postcode,
        }).addTo(drawn);
      }
      const sheet = config.api.sheet.replace("/0/", "/" + round.id + "/");
      $("rounds").append(
        el(
          "article",
          { class: "round", "data-round": round.id, style: "border-top-color:" + colour },
          el("h3", {}, round.courier.name, " ", el("span", { class: "badge", "data-status": round.status, text: round.status_label })),
          el(
            "p",
            { class: "muted" },
            hm(round.starts_at) + "–" + hm(round.ends_at) + " · " + fill(m.km, { distance: number(round.distance_m / 1000, 1) }) +
              " · " + fill(m.used, { used: number(round.stops.length), capacity: number(round.courier.capacity) })
          ),
          el("p", {}, el("a", { href: sheet, target: "_blank", text: labels.sheet })),
          el("ol", { class: "stop-list" }, ...round.stops.map((s) => stopItem(s, round)))
        )
      );
    });
    if (!board.rounds.length) $("rounds").append(el("p", { class: "muted", text: labels.no_rounds }));
    $("waiting").replaceChildren(...board.waiting.map((o) => stopItem(o, null)));
    $("waiting-empty").hidden = board.waiting.length > 0;
    for (const o of board.waiting) {
      if (o.lat != null) L.circleMarker([o.lat, o.lon], { radius: 6, color: "#6b7280", fillOpacity: 0.6 }).addTo(drawn);
    }
    $("couriers").replaceChildren(
      ...board.couriers.map((c) =>
        el("li", {}, c.name + " · " + c.vehicle_label + " · " + fill(m.capacity, { capacity: number(c.capacity) }) + " · " + labels.shift + " " + hm(c.shift.start) + "–" + hm(c.shift.end))
      )
    );
    const counts = Object.entries(board.counts).map(([status, n]) => number(n) + " " + status.replace(/_/g, " "));
    $("counts").textContent = counts.join(" · ") + (board.plan ? " · " + fill(m.planned, { seconds: number(board.plan.seconds, 1) }) : "");
    const synthetic = board.office.synthetic || board.waiting.some((o) => o.synthetic) || board.rounds.some((r) => r.stops.some((s) => s.synthetic));
    if (synthetic) $("counts").append(el("span", { class: "synthetic-badge synthetic-note", text: labels.synthetic }));
    if (drawn.getLayers().length && !draw.fitted) {
      map.fitBounds(drawn.getBounds().pad(0.1));
      draw.fitted = true;
    }
  }

  async function load() {
    const query = new URLSearchParams({ office: $("office").value, day: $("day").value });
    location.hash = query.toString();
    try {
      board = await api(config.api.board + "?" + query);
      draw();
    } catch (error) {
      say(error.message);
    }
  }

  async function follow(job) {
    $("plan-progress").hidden = false;
    $("plan-status").textContent = m.planning;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const state = await api(job.url);
      $("plan-bar").value = state.progress_done || 0;
      $("plan-status").textContent = state.message || m.planning;
      if (state.state === "succeeded") {
        $("plan-status").textContent = fill(m.planned, { seconds: number(state.result.seconds, 1) });
        return;
      }
      if (["failed", "cancelled"].includes(state.state)) throw new Error(state.error || m.failed);
    }
  }

  $("board-form").addEventListener("submit", (event) => {
    event.preventDefault();
    draw.fitted = false;
    load();
  });
  $("plan").addEventListener("click", async () => {
    $("plan").disabled = true;
    say("");
    try {
      const accepted = await post(config.api.plans, { office: Number($("office").value), day: $("day").value });
      await follow(accepted.job || accepted);
      draw.fitted = false;
      await load();
    } catch (error) {
      say(error.message);
    } finally {
      $("plan").disabled = false;
    }
  });
  setInterval(() => {
    if (!document.hidden) load();
  }, 15000);
  load();
})();
