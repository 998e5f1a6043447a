// One job: its history, then live events (server-sent events from the app, which reads Kafka).
"use strict";
(function () {
  const id = new URLSearchParams(location.search).get("id");
  const $ = s => document.getElementById(s);
  $("title").textContent = id;
  $("crumb").textContent = id;
  document.title = id + " · Training platform";

  const seen = new Set();          // topic/partition/offset of every event shown
  const epochs = new Map();        // epoch -> metrics of the latest attempt
  let evaluation = null;
  let totalEpochs = null;

  const lossChart = echarts.init($("loss"));
  const accuracyChart = echarts.init($("accuracy"));
  let confusionChart = null, fitChart = null;
  window.dashboardCharts = { loss: lossChart, accuracy: accuracyChart };

  function fmt(v, digits) { return v == null ? "" : Number(v).toFixed(digits == null ? 4 : digits); }

  function line(name, key) {
    const data = [...epochs.values()].filter(m => m[key] != null).map(m => [m.epoch, m[key]]);
    return { name, type: "line", data, showSymbol: true, connectNulls: false };
  }

  function drawCurves() {
    const base = {
      animation: false, tooltip: { trigger: "axis" }, legend: { top: 4, right: 10 },
      grid: { left: 56, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "value", name: "epoch", nameLocation: "middle", nameGap: 26, minInterval: 1, min: 1,
               max: Math.max(totalEpochs || 1, epochs.size || 1) },
    };
    lossChart.setOption(Object.assign({}, base, {
      title: { text: "Loss", left: 10, top: 4, textStyle: { fontSize: 13 } },
      yAxis: { type: "value", scale: true },
      series: [line("train", "trainLoss"), line("validation", "validationLoss"), line("test", "testLoss")],
    }), true);
    accuracyChart.setOption(Object.assign({}, base, {
      title: { text: "Accuracy", left: 10, top: 4, textStyle: { fontSize: 13 } },
      yAxis: { type: "value", min: 0, max: 1 },
      series: [line("train", "trainAccuracy"), line("validation", "validationAccuracy"), line("test", "testAccuracy")],
    }), true);
    $("loss").dataset.epochs = String(epochs.size);
    $("accuracy").dataset.epochs = String(epochs.size);
    const body = document.querySelector("#epochs tbody");
    body.replaceChildren();
    for (const m of [...epochs.values()].sort((a, b) => a.epoch - b.epoch)) {
      const row = body.insertRow();
      for (const [v, d] of [[m.epoch, 0], [m.trainLoss], [m.trainAccuracy], [m.validationLoss], [m.validationAccuracy],
                            [m.testLoss], [m.testAccuracy], [m.learningRate, 6], [m.samplesPerSecond, 0]]) {
        const td = row.insertCell();
        td.className = "num";
        td.textContent = fmt(v, d);
      }
      row.insertCell().textContent = m.best ? "best" : "";
    }
  }

  function duration(ms) {
    if (ms == null) return "–";
    const s = Math.round(ms / 1000);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function onStatus(s) {
    $("state").textContent = s.state;
    $("state").className = "state state-" + s.state;
    $("attempt").textContent = s.attempt;
    const running = s.state === "QUEUED" || s.state === "RUNNING";
    $("cancel").hidden = !running || !window.cancelEnabled;
    if (!running) $("eta").textContent = "–";
    if (s.state === "FAILED" && s.message) {
      $("error").hidden = false;
      $("error").textContent = (s.errorCode ? s.errorCode + ": " : "") + s.message;
    }
    const row = document.querySelector("#statuses tbody").insertRow();
    [new Date(s.timestamp).toLocaleString(), s.state, s.attempt, s.instance || "",
     (s.errorCode ? s.errorCode + ": " : "") + (s.message || "")].forEach((v, i) => {
      const td = row.insertCell();
      td.textContent = v;
      if (i === 2) td.className = "num";
    });
  }

  function onEpoch(m) {
    const old = epochs.get(m.epoch);
    if (!old || m.attempt >= old.attempt) epochs.set(m.epoch, m);
    totalEpochs = m.totalEpochs;
    $("progress").textContent = m.epoch + "/" + m.totalEpochs;
    if (m.stopReason) {
      $("stopped").hidden = false;
      $("stopped").textContent = m.stopReason;
    }
    $("eta").textContent = duration(m.etaMs);
    drawCurves();
  }

  function onEvaluation(r) {
    // The final checkpoint's evaluation wins; else the latest.
    if (evaluation && evaluation.finalCheckpoint && !r.finalCheckpoint) return;
    evaluation = r;
    $("evaluation-none").hidden = true;
    $("evaluation").hidden = false;
    if (r.error) {
      $("evaluation-summary").textContent = r.checkpointId + ": could not be evaluated: " + r.error.message;
      return;
    }
    const parts = [r.checkpointId + " (epoch " + r.epoch + ")", r.numSamples + " test samples", "loss " + fmt(r.testLoss)];
    if (r.testAccuracy != null) parts.push("accuracy " + fmt(r.testAccuracy));
    if (r.regression) parts.push("MSE " + fmt(r.regression.mse), "MAE " + fmt(r.regression.mae), "R² " + fmt(r.regression.r2));
    $("evaluation-summary").textContent = parts.join(" · ");
    if (r.classNames && r.classNames.length) drawConfusion(r);
    const perClass = document.querySelector("#per-class tbody");
    perClass.replaceChildren();
    for (const c of r.perClass || []) {
      const row = perClass.insertRow();
      row.insertCell().textContent = c.className;
      for (const v of [fmt(c.precision, 3), fmt(c.recall, 3), fmt(c.f1, 3), c.support]) {
        const td = row.insertCell(); td.className = "num"; td.textContent = v;
      }
    }
    $("per-class").hidden = !(r.perClass && r.perClass.length);
    if (r.regression && r.regression.fittedCurve && r.regression.fittedCurve.length) drawFit(r.regression);
    const examples = document.querySelector("#examples tbody");
    examples.replaceChildren();
    for (const e of r.examples || []) {
      const row = examples.insertRow();
      for (const v of [e.input, e.predicted, e.actual]) row.insertCell().textContent = v;
    }
    $("examples").hidden = !(r.examples && r.examples.length);
  }

  function drawConfusion(r) {
    const n = r.classNames.length;
    const cells = [];
    let max = 1;
    r.confusionMatrix.forEach((row, actual) => row.forEach((count, predicted) => {
      cells.push([predicted, n - 1 - actual, count]);
      max = Math.max(max, count);
    }));
    confusionChart = confusionChart || echarts.init($("confusion"));
    window.dashboardCharts.confusion = confusionChart;
    confusionChart.setOption({
      animation: false,
      tooltip: { formatter: p => "actual " + r.classNames[n - 1 - p.value[1]] + ", predicted "
                 + r.classNames[p.value[0]] + ": " + p.value[2] },
      grid: { left: 110, right: 20, top: 20, bottom: 110 },
      xAxis: { type: "category", data: r.classNames, name: "predicted", nameLocation: "middle", nameGap: 90,
               axisLabel: { rotate: 45, interval: 0 } },
      yAxis: { type: "category", data: [...r.classNames].reverse(), name: "actual", nameLocation: "middle",
               nameGap: 96, axisLabel: { interval: 0 } },
      visualMap: { min: 0, max, show: false, inRange: { color: ["#f7fbff", "#08306b"] } },
      series: [{ type: "heatmap", data: cells, label: { show: n <= 12 } }],
    }, true);
    $("confusion").dataset.cells = String(cells.length);
    $("confusion").setAttribute("aria-label", "Confusion matrix of " + n + " classes: rows actual, columns predicted");
  }

  function drawFit(regression) {
    $("fit").hidden = false;
    fitChart = fitChart || echarts.init($("fit"));
    const pts = regression.fittedCurve;
    fitChart.setOption({
      animation: false, legend: { top: 4 }, grid: { left: 56, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "value", name: "x", scale: true }, yAxis: { type: "value", scale: true },
      series: [
        { name: "test data", type: "scatter", symbolSize: 4, data: pts.map(p => [p.x, p.yTrue]) },
        { name: "model", type: "line", showSymbol: false, data: pts.map(p => [p.x, p.yPredicted]) },
      ],
    }, true);
  }

  function onSubmitted(j) {
    totalEpochs = totalEpochs || j.epochs;
    const labels = Object.entries(j.labels || {}).map(([k, v]) => k + "=" + v).join(", ");
    $("about").textContent = j.model + " on " + j.dataset + ", " + j.epochs + " epochs, batch " + j.batchSize
      + ", priority " + j.priority + (labels ? ", labels " + labels : "");
  }

  drawCurves();

  $("cancel").addEventListener("click", () => {
    $("cancel").disabled = true;
    fetch("api/jobs/" + encodeURIComponent(id) + "/cancel", { method: "POST" }).then(r => {
      if (!r.ok) { $("error").hidden = false; $("error").textContent = "cancel refused (" + r.status + ")"; }
      $("cancel").textContent = "Cancel requested";
    });
  });

  fetch("api/settings").then(r => r.json()).then(settings => {
    window.cancelEnabled = settings.cancelEnabled;
    const events = new EventSource("api/jobs/" + encodeURIComponent(id) + "/events");
    events.onmessage = e => {
      const event = JSON.parse(e.data);
      const key = event.topic + "/" + event.partition + "/" + event.offset;
      if (event.topic && seen.has(key)) return;
      seen.add(key);
      switch (event.type) {
        case "submitted": onSubmitted(event.data); break;
        case "status": onStatus(event.data); break;
        case "epoch": onEpoch(event.data); break;
        case "evaluation": onEvaluation(event.data); break;
        case "error": $("error").hidden = false; $("error").textContent = event.data.message; break;
      }
    };
  });
  window.addEventListener("resize", () => [lossChart, accuracyChart, confusionChart, fitChart]
    .forEach(c => c && c.resize()));
})();
