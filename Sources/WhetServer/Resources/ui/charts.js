"use strict";
// The score over time: each scored candidate as a dot at the time it was recorded, and the best so far
// as a step line.
window.WhetCharts = (function () {
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  function score(container, candidates, startedAt) {
    container.textContent = "";
    var points = candidates.map(function (c) {
      return { t: Date.parse(c.createdAt), s: c.devScore != null ? c.devScore : c.testScore, id: c.id };
    }).filter(function (p) { return p.s != null && !isNaN(p.t); }).sort(function (a, b) { return a.t - b.t || a.id - b.id; });
    if (!points.length) {
      container.appendChild(document.createTextNode("No scored candidate yet."));
      return;
    }
    var t0 = Math.min(Date.parse(startedAt) || points[0].t, points[0].t);
    var t1 = Math.max(points[points.length - 1].t, t0 + 1000);
    var scores = points.map(function (p) { return p.s; });
    var lo = Math.min.apply(null, scores), hi = Math.max.apply(null, scores);
    if (lo >= 0 && hi <= 1) { lo = 0; hi = 1; } else if (hi === lo) { lo -= 1; hi += 1; }
    var w = 560, h = 200, left = 44, right = 12, top = 10, bottom = 30;
    function x(t) { return left + (t - t0) / (t1 - t0) * (w - left - right); }
    function y(s) { return top + (1 - (s - lo) / (hi - lo)) * (h - top - bottom); }
    var svg = el("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": "score over time" });
    [0, 0.25, 0.5, 0.75, 1].forEach(function (f) {
      var s = lo + f * (hi - lo);
      svg.appendChild(el("line", { "class": "grid", x1: left, x2: w - right, y1: y(s), y2: y(s) }));
      svg.appendChild(el("text", { x: left - 6, y: y(s) + 4, "text-anchor": "end" }, s.toFixed(2)));
    });
    svg.appendChild(el("line", { "class": "axis", x1: left, x2: w - right, y1: h - bottom, y2: h - bottom }));
    svg.appendChild(el("text", { x: w - right, y: h - 8, "text-anchor": "end" }, ((t1 - t0) / 1000).toFixed(1) + " s"));
    svg.appendChild(el("text", { x: left, y: h - 8 }, "0 s"));
    var best = -Infinity, d = "";
    points.forEach(function (p, i) {
      best = Math.max(best, p.s);
      d += (i ? " H" + x(p.t) + " V" + y(best) : "M" + x(p.t) + "," + y(best));
    });
    d += " H" + x(t1);
    svg.appendChild(el("path", { "class": "best-line", d: d }));
    points.forEach(function (p) {
      var c = el("circle", { "class": "point", cx: x(p.t), cy: y(p.s), r: 3.5 });
      c.appendChild(el("title", {}, "c" + p.id + ": " + p.s.toFixed(3)));
      svg.appendChild(c);
    });
    container.appendChild(svg);
  }

  return { score: score };
})();
