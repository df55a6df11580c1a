// "Report a problem" on the public map: the form in report_panel.html sends an Open311
// request (POST /open311/v2/requests.json, multipart with the photo) placed at the map's
// centre. The server checks everything; this script only collects and shows its answer.
(function () {
  "use strict";

  function start() {
    const panel = document.getElementById("report-panel");
    const opener = document.getElementById("report-open");
    if (!panel || !opener || !window.publicMap) return;
    const map = window.publicMap.map;
    const form = document.getElementById("report-form");
    const message = document.getElementById("report-message");
    const cross = document.getElementById("report-cross");
    const select = form.elements.service_code;
    map.getContainer().append(cross); // the cross marks the map's centre, where the report goes
    let loaded = false;

    function say(text, done) {
      message.textContent = text;
      message.classList.toggle("done", Boolean(done));
      if (text) panel.scrollTop = 0; // the answer sits above the form
    }

    async function servicesLoad() {
      if (loaded) return;
      const response = await fetch(panel.dataset.services, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      for (const service of await response.json()) {
        const option = document.createElement("option");
        option.value = service.service_code;
        option.textContent = service.service_name;
        select.append(option);
      }
      loaded = true;
    }

    function show(open) {
      panel.hidden = !open;
      cross.hidden = !open;
      opener.setAttribute("aria-expanded", String(open));
      if (open) {
        servicesLoad().catch(() => say(opener.dataset.unavailable));
        select.focus();
      } else {
        opener.focus();
      }
    }

    opener.addEventListener("click", () => show(panel.hidden));
    document.getElementById("report-close").addEventListener("click", () => show(false));

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const centre = map.getCenter();
      const data = new FormData(form);
      if (!(data.get("media") instanceof File) || !data.get("media").size) data.delete("media");
      data.set("lat", centre.lat.toFixed(6));
      data.set("long", centre.lng.toFixed(6));
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      say("");
      try {
        const response = await fetch(panel.dataset.requests, { method: "POST", body: data });
        const body = await response.json().catch(() => null);
        if (response.status === 201 && Array.isArray(body)) {
          say(body[0].service_notice, true);
          form.reset();
        } else {
          say(Array.isArray(body) && body[0] ? body[0].description : opener.dataset.unavailable);
        }
      } catch (error) {
        say(opener.dataset.unavailable);
      } finally {
        button.disabled = false;
      }
    });
  }

  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
