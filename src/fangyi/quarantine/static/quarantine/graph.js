/* The transmission graph: cases and close contacts drawn as a force graph with the vendored ECharts.
 *
 * The page writes the nodes, the edges and the translated labels in
 * <script id="transmission-graph-data" type="application/json">; the table under the graph lists
 * the same exposures for readers without the chart. Cases are coloured by classification, contacts
 * by degree; the cases of a cluster carry a ring of the cluster's colour.
 */
(function () {
  "use strict";

  if (window.fangyiTransmissionGraph) {
    return;
  }
  window.fangyiTransmissionGraph = true;

  var CLASSIFICATION_COLORS = {
    confirmed: "#b91c1c",
    suspected: "#f59e0b",
    asymptomatic: "#7c3aed",
    excluded: "#9aa5b1",
  };
  var CONTACT_COLORS = { 1: "#1d4ed8", 2: "#60a5fa" };
  var CLUSTER_RINGS = ["#0f766e", "#a16207", "#be185d", "#4338ca", "#15803d", "#c2410c", "#0e7490", "#6d28d9"];
  var chart = null;

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function categories(labels) {
    var list = Object.keys(CLASSIFICATION_COLORS).map(function (key) {
      return { key: "case:" + key, name: labels.classification[key] || key, itemStyle: { color: CLASSIFICATION_COLORS[key] } };
    });
    list.push({ key: "contact:1", name: labels.primary, itemStyle: { color: CONTACT_COLORS[1] } });
    list.push({ key: "contact:2", name: labels.secondary, itemStyle: { color: CONTACT_COLORS[2] } });
    return list;
  }

  function categoryKey(node) {
    return node.kind === "case" ? "case:" + node.classification : "contact:" + (node.degree === 2 ? 2 : 1);
  }

  function tooltip(labels) {
    return function (params) {
      if (params.dataType === "edge") {
        return params.data.contactTypeLabel;
      }
      var node = params.data.node;
      var lines = ["<strong>" + params.data.name + "</strong>"];
      if (node.kind === "case") {
        lines.push(labels.case + ": " + (labels.classification[node.classification] || node.classification));
      } else {
        lines.push(node.degree === 2 ? labels.secondary : labels.primary);
      }
      if (node.cluster_name) {
        lines.push(labels.cluster + ": " + node.cluster_name);
      }
      return lines.join("<br>");
    };
  }

  function render() {
    var dom = document.getElementById("transmission-graph");
    var data = readJSON("transmission-graph-data");
    if (!dom || !data || typeof echarts === "undefined") {
      return;
    }
    if (chart) {
      chart.dispose();
    }
    chart = echarts.init(dom, null, { renderer: "canvas" });
    var cats = categories(data.labels);
    var index = {};
    cats.forEach(function (cat, i) {
      index[cat.key] = i;
    });
    var clusterRing = {};
    var nodes = data.nodes.map(function (node) {
      var item = {
        id: node.id,
        name: node.label,
        category: index[categoryKey(node)],
        symbolSize: node.kind === "case" ? 28 : node.degree === 2 ? 14 : 18,
        symbol: node.kind === "case" ? "circle" : "roundRect",
        node: node,
      };
      if (node.cluster_id !== null) {
        if (!(node.cluster_id in clusterRing)) {
          clusterRing[node.cluster_id] = CLUSTER_RINGS[Object.keys(clusterRing).length % CLUSTER_RINGS.length];
        }
        item.itemStyle = { borderColor: clusterRing[node.cluster_id], borderWidth: 4 };
      }
      return item;
    });
    var edges = data.edges.map(function (edge) {
      return { source: edge.source, target: edge.target, contactTypeLabel: edge.contact_type_label };
    });
    chart.setOption({
      animationDuration: 300,
      tooltip: { trigger: "item", formatter: tooltip(data.labels) },
      legend: [{ data: cats.map(function (cat) { return cat.name; }), top: 0, textStyle: { color: "#52606d" } }],
      series: [
        {
          type: "graph",
          layout: "force",
          roam: true,
          draggable: true,
          top: 48,
          data: nodes,
          links: edges,
          categories: cats.map(function (cat) {
            return { name: cat.name, itemStyle: cat.itemStyle };
          }),
          edgeSymbol: ["none", "arrow"],
          edgeSymbolSize: 7,
          label: { show: nodes.length <= 80, position: "right", fontSize: 12, color: "#1f2933" },
          lineStyle: { color: "#9aa5b1", width: 1.2, curveness: 0.1 },
          emphasis: { focus: "adjacency", lineStyle: { width: 2.5 } },
          force: { repulsion: 320, edgeLength: [60, 140], gravity: 0.06 },
        },
      ],
    });
    dom.setAttribute("data-chart-ready", "true");
    dom.setAttribute("data-node-count", String(nodes.length));
  }

  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
  window.addEventListener("resize", function () {
    if (chart) {
      chart.resize();
    }
  });
})();
