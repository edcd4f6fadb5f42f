// Job page: poll the job's JSON status and move the progress bar; no inline script (CSP).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var status = document.getElementById("job-status");
  var count = document.getElementById("job-count");
  var error = document.getElementById("job-error");
  var download = document.getElementById("job-download");
  var link = document.getElementById("job-download-link");

  function show(info) {
    bar.max = info.total || 1;
    bar.value = info.progress;
    bar.textContent = info.percent + "%";
    status.textContent = info.status_label;
    count.textContent = info.progress + "/" + info.total;
    if (info.error) { error.textContent = info.error; error.hidden = false; }
    if (info.done) { download.hidden = false; if (info.download_url) { link.href = info.download_url; } }
    return info.finished;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (info) { if (!show(info)) { setTimeout(poll, 2000); } })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
}());
