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
  // After a save the page returns to its section (#years, #ip, ...): show the flash there, not
  // off-screen at the top (issue 17).
  var flashes = document.querySelectorAll("main .flash");
  var target = location.hash && location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
  if (flashes.length && target && target.classList.contains("card")) {
    var heading = target.querySelector("h2, .section-head");
    var anchor = heading ? heading.nextSibling : target.firstChild;
    flashes.forEach(function (f) { target.insertBefore(f, anchor); });
    target.scrollIntoView({ block: "start" });
  }
})();
