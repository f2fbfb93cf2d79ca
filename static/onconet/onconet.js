// OncoNet page behaviour. No inline scripts anywhere: everything is wired here from data-* attributes.
(function () {
  "use strict";

  // Language switcher and filter selects submit on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Client-side sorting for small tables: <table data-sortable>. Cells may carry data-value for the sort key.
  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    var raw = cell.getAttribute("data-value");
    if (raw === null) raw = cell.textContent.trim();
    var num = parseFloat(raw.replace(/\s/g, "").replace(",", "."));
    return isNaN(num) || !/^[-\d\s.,%]+$/.test(raw) ? raw.toLowerCase() : num;
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      th.setAttribute("aria-sort", "none");
      th.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (x < y) return ascending ? -1 : 1;
          if (x > y) return ascending ? 1 : -1;
          return 0;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  // Client-side filtering: <input data-filter-table="#table-id">.
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.querySelector(input.getAttribute("data-filter-table"));
    if (!table) return;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  });

  // <button data-print>: the browser's print dialog (the CSP allows no inline handler)
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // A table wider than its card scrolls sideways inside it: the scrolling box takes the keyboard focus, so that
  // it can be scrolled without a mouse (WCAG 2.1.1), and says what it holds.
  function focusableScrollers() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("role")) box.setAttribute("role", "region");
        var table = box.querySelector("table");
        if (!box.hasAttribute("aria-label") && table) {
          var caption = table.caption || box.closest(".card") && box.closest(".card").querySelector("h2, h3, .card-title");
          box.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  document.body.addEventListener("htmx:afterSettle", focusableScrollers);

  // Numbers in charts as the page's language writes them (85,3 in Russian): value axes, tooltips, and labels
  // whose server-side formatter is a template with {c}.
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });
  function formatNumber(value) {
    return typeof value === "number" ? numberFormat.format(value) : value;
  }
  function localiseNumbers(option) {
    var axes = [].concat(option.xAxis || [], option.yAxis || []);
    axes.forEach(function (axis) {
      if (axis.type === "value") {
        axis.axisLabel = axis.axisLabel || {};
        if (!axis.axisLabel.formatter) axis.axisLabel.formatter = formatNumber;
      }
    });
    if (option.tooltip && !option.tooltip.valueFormatter) option.tooltip.valueFormatter = formatNumber;
    [].concat(option.series || []).forEach(function (series) {
      var label = series.label;
      if (label && typeof label.formatter === "string" && label.formatter.indexOf("{c}") !== -1) {
        var template = label.formatter;
        label.formatter = function (params) {
          var value = Array.isArray(params.value) ? params.value[params.value.length - 1] : params.value;
          return template.replace("{c}", formatNumber(value));
        };
      } else if (label && label.show && !label.formatter && series.type !== "pie") {
        label.formatter = function (params) {
          return formatNumber(Array.isArray(params.value) ? params.value[params.value.length - 1] : params.value);
        };
      }
    });
    return option;
  }

  // Charts: <div class="chart" data-chart="bar" data-source="json-script-id">.
  if (window.echarts) {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-source"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el);
      window.addEventListener("resize", function () { chart.resize(); });
      if (el.getAttribute("data-chart") === "option") {
        // A complete ECharts option built by the server; data items may carry a url to drill down to.
        chart.setOption(localiseNumbers(data));
        chart.on("click", function (params) {
          if (params.data && params.data.url) { window.location.href = params.data.url; }
        });
        return;
      }
      chart.setOption({
        color: ["#0b5563", "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f"],
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: data.labels, inverse: true },
        series: [{ type: "bar", data: data.values, label: { show: true, position: "right", formatter: function (p) { return formatNumber(p.value); } } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
})();
