// Sends the file to the import API, then follows the import job until it ends.
(function () {
  "use strict";
  const form = document.getElementById("import-form");
  const status = document.getElementById("import-status");
  const bar = document.getElementById("import-progress");
  const percent = document.getElementById("import-percent");
  const message = document.getElementById("import-message");
  const report = document.getElementById("import-report");

  function show(job) {
    if (job.progress_percent !== null && job.progress_percent !== undefined) {
      bar.value = job.progress_percent;
      percent.textContent = job.progress_percent + " %";
    } else {
      bar.removeAttribute("value");
    }
    message.textContent = job.state + (job.message ? ": " + job.message : "");
    status.dataset.state = job.state;
  }

  async function follow(url) {
    for (;;) {
      const job = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
      show(job);
      if (["succeeded", "failed", "cancelled"].includes(job.state)) {
        report.textContent = JSON.stringify(job.result || { error: job.error }, null, 2);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const data = new FormData(form);
    if (data.get("target") === "new") {
      data.delete("layer");
    } else {
      ["new_slug", "new_title_en", "new_title_ar", "new_visibility"].forEach((k) => data.delete(k));
    }
    data.delete("target");
    if (!data.get("crs")) data.delete("crs");
    status.hidden = false;
    report.textContent = "";
    bar.removeAttribute("value");
    message.textContent = "";
    const response = await fetch(form.dataset.api, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken"), Accept: "application/json" },
    });
    const body = await response.json();
    if (response.status !== 202) {
      status.dataset.state = "refused";
      message.textContent = body.error ? body.error.message : response.statusText;
      report.textContent = JSON.stringify(body.error && body.error.details, null, 2);
      return;
    }
    follow(body.url);
  });
})();
