/* The production page's chart, drawn with the vendored ECharts: daily capacity and output of
 * one item by day, two lines. The page writes the figures and the translated series names in
 * <script id="production-data" type="application/json">; the table under the chart has them too.
 */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("production-chart");
    var source = document.getElementById("production-data");
    if (!node || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.getInstanceByDom(node) || echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.capacity, data.labels.output] },
      grid: { left: 64, right: 24, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.dates },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: data.labels.capacity,
          type: "line",
          data: data.capacity,
          connectNulls: false,
          lineStyle: { type: "dashed" },
          itemStyle: { color: "#9aa5b1" },
        },
        { name: data.labels.output, type: "line", data: data.output, connectNulls: false, itemStyle: { color: "#1d4ed8" } },
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
