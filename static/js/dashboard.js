/* Goal dashboard charts. Data comes from <script type="application/json" id="dashboard-data">. */
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var T = data.text || {};  // captions in the UI language, from the page
  var BLUE = "#1f4e8c", BLUE_L = "rgba(31,78,140,0.15)", GREEN = "#1e8a4c", AMBER = "#b7791f",
      RED = "#c53030", GREY = "#8a94a6", PURPLE = "#6b46c1";
  Chart.defaults.font.family = '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function el(id) { return document.getElementById(id); }

  var fc = data.forecast;
  if (el("chart-forecast") && fc && fc.years.length) {
    var years = fc.years.map(function (y) { return String(y.year); });
    var sets = [
      {label: T.range, data: fc.years.map(function (y) { return y.active_high; }), borderColor: "transparent",
       backgroundColor: BLUE_L, pointRadius: 0, fill: "+1", order: 3},
      {label: T.range_low, data: fc.years.map(function (y) { return y.active_low; }), borderColor: "transparent",
       backgroundColor: BLUE_L, pointRadius: 0, fill: false, order: 3},
      {label: T.expected, data: fc.years.map(function (y) { return y.active_expected; }), borderColor: BLUE,
       backgroundColor: BLUE, borderWidth: 3, tension: 0.2, order: 1},
      {label: T.target, data: fc.years.map(function (y) { return y.target; }), borderColor: RED, backgroundColor: RED,
       borderDash: [6, 4], borderWidth: 2, pointStyle: "rectRot", spanGaps: true, order: 0}
    ];
    var colours = {close_gaps: GREEN, rd_slip: AMBER};
    Object.keys(fc.scenarios || {}).forEach(function (key) {
      var s = fc.scenarios[key];
      sets.push({label: s.label, data: s.years.map(function (y) { return y.active_expected; }),
                 borderColor: colours[key] || PURPLE, backgroundColor: colours[key] || PURPLE,
                 borderDash: [2, 3], borderWidth: 2, pointRadius: 2, order: 2});
    });
    new Chart(el("chart-forecast"), {
      type: "line", data: {labels: years, datasets: sets},
      options: {interaction: {mode: "index", intersect: false},
                plugins: {legend: {position: "bottom", labels: {filter: function (item) {
                  return item.text !== T.range_low; }}},
                          tooltip: {callbacks: {label: function (ctx) {
                            var v = ctx.parsed.y; return ctx.dataset.label + T.colon + (v === null ? "—" : Math.round(v)); }}}},
                scales: {y: {beginAtZero: true, title: {display: true, text: T.y_axis}}}}
    });
  }

  if (el("chart-funnel") && data.funnel) {
    new Chart(el("chart-funnel"), {
      type: "bar",
      data: {labels: data.funnel.map(function (s) { return s.label; }),
             datasets: [{label: T.firms, data: data.funnel.map(function (s) { return s.firms; }),
                         backgroundColor: data.funnel.map(function (s) { return s.stage === "certified" ? GREEN : BLUE; })}]},
      options: {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true}}}
    });
  }

  if (el("chart-readiness") && data.readiness) {
    var rc = {ready: GREEN, marginal: AMBER, not_ready: RED, incomplete: GREY, unassessed: "#cbd2dc"};
    new Chart(el("chart-readiness"), {
      type: "doughnut",
      data: {labels: data.readiness.map(function (r) { return r.label; }),
             datasets: [{data: data.readiness.map(function (r) { return r.firms; }),
                         backgroundColor: data.readiness.map(function (r) { return rc[r.verdict]; })}]},
      options: {plugins: {legend: {position: "right"}}}
    });
  }

  if (el("chart-trend") && data.trend && data.trend.length) {
    new Chart(el("chart-trend"), {
      type: "line",
      data: {labels: data.trend.map(function (t) { return t.day; }),
             datasets: [{label: T.active, data: data.trend.map(function (t) { return t.active; }), borderColor: BLUE, backgroundColor: BLUE},
                        {label: T.tsme, data: data.trend.map(function (t) { return t.tsme; }), borderColor: GREEN, backgroundColor: GREEN},
                        {label: T.pool, data: data.trend.map(function (t) { return t.pool; }), borderColor: AMBER, backgroundColor: AMBER}]},
      options: {interaction: {mode: "index", intersect: false}, plugins: {legend: {position: "bottom"}},
                scales: {y: {beginAtZero: true}}}
    });
  }
})();
