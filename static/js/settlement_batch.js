// The settlement batch: issue every town's statement, one request per town, one after the
// other, showing "n von N"; on the first refusal stop with the server's German message.
// Each request is one transaction on the server, so what was issued stays consistent.
(function () {
  "use strict";
  var section = document.getElementById("batch");
  var start = document.getElementById("batch-start");
  if (!section || !start) {
    return;
  }
  var jobs = JSON.parse(document.getElementById("batch-jobs").textContent);
  var csrf = section.querySelector("input[name=csrfmiddlewaretoken]").value;
  var bar = document.getElementById("batch-bar");
  var status = document.getElementById("batch-status");
  var errorBox = document.getElementById("batch-error");
  var done = document.getElementById("batch-done");
  var log = document.getElementById("batch-log");

  function showProgress(n) {
    bar.value = n;
    status.textContent = n + " von " + jobs.length;
  }

  function finish() {
    done.hidden = false;
    done.textContent = "";
    var link = document.createElement("a");
    link.className = "button";
    link.id = "batch-zip";
    link.href = section.dataset.zip;
    link.textContent = "Alle PDFs als ZIP herunterladen";
    done.appendChild(link);
    status.textContent = jobs.length + " von " + jobs.length + " – fertig";
  }

  function fail(job, message) {
    errorBox.hidden = false;
    errorBox.textContent = "";
    var p = document.createElement("p");
    p.textContent = job.name + ": " + message + " Der Stapel wurde angehalten; bereits ausgestellte Abrechnungen bleiben gültig.";
    errorBox.appendChild(p);
    start.disabled = false;
    start.textContent = "Erneut versuchen";
  }

  function issue(index) {
    if (index >= jobs.length) {
      finish();
      return;
    }
    var job = jobs[index];
    var body = new FormData();
    body.append("split", job.split);
    body.append("town", job.town);
    body.append("year", section.dataset.year);
    if (job.replaces) {
      body.append("replaces", job.replaces);
    }
    fetch(section.dataset.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          fail(job, result.data.error || "Unbekannter Fehler.");
          return;
        }
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = result.data.url;
        link.textContent = job.name + " – Fassung " + result.data.number;
        item.appendChild(link);
        log.appendChild(item);
        // A retry after a refusal starts at the job that failed, not at the first.
        jobs[index].issued = true;
        showProgress(index + 1);
        issue(index + 1);
      })
      .catch(function () {
        fail(job, "Der Server ist nicht erreichbar.");
      });
  }

  start.addEventListener("click", function () {
    start.disabled = true;
    errorBox.hidden = true;
    document.getElementById("batch-progress").hidden = false;
    var first = 0;
    while (first < jobs.length && jobs[first].issued) {
      first += 1;
    }
    showProgress(first);
    issue(first);
  });
})();
