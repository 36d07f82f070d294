/* The epidemic dashboard: curves, R_t, projection and the choropleth, drawn with the vendored ECharts.
 *
 * Each chart reads its numbers from a <script type="application/json"> written by the page
 * (json_script); the tables under the charts carry the same numbers for readers without the chart.
 * The page may arrive whole or as an htmx partial: charts are (re)drawn after every swap.
 */
(function () {
  "use strict";

  if (window.fangyiEpidemic) {
    return;
  }
  window.fangyiEpidemic = true;

  var COLORS = {
    local: "#b91c1c",
    imported: "#f59e0b",
    projection: "#6d28d9",
    rt: "#1d4ed8",
    confirmed: "#b91c1c",
    cured: "#0f766e",
    deaths: "#1f2933",
    hospital: "#d97706",
    grid: "#e4e7eb",
    muted: "#52606d",
  };
  var RISK_COLORS = { low: "#16a34a", medium: "#f59e0b", high: "#dc2626" };
  var RISK_RANK = { low: 1, medium: 2, high: 3 };
  var charts = {};
  // A chart follows its box: the layout may settle after the chart was drawn (a swapped page's
  // stylesheet, a narrower window, a scrollbar appearing).
  var resizer =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver(function (entries) {
          entries.forEach(function (entry) {
            var chart = charts[entry.target.id];
            if (chart && chart.getDom() === entry.target) {
              chart.resize();
            }
          });
        });
  var geoCache = {};
  var registered = {};

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function shortDate(value) {
    return typeof value === "string" ? value.slice(5) : value;
  }

  function formatNumber(value) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString();
  }

  function init(id) {
    var dom = document.getElementById(id);
    if (!dom) {
      return null;
    }
    if (charts[id]) {
      charts[id].dispose();
    }
    dom.removeAttribute("_echarts_instance_");
    dom.innerHTML = "";
    charts[id] = echarts.init(dom, null, { renderer: "canvas" });
    if (resizer) {
      resizer.observe(dom);
    }
    return charts[id];
  }

  function difference(high, low) {
    return high.map(function (value, i) {
      return value === null || low[i] === null ? null : Math.max(value - low[i], 0);
    });
  }

  function selectedLine(data, label) {
    if (data.dates.indexOf(data.selected) < 0) {
      return undefined;
    }
    return {
      silent: true,
      symbol: "none",
      lineStyle: { color: "#7f1d1d", type: "dashed", width: 1 },
      label: label ? { formatter: label, position: "end", color: "#7f1d1d", fontSize: 11 } : { show: false },
      data: [{ xAxis: data.selected }],
    };
  }

  // The province's response level: a line where it changed, labelled with the new level.
  function responseLines(data) {
    var marks = (data.responses || []).filter(function (mark) {
      return data.dates.indexOf(mark.date) >= 0;
    });
    if (!marks.length) {
      return undefined;
    }
    return {
      silent: true,
      symbol: "none",
      lineStyle: { color: "#334e68", type: "solid", width: 1, opacity: 0.8 },
      label: { position: "insideEndTop", color: "#334e68", fontSize: 11 },
      data: marks.map(function (mark) {
        return { xAxis: mark.date, name: mark.label, label: { formatter: mark.label } };
      }),
    };
  }

  function bandSeries(name, stack, low, high, color, xAxisIndex, yAxisIndex) {
    var base = {
      type: "line",
      stack: stack,
      symbol: "none",
      connectNulls: false,
      lineStyle: { opacity: 0 },
      xAxisIndex: xAxisIndex,
      yAxisIndex: yAxisIndex,
      tooltip: { show: false },
      z: 1,
    };
    return [
      Object.assign({}, base, { name: name + " (low)", data: low }),
      Object.assign({}, base, {
        name: name,
        data: difference(high, low),
        itemStyle: { color: color, opacity: 0.35 },
        areaStyle: { color: color, opacity: 0.18 },
      }),
    ];
  }

  function curveTooltip(data) {
    return function (params) {
      if (!params.length) {
        return "";
      }
      var i = params[0].dataIndex;
      var L = data.labels;
      var lines = ["<strong>" + data.dates[i] + "</strong>"];
      if (data.local[i] !== null) {
        lines.push(L.local + ": " + formatNumber(data.local[i]));
        lines.push(L.imported + ": " + formatNumber(data.imported[i]));
      }
      var p = data.projection;
      if (p && p.median[i] !== null) {
        lines.push(L.projection + ": " + formatNumber(p.median[i]) + " (" + p.low[i] + "–" + p.high[i] + ")");
      }
      if (data.rt.mean[i] !== null) {
        lines.push("R<sub>t</sub>: " + data.rt.mean[i].toFixed(2) + " (" + data.rt.low[i].toFixed(2) + "–" + data.rt.high[i].toFixed(2) + ")");
      }
      return lines.join("<br>");
    };
  }

  function renderCurve() {
    var data = readJSON("epi-curve-data");
    var chart = data && init("epi-curve");
    if (!chart) {
      return;
    }
    var L = data.labels;
    var axis = {
      type: "category",
      data: data.dates,
      boundaryGap: true,
      axisLabel: { formatter: shortDate, color: COLORS.muted },
      axisTick: { alignWithLabel: true },
      axisLine: { lineStyle: { color: "#9aa5b1" } },
    };
    var series = [
      {
        name: L.local,
        type: "bar",
        stack: "new",
        data: data.local,
        itemStyle: { color: COLORS.local },
        barMaxWidth: 18,
        markLine: selectedLine(data, L.selected),
      },
      {
        name: L.imported,
        type: "bar",
        stack: "new",
        data: data.imported,
        itemStyle: { color: COLORS.imported },
        barMaxWidth: 18,
        markLine: responseLines(data),
      },
    ];
    var legend = [L.local, L.imported];
    if (data.projection) {
      series = series.concat(bandSeries(L.projectionBand, "projection", data.projection.low, data.projection.high, COLORS.projection, 0, 0));
      series.push({
        name: L.projection,
        type: "line",
        data: data.projection.median,
        symbol: "circle",
        symbolSize: 5,
        lineStyle: { type: "dashed", color: COLORS.projection, width: 2 },
        itemStyle: { color: COLORS.projection },
        z: 3,
      });
      legend.push(L.projection, L.projectionBand);
    }
    series = series.concat(bandSeries(L.rtBand, "rt", data.rt.low, data.rt.high, COLORS.rt, 1, 1));
    series.push({
      name: L.rt,
      type: "line",
      data: data.rt.mean,
      xAxisIndex: 1,
      yAxisIndex: 1,
      symbol: "none",
      lineStyle: { color: COLORS.rt, width: 2 },
      itemStyle: { color: COLORS.rt },
      markLine: {
        silent: true,
        symbol: "none",
        lineStyle: { color: "#111827", type: "dotted" },
        label: { formatter: L.threshold, position: "insideStartTop", color: COLORS.muted, fontSize: 11 },
        data: [{ yAxis: 1 }],
      },
    });
    legend.push(L.rt, L.rtBand);
    var rtSelected = selectedLine(data, "");
    if (rtSelected) {
      series[series.length - 2].markLine = rtSelected;
    }
    chart.setOption({
      animationDuration: 300,
      color: [COLORS.local, COLORS.imported, COLORS.projection, COLORS.projection, COLORS.rt, COLORS.rt],
      legend: {
        data: legend.map(function (name) {
          return { name: name, icon: "roundRect" };
        }),
        type: "scroll",
        top: 0,
        left: "center",
        itemWidth: 14,
        itemHeight: 9,
        textStyle: { color: COLORS.muted },
      },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: curveTooltip(data) },
      axisPointer: { link: [{ xAxisIndex: "all" }] },
      grid: [
        { left: 48, right: 20, top: 46, height: "50%" },
        { left: 48, right: 20, top: "70%", bottom: 56 },
      ],
      xAxis: [Object.assign({ gridIndex: 0 }, axis, { axisLabel: { show: false } }), Object.assign({ gridIndex: 1 }, axis)],
      yAxis: [
        {
          gridIndex: 0,
          type: "value",
          name: L.newCases,
          nameTextStyle: { color: COLORS.muted, align: "left" },
          minInterval: 1,
          splitLine: { lineStyle: { color: COLORS.grid } },
          axisLabel: { color: COLORS.muted },
        },
        {
          gridIndex: 1,
          type: "value",
          name: "Rt",
          nameTextStyle: { color: COLORS.muted, align: "left" },
          min: 0,
          max: function (value) {
            return Math.min(Math.max(2, Math.ceil(value.max)), 6);
          },
          splitNumber: 3,
          splitLine: { lineStyle: { color: COLORS.grid } },
          axisLabel: { color: COLORS.muted },
        },
      ],
      dataZoom: [
        { type: "inside", xAxisIndex: [0, 1] },
        { type: "slider", xAxisIndex: [0, 1], height: 18, bottom: 8, labelFormatter: function (i) { return data.dates[i] || ""; } },
      ],
      series: series,
    });
    markReady("epi-curve");
  }

  function renderOnset() {
    var data = readJSON("epi-onset-data");
    if (!data || !data.dates.length) {
      return;
    }
    var chart = init("epi-onset");
    if (!chart) {
      return;
    }
    chart.setOption({
      animationDuration: 300,
      legend: { top: 0, textStyle: { color: COLORS.muted }, itemWidth: 14, itemHeight: 9 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 44, right: 16, top: 36, bottom: 36 },
      xAxis: { type: "category", data: data.dates, axisLabel: { formatter: shortDate, color: COLORS.muted } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: COLORS.grid } }, axisLabel: { color: COLORS.muted } },
      dataZoom: [{ type: "inside" }],
      series: [
        { name: data.labels.local, type: "bar", stack: "onset", data: data.local, itemStyle: { color: COLORS.local }, barMaxWidth: 16 },
        { name: data.labels.imported, type: "bar", stack: "onset", data: data.imported, itemStyle: { color: COLORS.imported }, barMaxWidth: 16 },
      ],
    });
    markReady("epi-onset");
  }

  function renderCumulative() {
    var data = readJSON("epi-cumulative-data");
    var chart = data && init("epi-cumulative");
    if (!chart) {
      return;
    }
    var series = data.series.map(function (item, index) {
      return {
        name: item.name,
        type: "line",
        data: item.data,
        symbol: "none",
        lineStyle: { width: 2, color: COLORS[item.key] },
        itemStyle: { color: COLORS[item.key] },
        areaStyle: item.key === "hospital" ? { color: COLORS.hospital, opacity: 0.12 } : undefined,
        markLine: index === 0 ? selectedLine(data, "") : undefined,
      };
    });
    chart.setOption({
      animationDuration: 300,
      legend: { top: 0, textStyle: { color: COLORS.muted }, itemWidth: 14, itemHeight: 9 },
      tooltip: { trigger: "axis" },
      grid: { left: 52, right: 16, top: 44, bottom: 36 },
      xAxis: { type: "category", data: data.dates, boundaryGap: false, axisLabel: { formatter: shortDate, color: COLORS.muted } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: COLORS.grid } }, axisLabel: { color: COLORS.muted } },
      dataZoom: [{ type: "inside" }],
      series: series,
    });
    markReady("epi-cumulative");
  }

  // The map ---------------------------------------------------------------------------------------

  function loadGeo(url) {
    if (!geoCache[url]) {
      geoCache[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) {
          throw new Error("map data: HTTP " + response.status);
        }
        return response.json();
      });
    }
    return geoCache[url];
  }

  function mapName(data, layer) {
    return "epi-" + layer + (layer === "counties" && data.prefecture ? "-" + data.prefecture : "");
  }

  function mapItems(data, layer, measure, features) {
    var values = data.layers[layer] || {};
    return features.map(function (feature) {
      var code = feature.properties.code;
      var figures = values[code];
      var item = { name: feature.properties.name, code: code, figures: figures || null };
      if (figures && figures.cumulative !== null) {
        item.value = measure === "risk" ? RISK_RANK[figures.risk] || null : figures[measure];
      }
      if (data.highlight && code === data.highlight) {
        item.itemStyle = { borderColor: "#111827", borderWidth: 2.5 };
        item.label = { fontWeight: "bold" };
      }
      return item;
    });
  }

  function visualMap(data, measure, items) {
    if (measure === "risk") {
      return {
        type: "piecewise",
        left: 8,
        bottom: 8,
        pieces: ["low", "medium", "high"].map(function (level) {
          return { value: RISK_RANK[level], label: data.labels.risk[level], color: RISK_COLORS[level] };
        }),
        textStyle: { color: COLORS.muted },
      };
    }
    var max = 0;
    items.forEach(function (item) {
      if (item.value > max) {
        max = item.value;
      }
    });
    return {
      type: "continuous",
      min: 0,
      max: Math.max(max, 1),
      left: 8,
      bottom: 8,
      itemHeight: 90,
      calculable: false,
      text: [formatNumber(Math.max(max, 1)), "0"],
      inRange: { color: ["#fee2e2", "#f87171", "#991b1b"] },
      textStyle: { color: COLORS.muted },
    };
  }

  function mapTooltip(data) {
    var labels = data.labels;
    return function (params) {
      var item = params.data || {};
      var f = item.figures;
      var lines = ["<strong>" + params.name + "</strong>"];
      if (!f) {
        lines.push(labels.noData);
      } else if (f.cumulative === null) {
        lines.push(labels.outside);
      } else {
        lines.push(labels.measures.cumulative + ": " + formatNumber(f.cumulative));
        lines.push(labels.measures.active + ": " + formatNumber(f.active));
        lines.push(labels.new + ": " + formatNumber(f.new));
        lines.push(labels.measures.risk + ": " + (f.risk ? labels.risk[f.risk] : "—"));
      }
      return lines.join("<br>");
    };
  }

  function drillDown(item) {
    var f = item && item.figures;
    if (!f || f.cumulative === null || !f.url) {
      return;
    }
    var code = item.code.replace(/0000$/, "").replace(/00$/, "");
    var link = document.querySelector('#epi-children-table a[data-region="' + code + '"]');
    if (link) {
      link.click();
    } else if (window.htmx) {
      window.htmx.ajax("GET", f.url, { target: "#content", swap: "innerHTML" }).then(function () {
        window.history.pushState({}, "", f.url);
      });
    } else {
      window.location.assign(f.url);
    }
  }

  function renderMap() {
    var container = document.getElementById("epi-map");
    var data = readJSON("epi-map-data");
    if (!container || !data) {
      return;
    }
    var measureSelect = document.getElementById("epi-map-measure");
    var layerSelect = document.getElementById("epi-map-layer");
    var layer = layerSelect ? layerSelect.value : data.layer;
    var measure = measureSelect ? measureSelect.value : "cumulative";
    container.removeAttribute("data-map-ready");
    container.setAttribute("aria-busy", "true");
    var url = data.geojson[layer];
    loadGeo(url)
      .then(function (geo) {
        if (!container.isConnected) {
          return;
        }
        var features = geo.features;
        if (layer === "counties" && data.prefecture) {
          features = features.filter(function (feature) {
            return feature.properties.prefecture_code === data.prefecture;
          });
        }
        var name = mapName(data, layer);
        if (!registered[name]) {
          echarts.registerMap(name, { type: "FeatureCollection", features: features });
          registered[name] = true;
        }
        var chart = charts["epi-map"] && charts["epi-map"].getDom() === container ? charts["epi-map"] : init("epi-map");
        var items = mapItems(data, layer, measure, features);
        chart.setOption(
          {
            title: {
              text: data.labels.measures[measure],
              left: 8,
              top: 4,
              textStyle: { fontSize: 12, fontWeight: "normal", color: COLORS.muted },
            },
            tooltip: { trigger: "item", formatter: mapTooltip(data) },
            visualMap: visualMap(data, measure, items),
            series: [
              {
                type: "map",
                map: name,
                roam: false,
                aspectScale: 0.85,
                top: 32,
                bottom: 12,
                left: 70,
                right: 12,
                selectedMode: false,
                labelLayout: { hideOverlap: true },
                // All of Hunan's counties are too small to name; the tooltip names them.
                label: { show: !(layer === "counties" && !data.prefecture), fontSize: 11, color: "#1f2933" },
                itemStyle: { areaColor: "#eef2f6", borderColor: "#ffffff", borderWidth: 1 },
                emphasis: { label: { color: "#111827", fontWeight: "bold" }, itemStyle: { areaColor: "#93c5fd" } },
                data: items,
              },
            ],
          },
          true
        );
        chart.off("click");
        chart.on("click", function (params) {
          drillDown(params.data);
        });
        container.setAttribute("data-map-ready", "true");
        container.setAttribute("data-map-layer", layer);
        container.setAttribute("data-map-measure", measure);
      })
      .catch(function (error) {
        container.textContent = String(error);
      })
      .finally(function () {
        container.removeAttribute("aria-busy");
      });
  }

  function markReady(id) {
    var dom = document.getElementById(id);
    if (dom) {
      dom.setAttribute("data-chart-ready", "true");
    }
  }

  function renderAll() {
    if (typeof echarts === "undefined" || !document.getElementById("epi-curve-data")) {
      return;
    }
    Object.keys(charts).forEach(function (id) {
      var dom = document.getElementById(id);
      if (!dom || charts[id].getDom() !== dom) {
        if (resizer) {
          resizer.unobserve(charts[id].getDom());
        }
        charts[id].dispose();
        delete charts[id];
      }
    });
    renderCurve();
    renderOnset();
    renderCumulative();
    renderMap();
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-map-measure], [data-map-layer]")) {
      renderMap();
    }
  });
  document.addEventListener("DOMContentLoaded", renderAll);
  document.addEventListener("htmx:afterSettle", renderAll);
  document.addEventListener("htmx:historyRestore", renderAll);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) {
      charts[id].resize();
    });
  });
})();
