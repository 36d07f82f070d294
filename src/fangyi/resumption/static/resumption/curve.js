/* The resumption dashboard's curve, drawn with the vendored ECharts.
 *
 * The page writes the days, the resumption rate and the staff return rate (%) and the translated
 * series names in <script id="resumption-data" type="application/json">; the table under the
 * chart carries the same figures for readers without it.
 */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("resumption-chart");
    var source = document.getElementById("resumption-data");
    if (!node || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.getInstanceByDom(node) || echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (value) { return value === null ? "—" : value + "%"; } },
      legend: { data: [data.labels.resumption, data.labels.staff] },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.dates },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: data.labels.resumption, type: "line", data: data.resumption, itemStyle: { color: "#1d4ed8" } },
        { name: data.labels.staff, type: "line", data: data.staff, itemStyle: { color: "#15803d" } },
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
