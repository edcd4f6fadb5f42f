/* Small progressive enhancements; the pages work without them (CSP: no inline scripts). */
(function () {
  "use strict";
  document.querySelectorAll("input.check-all").forEach(function (all) {
    all.addEventListener("change", function () {
      var table = all.closest("table");
      table.querySelectorAll("tbody input[type=checkbox]").forEach(function (cb) { cb.checked = all.checked; });
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
})();
