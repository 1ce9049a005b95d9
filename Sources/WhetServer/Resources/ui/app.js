"use strict";
// Whetstone's web UI: runs, a run (live from its event stream), its lineage and its candidates.
// Plain DOM, no framework, no build step; every text from the server goes in as text, never as HTML.
(function () {
  const view = document.getElementById("view");
  const connection = document.getElementById("connection");
  let sources = [];
  let page = 0;   // bumped on navigation, so late answers for a page left behind are dropped

  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c == null || c === false) continue;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  // Replaces the page's content; nested lists are flattened, null and false skipped.
  function show(...parts) {
    view.replaceChildren(...parts.flat(Infinity).filter((p) => p != null && p !== false));
  }

  function token() {
    const entry = document.cookie.split("; ").find((c) => c.startsWith("whet_token="));
    return entry ? decodeURIComponent(entry.slice("whet_token=".length)) : "";
  }

  async function api(path, options = {}) {
    const headers = { Authorization: "Bearer " + token() };
    if (options.body) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method: options.method || "GET", headers, body: options.body });
    if (response.status === 401) { location.reload(); throw new Error("the token was not accepted"); }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error(data && data.error ? data.error.message : response.status + " " + response.statusText);
    return data;
  }

  // An event stream (the browser sends the token cookie). Closed on `end` and when the page changes.
  function listen(path, handlers) {
    const source = new EventSource(path);
    sources.push(source);
    source.onopen = () => connection.classList.add("live");
    source.onerror = () => connection.classList.remove("live");
    for (const [name, handle] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => handle(JSON.parse(event.data)));
    }
    return source;
  }

  function closeSources() {
    sources.forEach((s) => s.close());
    sources = [];
    connection.classList.remove("live");
  }

  const fmt = {
    score: (s) => (s == null ? "–" : s.toFixed(3)),
    time: (t) => (t ? new Date(t).toLocaleString() : "–"),
    int: (n) => (n == null ? "–" : Number(n).toLocaleString()),
    cost: (c) => (c == null ? "–" : "$" + c.toFixed(4)),
  };
  const enc = encodeURIComponent;
  const isActive = (status) => status === "queued" || status === "running";

  function badge(status) { return h("span", { class: "badge " + status, "data-status": status }, status); }

  function progressBar(progress) {
    if (!progress || !progress.total) return h("span", { class: "muted" }, "–");
    const fill = h("div");
    fill.style.width = Math.round(100 * progress.done / progress.total) + "%";   // a property: the page's CSP allows no style attribute
    return h("div", {}, h("div", { class: "progress" }, fill),
             h("span", { class: "muted" }, progress.name + ": " + progress.done + "/" + progress.total));
  }

  function stat(label, value, id) {
    return h("div", { class: "stat" }, h("div", { class: "label" }, label), h("div", { class: "value", id }, value));
  }

  function replace(id, node) {
    const old = document.getElementById(id);
    if (old) { node.id = id; old.replaceWith(node); }
  }

  function failure(error) {
    show(h("p", { class: "error" }, String(error.message || error)), h("p", {}, h("a", { href: "#/" }, "All runs")));
  }

  // ---- the list of runs -------------------------------------------------------------------------
  async function runsPage(current) {
    const data = await api("/v1/runs");
    if (current !== page) return;
    const body = h("tbody");
    const rows = new Map();
    function row(run) {
      return h("tr", { class: "clickable", "data-run": run.id, onclick: () => { location.hash = "#/runs/" + enc(run.id); } },
        h("td", {}, h("a", { href: "#/runs/" + enc(run.id) }, run.id)), h("td", {}, run.kind), h("td", {}, run.task),
        h("td", {}, badge(run.status)), h("td", {}, run.status === "running" ? progressBar(run.progress)
          : run.status === "queued" && run.queuePosition ? "#" + run.queuePosition + " in queue" : ""),
        h("td", { class: "num" }, fmt.score(run.scores.dev != null ? run.scores.dev : run.scores.test)),
        h("td", { class: "num" }, run.spend ? fmt.int(run.spend.calls) + " calls" : "–"),
        h("td", {}, fmt.time(run.createdAt)));
    }
    for (const run of data.runs) { const tr = row(run); rows.set(run.id, tr); body.appendChild(tr); }
    const empty = h("p", { class: "muted", id: "no-runs" },
      "No runs yet. Start one with POST /v1/runs (the API is described at /openapi.json), or with whet eval on this database.");
    show(
      h("h1", {}, "Runs"),
      data.runs.length ? null : empty,
      h("table", { id: "runs" }, h("thead", {}, h("tr", {}, ["Run", "Kind", "Task", "Status", "Progress", "Score", "Spend", "Started"].map((t) => h("th", {}, t)))), body));
    listen("/v1/events", {
      run: (run) => {
        const tr = row(run);
        if (rows.has(run.id)) rows.get(run.id).replaceWith(tr); else body.prepend(tr);
        rows.set(run.id, tr);
        const note = document.getElementById("no-runs");
        if (note) note.remove();
      },
    });
  }

  // ---- one run ----------------------------------------------------------------------------------
  async function runPage(id, current) {
    let [run, lineage] = await Promise.all([api("/v1/runs/" + enc(id)), api("/v1/runs/" + enc(id) + "/lineage")]);
    if (current !== page) return;
    id = run.id;
    const cancel = h("button", { class: "danger", id: "cancel", hidden: !isActive(run.status) ? true : null, onclick: async () => {
      cancel.disabled = true;
      try { run = await api("/v1/runs/" + enc(id) + "/cancel", { method: "POST" }); showRun(); } catch (e) { alert(e.message); }
      cancel.disabled = false;
    } }, "Cancel run");
    const notes = h("ul", { id: "notes", class: "muted" });
    const chart = h("div", { class: "chart", id: "chart" });
    const tree = h("div", { id: "lineage" });
    const candidates = h("tbody");
    show(
      h("p", {}, h("a", { href: "#/" }, "← All runs")),
      h("div", { class: "row" }, h("h1", {}, "Run " + id), h("span", { id: "status" }, badge(run.status)), cancel),
      h("p", { class: "muted" }, run.kind + " · task " + run.task + " · model " + run.model + " · seed " + run.seed +
        " · started " + fmt.time(run.createdAt)),
      h("div", { class: "grid", id: "stats" }),
      h("p", { id: "detail", class: "error", hidden: run.detail ? null : true }, run.detail || ""),
      h("h2", {}, "Score over time"), h("div", { class: "panel" }, chart),
      h("h2", {}, "Lineage"),
      h("div", { class: "panel" }, h("div", { class: "legend" }, "score", h("span", { class: "ramp" }), "· gold: the path to the best · dashed: a second parent"), tree),
      h("h2", {}, "Candidates"),
      h("table", {}, h("thead", {}, h("tr", {}, ["Candidate", "Operator", "Round", "Parents", "Dev", "Test", "Instruction"].map((t) => h("th", {}, t)))), candidates),
      h("h2", {}, "Notes"), notes);

    function showRun() {
      replace("status", h("span", {}, badge(run.status)));
      cancel.hidden = !isActive(run.status);
      const detail = document.getElementById("detail");
      detail.hidden = !run.detail;
      detail.textContent = run.detail || "";
      const s = run.spend || {};
      document.getElementById("stats").replaceChildren(
        stat("Progress", run.status === "running" ? progressBar(run.progress) : badge(run.status), "progress"),
        stat("Best", run.best ? "c" + run.best.candidate + " · " + fmt.score(run.best.dev != null ? run.best.dev : run.best.test) : "–", "best"),
        stat("Candidates", String(run.candidates), "candidates"),
        stat("Model calls", fmt.int(s.calls), "calls"),
        stat("From cache", fmt.int(s.cacheHits), "cache-hits"),
        stat("Tokens", fmt.int(s.tokens), "tokens"),
        stat("Cost", fmt.cost(s.costUSD), "cost"));
    }

    function showLineage() {
      WhetLineage.render(tree, lineage, (cid) => { location.hash = "#/runs/" + enc(id) + "/candidates/" + cid; });
      WhetCharts.score(chart, lineage.candidates, run.createdAt);
      const onPath = new Set(lineage.bestPath);
      candidates.replaceChildren(...lineage.candidates.slice().sort((a, b) => b.id - a.id).map((c) =>
        h("tr", { class: "clickable", onclick: () => { location.hash = "#/runs/" + enc(id) + "/candidates/" + c.id; } },
          h("td", {}, h("a", { href: "#/runs/" + enc(id) + "/candidates/" + c.id }, "c" + c.id), onPath.has(c.id) ? " ★" : ""),
          h("td", {}, c.operator), h("td", { class: "num" }, String(c.round)),
          h("td", {}, c.parents.map((p) => "c" + p).join(", ") || "–"),
          h("td", { class: "num" }, fmt.score(c.devScore)), h("td", { class: "num" }, fmt.score(c.testScore)),
          h("td", {}, c.instruction.length > 140 ? c.instruction.slice(0, 137) + "…" : c.instruction))));
    }

    let refreshing = null;
    function refresh() {
      if (refreshing) return;
      refreshing = setTimeout(async () => {
        refreshing = null;
        try {
          [run, lineage] = await Promise.all([api("/v1/runs/" + enc(id)), api("/v1/runs/" + enc(id) + "/lineage")]);
          if (current === page) { showRun(); showLineage(); }
        } catch (e) { /* the next event retries */ }
      }, 250);
    }

    showRun();
    showLineage();
    const source = listen("/v1/runs/" + enc(id) + "/events", {
      status: (e) => { run.status = e.status; run.queuePosition = e.queuePosition; showRun(); },
      stage: (e) => { run.progress = e; if (run.status === "running") replace("progress", progressBar(e)); },
      candidate: () => refresh(),
      best: () => refresh(),
      spend: (e) => { run.spend = e; showRun(); },
      note: (e) => notes.appendChild(h("li", {}, e.message)),
      end: (e) => { run.status = e.status; run.detail = e.detail; source.close(); connection.classList.remove("live"); showRun(); refresh(); },
    });
  }

  // ---- one candidate ----------------------------------------------------------------------------
  // A word diff (longest common subsequence over words and spaces) of the parent's prompt and this one.
  function diff(before, after) {
    const a = before.split(/(\s+)/), b = after.split(/(\s+)/);
    if (a.length * b.length > 4e6) return [h("del", {}, before), h("ins", {}, after)];
    const n = a.length, m = b.length, L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    const out = [];
    let i = 0, j = 0;
    const push = (tag, text) => {
      const last = out[out.length - 1];
      if (last && last.tag === tag) last.text += text; else out.push({ tag, text });
    };
    while (i < n && j < m) {
      if (a[i] === b[j]) { push("span", a[i]); i++; j++; } else if (L[i + 1][j] >= L[i][j + 1]) { push("del", a[i++]); } else { push("ins", b[j++]); }
    }
    while (i < n) push("del", a[i++]);
    while (j < m) push("ins", b[j++]);
    return out.map((p) => h(p.tag, {}, p.text));
  }

  function fields(input) {
    if (!input) return h("span", { class: "muted" }, "–");
    return h("div", {}, Object.entries(input).map(([k, v]) => h("div", {}, h("strong", {}, k + ": "), v)));
  }

  async function candidatePage(runId, cid, current) {
    const c = await api("/v1/runs/" + enc(runId) + "/candidates/" + enc(cid));
    if (current !== page) return;
    const runLink = "#/runs/" + enc(c.run);
    const rows = c.evaluations.slice(0, 1000).map((e) => h("tr", {},
      h("td", {}, e.exampleId), h("td", {}, e.split), h("td", {}, fields(e.input)), h("td", {}, e.reference == null ? "–" : e.reference),
      h("td", {}, h("pre", {}, e.output)),
      h("td", { class: "num " + (e.score == null ? "" : e.score >= 1 ? "score-good" : e.score <= 0 ? "score-bad" : "") }, fmt.score(e.score))));
    show(
      h("p", {}, h("a", { href: runLink }, "← Run " + c.run)),
      h("div", { class: "row" }, h("h1", {}, "Candidate c" + c.id), c.isBest ? h("span", { class: "badge finished" }, "best") : null),
      h("div", { class: "grid" },
        stat("Operator", c.operator), stat("Round", String(c.round)), stat("Dev", fmt.score(c.devScore)), stat("Test", fmt.score(c.testScore)),
        stat("Parents", c.parents.length ? h("span", {}, c.parents.map((p, i) => [i ? ", " : "", h("a", { href: runLink + "/candidates/" + p }, "c" + p)])) : "none")),
      h("h2", {}, c.parent ? "Instruction (changes from c" + c.parent.id + ")" : "Instruction"),
      h("div", { class: "prompt diff", id: "instruction" }, c.parent ? diff(c.parent.instruction, c.instruction) : c.instruction),
      h("h2", {}, "Exemplars (" + c.exemplars.length + ")"),
      c.exemplars.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Example"), h("th", {}, "Input"), h("th", {}, "Answer"))),
        h("tbody", {}, c.exemplars.map((x) => h("tr", {}, h("td", {}, x.id || "–"), h("td", {}, fields(x.input)), h("td", {}, x.answer || ""))))) : h("p", { class: "muted" }, "None: zero-shot."),
      c.verbalizers.length ? [h("h2", {}, "Verbalizers"), h("pre", {}, JSON.stringify(c.verbalizers, null, 1))] : null,
      h("h2", {}, "Scores"),
      h("p", {}, c.summary.map((s) => s.split + ": " + fmt.score(s.mean) + " over " + s.count + " examples").join(" · ") || "Not scored yet."),
      h("h2", {}, "Outputs" + (c.evaluations.length > 1000 ? " (first 1000 of " + c.evaluations.length + ")" : "")),
      h("table", { id: "outputs" }, h("thead", {}, h("tr", {}, ["Example", "Split", "Input", "Reference", "Output", "Score"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)));
  }

  // ---- navigation -------------------------------------------------------------------------------
  function route() {
    closeSources();
    const current = ++page;
    const path = location.hash.replace(/^#/, "") || "/";
    let m;
    let shown;
    if ((m = path.match(/^\/runs\/([^/]+)\/candidates\/(\d+)$/))) shown = candidatePage(decodeURIComponent(m[1]), m[2], current);
    else if ((m = path.match(/^\/runs\/([^/]+)$/))) shown = runPage(decodeURIComponent(m[1]), current);
    else shown = runsPage(current);
    shown.catch((e) => { if (current === page) failure(e); });
  }

  window.addEventListener("hashchange", route);
  route();
})();
