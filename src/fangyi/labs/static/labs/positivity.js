/* The testing dashboard's positivity chart, drawn with the vendored ECharts.
 *
 * The page writes the days, the samples reported and positive, the positive rate (%) and the
 * translated series names in <script id="positivity-data" type="application/json">; the table
 * under the chart carries the same figures for readers without it.
 */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("positivity-chart");
    var source = document.getElementById("positivity-data");
    if (!node || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.getInstanceByDom(node) || echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.reported, data.labels.positive, data.labels.rate] },
      grid: { left: 48, right: 48, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.dates },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, axisLabel: { formatter: "{value}%" } },
      ],
      series: [
        { name: data.labels.reported, type: "bar", data: data.reported, itemStyle: { color: "#9aa5b1" } },
        { name: data.labels.positive, type: "bar", data: data.positive, itemStyle: { color: "#b91c1c" } },
        {
          name: data.labels.rate,
          type: "line",
          yAxisIndex: 1,
          data: data.rate,
          connectNulls: false,
          itemStyle: { color: "#1d4ed8" },
        },
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
