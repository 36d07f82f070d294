/* The voucher statistics' chart by region, drawn with the vendored ECharts.
 *
 * The page writes the region names, the discount redeemed and the purchases it went with (yuan)
 * and the translated series names in <script id="vouchers-data" type="application/json">; the
 * table under the chart carries the same figures for readers without it.
 */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("vouchers-chart");
    var source = document.getElementById("vouchers-data");
    if (!node || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.getInstanceByDom(node) || echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (value) { return value.toFixed(2); } },
      legend: { data: [data.labels.discount, data.labels.orders] },
      grid: { left: 72, right: 16, top: 40, bottom: 64 },
      xAxis: { type: "category", data: data.regions, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value" },
      series: [
        { name: data.labels.discount, type: "bar", data: data.discount, itemStyle: { color: "#b91c1c" } },
        { name: data.labels.orders, type: "bar", data: data.orders, itemStyle: { color: "#1d4ed8" } },
      ],
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
