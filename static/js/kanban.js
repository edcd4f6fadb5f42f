// Kanban: each column's cards load lazily, one page at a time ("more" appends the next page).
(function () {
  "use strict";
  function load(box, url, replace) {
    fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        if (replace) { box.innerHTML = ""; }
        box.insertAdjacentHTML("beforeend", html);
        document.dispatchEvent(new CustomEvent("kanban:loaded", {detail: {column: box}}));
      })
      .catch(function () { box.classList.add("kanban-error"); });
  }
  document.querySelectorAll(".kanban-cards[data-column-url]").forEach(function (box) {
    if (box.querySelector(".kanban-loading")) { load(box, box.dataset.columnUrl, true); }
    box.addEventListener("click", function (ev) {
      var more = ev.target.closest("a[data-more]");
      if (!more) { return; }
      ev.preventDefault();
      var url = more.getAttribute("href");
      more.remove();
      load(box, url, false);
    });
  });
})();
