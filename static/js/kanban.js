// Kanban: each column's cards load lazily, one page at a time ("more" appends the next page).
// Issue 17: a card dragged to another column asks for the reason in a dialog, then posts the card's
// own move form (the same form the "Move" menu shows, which is also the keyboard way to move).
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

  // the county filter applies at once
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });

  // drag and drop between columns
  var dialog = document.getElementById("kanban-reason");
  var dragged = null;
  document.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest && ev.target.closest(".kcard[draggable]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.dataset.firmId);
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    document.querySelectorAll(".kanban-col.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  document.querySelectorAll(".kanban-col").forEach(function (col) {
    col.addEventListener("dragover", function (ev) {
      if (!dragged || dragged.dataset.stage === col.dataset.stage) { return; }
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "move";
      col.classList.add("drop-target");
    });
    col.addEventListener("dragleave", function () { col.classList.remove("drop-target"); });
    col.addEventListener("drop", function (ev) {
      ev.preventDefault();
      col.classList.remove("drop-target");
      var card = dragged;
      dragged = null;
      if (!card || card.dataset.stage === col.dataset.stage) { return; }
      ask(card, col);
    });
  });

  function ask(card, col) {
    var form = card.querySelector("form.kmove-form");
    if (!form || !dialog || typeof dialog.showModal !== "function") {  // no dialog support: the card's menu
      var details = card.querySelector("details.kmove");
      if (details) { details.open = true; form.elements.stage.value = col.dataset.stage; form.elements.reason.focus(); }
      return;
    }
    var text = dialog.querySelector("textarea");
    var stageName = col.querySelector("header .stage").textContent;
    dialog.querySelector("[data-what]").textContent = card.dataset.name + " → " + stageName;
    dialog.querySelector("[data-required]").hidden = true;
    text.value = "";
    dialog.returnValue = "";
    dialog.showModal();
    text.focus();
    text.oninput = function () { dialog.querySelector("[data-required]").hidden = true; };
    dialog.querySelector("[data-cancel]").onclick = function () { dialog.close("cancel"); };
    dialog.querySelector("form").onsubmit = function (ev) {
      if (!text.value.trim()) {
        ev.preventDefault();
        dialog.querySelector("[data-required]").hidden = false;
        text.focus();
        return;
      }
      form.elements.stage.value = col.dataset.stage;
      form.elements.reason.value = text.value.trim();
      card.classList.add("moving");
      form.submit();
    };
  }
})();
