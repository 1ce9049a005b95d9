"use strict";
// The lineage as a tree: roots at the top, each candidate under its first parent (other parents as dashed
// edges), coloured by score (red = lowest, green = highest), the path from a root to the best in gold.
window.WhetLineage = (function () {
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  function scoreOf(c) { return c.devScore != null ? c.devScore : c.testScore; }

  function colour(score, lo, hi) {
    if (score == null) return "#c8ccd4";
    var t = hi > lo ? (score - lo) / (hi - lo) : 1;
    return "hsl(" + Math.round(t * 120) + ",65%,50%)";
  }

  // Leaves take consecutive columns; a parent sits over the middle of its children.
  function layout(candidates) {
    var byId = {}, children = {}, roots = [], pos = {}, column = 0, maxDepth = 0;
    candidates.forEach(function (c) { byId[c.id] = c; });
    candidates.forEach(function (c) {
      var ps = c.parents.filter(function (p) { return byId[p]; });
      if (ps.length) {
        var first = Math.min.apply(null, ps);
        (children[first] = children[first] || []).push(c.id);
      } else {
        roots.push(c.id);
      }
    });
    function place(id, depth) {
      if (pos[id]) return;
      pos[id] = { depth: depth };
      maxDepth = Math.max(maxDepth, depth);
      var kids = (children[id] || []).slice().sort(function (a, b) { return a - b; });
      kids.forEach(function (k) { place(k, depth + 1); });
      var placed = kids.filter(function (k) { return pos[k].x != null; });
      pos[id].x = placed.length ? (pos[placed[0]].x + pos[placed[placed.length - 1]].x) / 2 : column++;
    }
    roots.forEach(function (r) { place(r, 0); });
    return { byId: byId, pos: pos, columns: Math.max(column, 1), maxDepth: maxDepth };
  }

  function render(container, lineage, onSelect) {
    container.textContent = "";
    var candidates = lineage.candidates || [];
    container.dataset.nodes = String(candidates.length);
    if (!candidates.length) {
      container.appendChild(document.createTextNode("No candidates yet."));
      container.dataset.rendered = "true";
      return;
    }
    var L = layout(candidates);
    var onPath = {}, pathEdge = {};
    (lineage.bestPath || []).forEach(function (id, i, path) {
      onPath[id] = true;
      if (i > 0) pathEdge[path[i - 1] + "-" + id] = true;
    });
    var best = lineage.run && lineage.run.best ? lineage.run.best.candidate : null;
    var scores = candidates.map(scoreOf).filter(function (s) { return s != null; });
    var lo = scores.length ? Math.min.apply(null, scores) : 0, hi = scores.length ? Math.max.apply(null, scores) : 1;
    var dx = 96, dy = 86, pad = 44;
    var width = L.columns * dx + pad, height = (L.maxDepth + 1) * dy + pad;
    function at(id) { return { x: pad / 2 + dx / 2 + L.pos[id].x * dx, y: pad / 2 + 20 + L.pos[id].depth * dy }; }
    var svg = el("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img",
                          "aria-label": "lineage of run " + (lineage.run ? lineage.run.id : "") });
    var edges = el("g", { "class": "edges" }), nodes = el("g", { "class": "nodes" });
    candidates.forEach(function (c) {
      var ps = c.parents.filter(function (p) { return L.byId[p]; });
      var first = ps.length ? Math.min.apply(null, ps) : null;
      ps.forEach(function (p) {
        var a = at(p), b = at(c.id), mid = (a.y + b.y) / 2;
        var cls = "edge" + (p !== first ? " extra" : "") + (pathEdge[p + "-" + c.id] ? " best-path" : "");
        edges.appendChild(el("path", { "class": cls, d: "M" + a.x + "," + a.y + " C" + a.x + "," + mid + " " + b.x + "," + mid + " " + b.x + "," + b.y,
                                       "data-from": p, "data-to": c.id }));
      });
    });
    candidates.forEach(function (c) {
      var p = at(c.id), s = scoreOf(c);
      var g = el("g", { "class": "node" + (onPath[c.id] ? " best-path" : "") + (c.id === best ? " best" : ""),
                        "data-id": c.id, transform: "translate(" + p.x + "," + p.y + ")", tabindex: "0" });
      g.appendChild(el("title", {}, "c" + c.id + " · " + c.operator + ", round " + c.round +
                       (s != null ? " · score " + s.toFixed(3) : "") + "\n" + c.instruction.slice(0, 400)));
      g.appendChild(el("circle", { r: 15, fill: colour(s, lo, hi) }));
      g.appendChild(el("text", { "text-anchor": "middle", dy: 4 }, "c" + c.id));
      g.appendChild(el("text", { "text-anchor": "middle", y: 31 }, s != null ? s.toFixed(3) : "–"));
      g.appendChild(el("text", { "text-anchor": "middle", y: 44, "class": "muted" }, c.operator));
      g.addEventListener("click", function () { if (onSelect) onSelect(c.id); });
      g.addEventListener("keydown", function (e) { if (e.key === "Enter" && onSelect) onSelect(c.id); });
      nodes.appendChild(g);
    });
    svg.appendChild(edges);
    svg.appendChild(nodes);
    container.appendChild(svg);
    container.dataset.rendered = "true";
  }

  return { render: render, colour: colour };
})();
