/* The region dashboard map: Hunan's prefectures, or one prefecture's counties, drawn with ECharts.
 *
 * The page passes its figures in <script id="map-data" type="application/json">; the children
 * table beside the map carries the same figures for readers who cannot use the map.
 */
(function () {
  "use strict";

  if (window.fangyiDashboard) {
    return;
  }
  window.fangyiDashboard = true;

  var geoCache = {};
  var registered = {};
  var chart = null;

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

  function regionPath(officialCode) {
    return officialCode.replace(/0000$/, "").replace(/00$/, "");
  }

  function formatNumber(value) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString();
  }

  function drillDown(data, code) {
    var link = document.querySelector('#children-table a[data-region="' + regionPath(code) + '"]');
    if (link) {
      link.click();
    } else {
      window.location.assign(data.regionUrl.replace("000000", code));
    }
  }

  function buildOption(data, features) {
    var values = data.values;
    var metric = data.metric;
    var items = features.map(function (feature) {
      var code = feature.properties.code;
      var figures = values[code] || {};
      var item = {
        name: feature.properties.name,
        code: code,
        population: figures.population,
        residents: figures.residents,
        places: figures.places,
      };
      if (metric) {
        item.value = figures[metric] || 0;
      }
      if (data.highlight && code === data.highlight) {
        item.itemStyle = { areaColor: "#c2410c", borderColor: "#7c2d12", borderWidth: 2 };
        item.label = { color: "#fff", fontWeight: "bold" };
      }
      return item;
    });
    var max = 0;
    items.forEach(function (item) {
      if (item.value > max) {
        max = item.value;
      }
    });
    var option = {
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var item = params.data || {};
          var lines = ["<strong>" + params.name + "</strong>"];
          if (data.level !== "county") {
            lines.push(data.labels.population + ": " + formatNumber(item.population));
            lines.push(data.labels.residents + ": " + formatNumber(item.residents));
            lines.push(data.labels.places + ": " + formatNumber(item.places));
          }
          return lines.join("<br>");
        },
      },
      series: [
        {
          type: "map",
          map: mapName(data),
          roam: false,
          aspectScale: 0.85,
          top: metric ? 36 : 12,
          bottom: 12,
          left: metric ? 56 : 12,
          right: 12,
          labelLayout: { hideOverlap: true },
          selectedMode: false,
          label: { show: true, fontSize: 11, color: "#1f2933" },
          itemStyle: { areaColor: "#e6eef5", borderColor: "#ffffff", borderWidth: 1 },
          emphasis: {
            label: { color: "#111827", fontWeight: "bold" },
            itemStyle: { areaColor: "#fbbf24" },
          },
          data: items,
        },
      ],
    };
    if (metric) {
      option.visualMap = {
        type: "continuous",
        min: 0,
        max: Math.max(max, 1),
        left: 8,
        bottom: 8,
        text: [formatNumber(Math.max(max, 1)), "0"],
        itemHeight: 90,
        calculable: false,
        inRange: { color: ["#dbeafe", "#60a5fa", "#1d4ed8"] },
        textStyle: { color: "#52606d" },
        formatter: formatNumber,
      };
      option.title = {
        text: data.labels[metric],
        left: 8,
        top: 4,
        textStyle: { fontSize: 12, fontWeight: "normal", color: "#52606d" },
      };
    }
    return option;
  }

  function mapName(data) {
    return data.level === "province" ? "hunan" : "hunan-" + data.prefecture;
  }

  function render() {
    var container = document.getElementById("region-map");
    var source = document.getElementById("map-data");
    if (chart) {
      chart.dispose();
      chart = null;
    }
    if (!container || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    // A page restored from htmx's history cache carries the old chart's markup: start clean.
    container.removeAttribute("_echarts_instance_");
    container.removeAttribute("data-map-ready");
    container.innerHTML = "";
    container.setAttribute("aria-busy", "true");
    loadGeo(data.geojson)
      .then(function (geo) {
        if (!container.isConnected) {
          return;
        }
        var features = geo.features;
        if (data.level !== "province") {
          features = features.filter(function (feature) {
            return feature.properties.prefecture_code === data.prefecture;
          });
        }
        var name = mapName(data);
        if (!registered[name]) {
          echarts.registerMap(name, { type: "FeatureCollection", features: features });
          registered[name] = true;
        }
        chart = echarts.init(container, null, { renderer: "canvas" });
        chart.setOption(buildOption(data, features));
        chart.on("click", function (params) {
          if (params.data && params.data.code) {
            drillDown(data, params.data.code);
          }
        });
        container.setAttribute("data-map-ready", "true");
      })
      .catch(function (error) {
        container.textContent = String(error);
      })
      .finally(function () {
        container.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", function () {
    var container = document.getElementById("region-map");
    if (container && (!chart || chart.getDom() !== container)) {
      render();
    }
  });
  document.addEventListener("htmx:historyRestore", render);
  window.addEventListener("resize", function () {
    if (chart) {
      chart.resize();
    }
  });
})();
