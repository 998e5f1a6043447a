// The job list: every job the dashboard knows, then each change as the app reads it (server-sent events).
"use strict";
(function () {
  const jobs = new Map();
  const body = document.querySelector("#jobs tbody");
  const stateFilter = document.getElementById("state");
  const labelFilter = document.getElementById("label");

  function duration(ms) {
    if (ms == null) return "";
    const s = Math.round(ms / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
  }

  function matches(job) {
    const state = stateFilter.value;
    if (state && job.state !== state) return false;
    const label = labelFilter.value.trim();
    if (!label) return true;
    const eq = label.indexOf("=");
    const key = eq < 0 ? label : label.slice(0, eq);
    return key in job.labels && (eq < 0 || job.labels[key] === label.slice(eq + 1));
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function render() {
    const shown = [...jobs.values()].filter(matches).sort((a, b) => b.updated - a.updated);
    body.replaceChildren();
    for (const job of shown) {
      const row = body.insertRow();
      row.dataset.job = job.jobId;
      const link = document.createElement("a");
      link.href = "job.html?id=" + encodeURIComponent(job.jobId);
      link.textContent = job.jobId;
      row.insertCell().append(link);
      cell(row, job.state, "state state-" + job.state);
      cell(row, job.attempt || "", "num");
      cell(row, job.totalEpochs ? job.epoch + "/" + job.totalEpochs : "", "num");
      cell(row, duration(job.etaMs), "num");
      const labels = row.insertCell();
      for (const [k, v] of Object.entries(job.labels || {})) {
        const span = document.createElement("span");
        span.className = "label";
        span.textContent = k + "=" + v;
        labels.append(span);
      }
      cell(row, job.message || "");
    }
    document.getElementById("count").textContent = shown.length + " of " + jobs.size + " jobs";
  }

  stateFilter.addEventListener("change", render);
  labelFilter.addEventListener("input", render);
  document.getElementById("filters").addEventListener("submit", e => e.preventDefault());

  fetch("api/jobs").then(r => r.json()).then(list => {
    for (const job of list) jobs.set(job.jobId, job);
    render();
    const changes = new EventSource("api/jobs/changes");
    changes.onmessage = e => {
      const job = JSON.parse(e.data);
      jobs.set(job.jobId, job);
      render();
    };
  });
})();
