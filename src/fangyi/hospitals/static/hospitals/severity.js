/* An admission's severity over the days of its daily rounds, as a small step line drawn with the
 * vendored ECharts. The page writes the dates, the levels (1 mild … 4 critical) and the translated
 * level names in <script id="severity-chart-data" type="application/json">; the table under the
 * chart lists the same rounds.
 */
(function () {
  "use strict";

  if (window.fangyiSeverityChart) {
    return;
  }
  window.fangyiSeverityChart = true;

  function render() {
    var dom = document.getElementById("severity-chart");
    var node = document.getElementById("severity-chart-data");
    if (!dom || !node || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(node.textContent);
    var chart = echarts.getInstanceByDom(dom) || echarts.init(dom, null, { renderer: "canvas" });
    chart.setOption({
      grid: { left: 90, right: 16, top: 16, bottom: 32 },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          return items[0].axisValue + ": " + data.labels[items[0].value - 1];
        },
      },
      xAxis: { type: "category", data: data.dates },
      yAxis: {
        type: "value",
        min: 1,
        max: data.labels.length,
        interval: 1,
        axisLabel: {
          formatter: function (value) {
            return data.labels[value - 1] || "";
          },
        },
      },
      series: [{ name: data.title, type: "line", step: "end", data: data.levels, itemStyle: { color: "#b91c1c" } }],
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
})();
