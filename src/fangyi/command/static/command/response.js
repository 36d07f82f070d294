/* The response-level timeline: one horizontal bar per declared period on a time axis, drawn with
 * the vendored ECharts from <script id="response-data" type="application/json">; the table under
 * the chart lists the same periods for readers without it.
 */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("response-chart");
    var source = document.getElementById("response-data");
    if (!node || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.getInstanceByDom(node) || echarts.init(node);
    chart.setOption({
      tooltip: {
        formatter: function (params) {
          return params.value[3] + "<br>" + params.value[0] + " – " + params.value[4];
        },
      },
      grid: { left: 16, right: 24, top: 16, bottom: 32, containLabel: true },
      xAxis: { type: "time" },
      yAxis: { type: "category", data: [data.axis], axisTick: { show: false } },
      series: [
        {
          type: "custom",
          encode: { x: [0, 1], y: 2 },
          renderItem: function (params, api) {
            var start = api.coord([api.value(0), api.value(2)]);
            var end = api.coord([api.value(1), api.value(2)]);
            var height = api.size([0, 1])[1] * 0.5;
            return {
              type: "rect",
              shape: { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height: height },
              style: api.style(),
            };
          },
          label: { show: true, position: "inside", formatter: function (params) { return params.value[3]; } },
          data: data.periods.map(function (period) {
            return {
              value: [period.start, period.end, 0, period.label, period.last],
              itemStyle: { color: period.colour },
            };
          }),
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
