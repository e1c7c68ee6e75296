// A job's page: ask for its state every two seconds while it waits or runs, show the
// progress, and on the end show the result or the failure (the page's own elements).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) {
    return;
  }
  var url = box.dataset.statusUrl;
  var timer = null;

  function show(id, visible) {
    document.getElementById(id).hidden = !visible;
  }

  function update(data) {
    var badge = document.getElementById("job-state");
    badge.textContent = data.state_label;
    badge.className = "badge job__badge job__badge--" + data.state;
    document.getElementById("job-bar").value = data.progress.percent;
    document.getElementById("job-step").textContent =
      data.progress.label || (data.state === "queued" ? "Wartet auf den Hintergrunddienst …" : "Läuft …");
    if (data.state === "done" || data.state === "failed") {
      // The result's links and the retry form are rendered by the server: load them.
      window.clearInterval(timer);
      window.location.reload();
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          update(data);
        }
      })
      .catch(function () {
        document.getElementById("job-step").textContent =
          "Der Server ist gerade nicht erreichbar; es wird weiter versucht …";
      });
  }

  if (box.dataset.state === "queued" || box.dataset.state === "running") {
    show("job-progress", true);
    timer = window.setInterval(poll, 2000);
  }
})();
