// The jobs page: starts exports, tile seeding and topology audits through the API, and shows
// every job of the user with a live progress bar while any of them is unfinished.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("jobs-config").textContent);
  const body = document.getElementById("jobs-body");
  const empty = document.getElementById("jobs-empty");
  const refusal = document.getElementById("jobs-refusal");
  const rowTemplate = document.getElementById("job-row");
  const stateNames = document.getElementById("job-states").dataset;
  const FINISHED = ["succeeded", "failed", "cancelled"];
  const csrf = () => document.querySelector("input[name=csrfmiddlewaretoken]").value;
  let timer = null;

  async function send(url, payload) {
    refusal.hidden = true;
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: payload === undefined ? "{}" : JSON.stringify(payload),
    });
    const answer = await response.json();
    if (!response.ok) {
      refusal.textContent = answer.error ? answer.error.message : response.statusText;
      refusal.hidden = false;
      return null;
    }
    refresh();
    return answer;
  }

  function row(job) {
    let tr = body.querySelector(`tr[data-id="${job.id}"]`);
    if (!tr) {
      tr = rowTemplate.content.firstElementChild.cloneNode(true);
      tr.dataset.id = job.id;
      tr.querySelector(".job-cancel").addEventListener("click", () => {
        tr.querySelector(".job-state").textContent = stateNames.cancelling;
        send(job.url + "cancel/");
      });
    }
    tr.dataset.state = job.state;
    tr.dataset.kind = job.kind;
    tr.querySelector(".job-kind").textContent = config.kinds[job.kind] || job.kind;
    tr.querySelector(".job-started").textContent = new Date(job.created_at).toLocaleString(document.documentElement.lang);
    tr.querySelector(".job-state").textContent = stateNames[job.state] || job.state;
    const bar = tr.querySelector("progress");
    if (job.progress_percent === null) bar.removeAttribute("value");
    else bar.value = job.progress_percent;
    tr.querySelector(".job-percent").textContent =
      job.progress_percent === null ? "" : job.progress_percent + " %";
    tr.querySelector(".job-message").textContent = FINISHED.includes(job.state) ? "" : job.message;
    const file = tr.querySelector(".job-file");
    file.hidden = !job.file_url;
    if (job.file_url) file.href = job.file_url;
    const report = tr.querySelector(".job-report");
    report.hidden = !(job.state === "succeeded" && job.result && !job.file_url);
    if (!report.hidden) report.querySelector("pre").textContent = JSON.stringify(job.result, null, 2);
    tr.querySelector(".job-error").textContent = job.state === "failed" ? job.error : "";
    tr.querySelector(".job-cancel").hidden = FINISHED.includes(job.state) || job.cancel_requested;
    return tr;
  }

  async function refresh() {
    clearTimeout(timer);
    const response = await fetch(config.jobs + "?limit=50", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const page = await response.json();
    const jobs = page.results || page;
    body.replaceChildren(...jobs.map(row));
    empty.hidden = jobs.length > 0;
    if (jobs.some((job) => !FINISHED.includes(job.state))) timer = setTimeout(refresh, 700);
  }

  function values(form) {
    const data = Object.fromEntries(new FormData(form));
    delete data.csrfmiddlewaretoken;
    return data;
  }

  const exportForm = document.getElementById("start-export");
  exportForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const { collection, ...options } = values(exportForm);
    if (!options.crs) delete options.crs;
    send(config.export.replace("COLLECTION", collection), options);
  });
  const seedForm = document.getElementById("start-seed");
  if (seedForm) {
    seedForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const { collection, min_zoom, max_zoom } = values(seedForm);
      send(config.seed.replace("COLLECTION", collection), {
        min_zoom: Number(min_zoom),
        max_zoom: Number(max_zoom),
      });
    });
  }
  const auditForm = document.getElementById("start-audit");
  if (auditForm) {
    auditForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const locality = values(auditForm).locality;
      send(config.audit, locality ? { locality: Number(locality) } : {});
    });
  }
  refresh();
})();
