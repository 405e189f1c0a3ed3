// The report's behaviour, from file:// with no network: filtering and sorting the variants table, and
// drawing each variant's section (checks, timelines, runs) from the embedded data when it comes into view.
(function () {
  const table = document.querySelector("table.variants");
  if (!table) return;
  const rows = Array.from(table.tBodies[0].rows);
  const status = document.getElementById("filter-status");
  const tag = document.getElementById("filter-tag");
  function apply() {
    let shown = 0;
    for (const row of rows) {
      const okStatus = !status.value || row.dataset.status === status.value;
      const okTag = !tag.value || row.dataset.tags.split(" ").includes(tag.value);
      row.hidden = !(okStatus && okTag);
      if (!row.hidden) shown++;
    }
    document.getElementById("shown-count").textContent = shown + " of " + rows.length + " shown";
  }
  status.addEventListener("change", apply);
  tag.addEventListener("change", apply);
  table.querySelectorAll("th[data-key]").forEach((th) => {
    th.setAttribute("aria-sort", "none");
    th.addEventListener("click", () => {
      const key = th.dataset.key;
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[data-key]").forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const value = (row) => row.dataset[key] || "";
      const sorted = rows.slice().sort((a, b) => {
        const x = value(a), y = value(b);
        const nx = parseFloat(x), ny = parseFloat(y);
        const cmp = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
        return ascending ? cmp : -cmp;
      });
      sorted.forEach((row) => table.tBodies[0].appendChild(row));
    });
  });
  apply();

  // ---- Sections, drawn on demand ----
  const data = JSON.parse(document.getElementById("parex-details").textContent);
  const LANE = 14, LEFT = 163;
  const SVG = "http://www.w3.org/2000/svg";
  function el(tag, attrs, ...children) {
    const node = attrs && attrs.svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (k !== "svg" && v !== undefined && v !== null) node.setAttribute(k, v);
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  const s = (tag, attrs, ...children) => el(tag, Object.assign({ svg: true }, attrs), ...children);
  const fixed = (x, n) => Number(x).toFixed(n);
  // An axis tick, with the digits its step needs: "0.20s" a step of 0.2 s, "2ms" or "0.4ms" on runs of a few ms.
  const tickLabel = (sec, step) => {
    const digits = (unit) => {  // two significant digits of the step, one where it is round
      const d = Math.max(0, Math.ceil(-Math.log10(step * unit) - 1e-9)), scaled = step * unit * 10 ** d;
      return Math.abs(scaled - Math.round(scaled)) > 1e-6 ? d + 1 : d;
    };
    return step >= 0.01 ? fixed(sec, Math.max(2, digits(1))) + "s" : fixed(sec * 1000, digits(1000)) + "ms";
  };
  const badge = (st) => el("span", { class: "badge " + st }, { pass: "✓ pass", fail: "✗ fail" }[st] || "! " + st);

  // The embedded tables send a row as a list of values in the order data.fields gives (report_model.FIELDS).
  // rowReader(name, fields) names the fields this script reads and returns a function that reads a row into an
  // object by those names, nested tables too; a field the model does not send stops the script here, not as a blank.
  function rowReader(name, fields, nested = {}) {
    const sent = data.fields[name] || [];
    const at = fields.map((field) => sent.indexOf(field));
    const unsent = fields.filter((field, i) => at[i] < 0);
    if (unsent.length) throw new Error(`report.js reads ${name}.${unsent.join(", ")}, which the report model does not send`);
    return (values) => {
      const record = {};
      fields.forEach((field, i) => {
        const value = values[at[i]];
        record[field] = nested[field] && value !== null && value !== undefined ? nested[field](value) : value;
      });
      return record;
    };
  }
  const each = (read) => (list) => list.map(read);
  const asProcess = rowReader("process", ["pid", "ppid", "command", "doing", "where", "stack", "error"]);
  const asEdge = rowReader("edge", ["from_pid", "to_pid", "why"]);
  const asRun = rowReader("run", ["label", "role", "counted", "wall_s", "outcome", "cpu", "processes", "leaked", "omitted", "lines", "hang"], {
    leaked: each(rowReader("leaked", ["pid", "cmdline"])),
    lines: each(rowReader("line", ["t_s", "stream", "lane", "text"])),
    hang: (h) => ({ ...h, processes: h.processes.map(asProcess), edges: h.edges.map(asEdge) }),
  });
  const asScalingPoint = rowReader("scaling_point", ["cpus", "speedup"]);
  const asAccess = rowReader("access", ["kind", "size", "thread", "where", "stack"], {
    stack: each(rowReader("frame", ["function", "where", "system"])),
  });
  const asRace = rowReader("race", ["variable", "location", "reports", "accesses"], { accesses: each(asAccess) });
  const asCheck = rowReader("check", ["name", "kind", "status", "message", "detail", "hint", "implicit", "plot", "races"], {
    plot: (plot) => ({ ...plot, points: plot.points.map(asScalingPoint) }),
    races: (r) => ({ ...r, races: r.races.map(asRace) }),
  });
  const asTrendPoint = rowReader("trend_point", ["status", "speedup"]);
  // A variant's details with every row read by name.
  const asVariant = (d) => ({ ...d, checks: d.checks.map(asCheck), timeline: { ...d.timeline, runs: d.timeline.runs.map(asRun) },
                             trend: d.trend && { ...d.trend, points: d.trend.points.map(asTrendPoint) } });

  // Where a run that timed out was stuck: the wait-for graph (cycle in red), then each process with its stack.
  function hangs(t) {
    const out = [];
    for (const run of t.runs) {
      const h = run.hang;
      if (!h) continue;
      out.push(el("h3", null, h.when === "leaked" ? `Where the processes ${run.label} left behind were` : `Where ${run.label} hung`));
      for (const line of h.explanation) out.push(el("p", { class: "hang-why" }, line));
      const pids = h.processes.map((process) => process.pid), W = 150, R = 18;
      const svg = s("svg", { class: "hang-graph", width: Math.max(1, pids.length) * W + 20, height: 110, role: "img", "aria-label": "wait-for graph of " + run.label });
      svg.append(s("defs", null, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M 0 0 L 10 5 L 0 10 z" }))));
      const cx = (pid) => pids.indexOf(pid) * W + W / 2 + 10;
      const inCycle = (a, b) => { const c = h.cycle, i = c.indexOf(a); return i >= 0 && c[(i + 1) % c.length] === b; };
      h.edges.forEach(({ from_pid: from, to_pid: to, why }, i) => {
        const x1 = cx(from), x2 = cx(to), bend = (x2 > x1 ? -1 : 1) * (28 + 6 * (i % 3));
        const dir = Math.sign(x2 - x1) || 1;
        svg.append(s("path", { class: "hang-edge" + (inCycle(from, to) ? " cycle" : ""), "marker-end": "url(#arrow)", d: `M ${x1 + dir * R} 55 Q ${(x1 + x2) / 2} ${55 + bend * 1.6} ${x2 - dir * R} 55` }, s("title", null, `pid ${from} waits in ${why}`)));
      });
      for (const { pid, command, doing } of h.processes) {
        svg.append(s("circle", { class: "hang-node", cx: cx(pid), cy: 55, r: R }, s("title", null, `${command}\n${doing}`)),
                   s("text", { x: cx(pid), y: 59, "text-anchor": "middle" }, String(pid)));
      }
      out.push(svg);
      for (const { pid, ppid, command, doing, where, stack, error } of h.processes) {
        const box = el("details", { open: "" }, el("summary", null, `pid ${pid}${ppid ? " (child of " + ppid + ")" : ""} ${doing}${where ? " at " + where : ""}`));
        box.append(el("div", { class: "muted" }, command));
        if (stack) box.append(el("pre", null, stack));
        if (error) box.append(el("p", { class: "muted" }, error));
        out.push(box);
      }
    }
    return out;
  }

  // What a races check's ThreadSanitizer run reported: each race's accesses side by side, each with its stack
  // (innermost first, the system's frames dimmed), then the other warnings. Every name in it is the program's, so
  // it goes in as text, never as markup.
  function races(checks) {
    const out = [];
    const plural = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;
    for (const { name, races: r } of checks) {
      if (!r) continue;
      const facts = [r.warnings ? plural(r.warnings, "warning") : "no warnings"];
      if (r.races.length) facts.push(plural(r.races.length, "distinct data race"));
      if (r.exit_code !== null && r.exit_code !== undefined) facts.push("exit code " + r.exit_code);
      out.push(el("h3", null, "What ThreadSanitizer reported"),
               el("p", { class: "muted" }, `For “${name}”, one untimed run of the ThreadSanitizer build: ${facts.join(", ")}.`));
      r.races.forEach(({ variable, location, reports, accesses }, index) => {
        const box = el("div", { class: "race" }, el("p", { class: "race-on" }, `Data race ${index + 1} on `,
          variable ? el("code", { class: "variable" }, variable) : "memory that is not a global variable",
          reports > 1 ? el("span", { class: "muted" }, ` — reported ${reports} times`) : null));
        if (location) box.append(el("div", { class: "muted race-location" }, location));
        const sides = el("div", { class: "race-accesses" });
        for (const { kind, size, thread, where, stack } of accesses) {
          const by = /^T\d+$/.test(thread) ? "thread " + thread : thread;
          const head = el("div", { class: "race-access-head" }, el("strong", null, kind),
            size ? ` of ${plural(size, "byte")}` : "", ` by ${by}`, where ? " at " : null, where ? el("code", null, where) : null);
          const frames = el("ol", { class: "stack", start: 0 });
          for (const frame of stack) {
            frames.append(el("li", { class: frame.system ? "system" : null }, el("span", { class: "function" }, frame.function),
              frame.where ? el("span", { class: "where" }, " " + frame.where) : null));
          }
          sides.append(el("div", { class: "race-access", "data-kind": kind }, head, frames));
        }
        box.append(sides);
        out.push(box);
      });
      if (r.other.length) out.push(el("p", null, "Other warnings:"), el("ul", { class: "race-other" }, ...r.other.map((title) => el("li", null, title))));
    }
    return out;
  }

  function timeline(t) {
    const runs = t.runs.filter((run) => run.counted);
    if (!runs.length) return [];
    const x = (sec) => Math.round((t.width * sec) / t.longest * 10) / 10;
    const out = [el("h3", null, "Timeline: who printed what, when"),
      el("p", { class: "muted" }, "Each mark is one output line at its arrival time; hover for the time and text. Runs are stacked in the order they ran (baseline and graded alternate); the dashed line is where the run ended.")];
    runs.forEach((run, index) => {
      const height = t.lanes.length * LANE;
      const used = new Set(run.lines.map((line) => line.lane));
      if (!used.size) used.add(0);
      const svg = s("svg", { class: "timeline", "data-run": index, "data-variant": run.label, width: t.width + 270, height: height + 8, role: "img", "aria-label": "timeline of " + run.label });
      if (run.role === "baseline") svg.append(s("rect", { class: "baseline-run", x: 160, y: 0, width: t.width + 6, height: height + 4 }));
      svg.append(s("text", { x: 0, y: 11 }, `${run.label} (${run.role}, ${fixed(run.wall_s, 3)}s${run.outcome !== "ok" ? ", " + run.outcome : ""})`));
      t.lanes.forEach((label, lane) => {
        if (!used.has(lane)) return;
        svg.append(s("line", { class: "lane", x1: LEFT, x2: t.width + LEFT, y1: lane * LANE + 9, y2: lane * LANE + 9 }),
                   s("text", { x: t.width + 170, y: lane * LANE + 13 }, label));
      });
      svg.append(s("line", { class: "end", x1: x(run.wall_s) + LEFT, x2: x(run.wall_s) + LEFT, y1: 0, y2: height + 4 }));
      for (const { t_s: sec, stream, lane, text } of run.lines) {
        const y = lane * LANE + LANE / 2, name = stream ? "stderr" : "stdout";
        svg.append(s("line", { class: "mark " + name, "data-lane": t.lanes[lane], "data-t": sec, x1: x(sec) + LEFT, x2: x(sec) + LEFT, y1: y - 3, y2: y + 11 },
                     s("title", null, `${fixed(sec, 3)}s ${name}: ${text}`)));
      }
      out.push(svg, el("br"));
    });
    const axis = s("svg", { class: "timeline", width: t.width + 270, height: 18, "aria-hidden": "true" });
    for (let i = 0; i <= 5; i++) axis.append(s("text", { class: "tick", x: Math.round(t.width * i / 5 * 10) / 10 + LEFT, y: 12, "text-anchor": "middle" }, tickLabel(t.longest * i / 5, t.longest / 5)));
    out.push(axis, el("div", { class: "muted" }, "Lanes: " + t.lanes.join(", ") + " (top to bottom)"));
    return out;
  }

  function durations(t) {
    const byVariant = new Map();
    for (const run of t.runs) if (run.counted) {
      // "parallel #2 on 1 CPU" counts as "parallel on 1 CPU", a reused run apart ("serial (recorded by …)")
      const variant = run.label.replace(/ #\d+/, "");
      if (!byVariant.has(variant)) byVariant.set(variant, []);
      byVariant.get(variant).push(run.wall_s);
    }
    if (!byVariant.size) return [];
    const longest = Math.max(...[...byVariant.values()].flat(), 0) || 1;
    const out = [el("h3", null, "Repetition times")];
    for (const [variant, times] of byVariant) {
      const svg = s("svg", { width: 420, height: 18, role: "img", "aria-label": "wall times of " + variant }, s("text", { x: 0, y: 13, "font-size": 11 }, variant));
      for (const sec of times) svg.append(s("circle", { cx: Math.round(300 * sec / longest * 10) / 10 + 100, cy: 9, r: 4, fill: "#0969da", "fill-opacity": 0.6 }, s("title", null, fixed(sec, 3) + "s")));
      out.push(svg, el("br"));
    }
    return out;
  }

  function runs(t) {
    const out = [el("h3", null, "Runs")];
    for (const run of t.runs) {
      const facts = [run.role, fixed(run.wall_s, 3) + "s", run.outcome];
      if (run.cpu !== null && run.cpu !== undefined) facts.push("CPU " + Math.round(run.cpu * 100) + "%");
      if (run.processes) facts.push(run.processes + " process(es)");
      const note = run.counted ? "" : run.role === "races" ? " (not timed)" : " (warmup)";
      const box = el("details", null, el("summary", null, `${run.label}${note} — ${facts.join(", ")}`));
      if (run.leaked.length) box.append(el("p", null, "Leaked: ", ...run.leaked.map(({ pid, cmdline }) => el("code", null, `${pid} ${cmdline} `))));
      const text = (stream) => run.lines.filter((line) => line.stream === stream).map((line) => line.text).join("\n");
      box.append(el("div", { class: "muted" }, "stdout"), el("pre", null, text(0) || "(empty)"));
      const err = text(1);
      if (err) box.append(el("div", { class: "muted" }, "stderr"), el("pre", null, err));
      if (run.omitted) box.append(el("p", { class: "muted" }, `${run.omitted} more line(s) not shown`));
      out.push(box);
    }
    return out;
  }

  function trend(tr) {
    const p = el("p", null, `History (${tr.count} run(s)): `);
    if (tr.spark.length) p.append(s("svg", { width: 110, height: 22, role: "img", "aria-label": "speedup over past runs" },
      s("polyline", { fill: "none", stroke: "#0969da", "stroke-width": 1.5, points: tr.spark.map((q) => `${q.x + 4},${q.y}`).join(" ") })));
    for (const { status: st, speedup } of tr.points) p.append(el("span", { class: "chip " + st }, st + (speedup !== null ? " " + fixed(speedup, 2) + "x" : "")));
    if (tr.drop) p.append(el("span", { class: "drop" }, "⚠ " + tr.drop));
    return p;
  }

  function draw(section) {
    if (section.dataset.drawn) return;
    section.dataset.drawn = "1";
    const d = asVariant(data.variants[Number(section.dataset.index)]);
    const body = section.querySelector(".body");
    body.textContent = "";
    body.className = "body";
    const facts = [d.title, "expect " + d.expect];
    if (d.tags.length) facts.push("tags " + d.tags.join(", "));
    facts.push(`${d.repetitions} repetition(s), capture ${d.capture}`);
    body.append(el("div", { class: "muted" }, facts.filter(Boolean).join(" · ")));
    if (data.abouts[d.about]) {
      const about = el("div", { class: "about" });
      about.innerHTML = data.abouts[d.about];  // markdown() escaped it when rendering
      body.append(about);
    }
    if (d.error) body.append(el("pre", null, d.error));
    if (d.trend) body.append(trend(d.trend));
    body.append(el("h3", null, "Checks"));
    for (const { name, kind, status: st, message, detail, hint, implicit, plot } of d.checks) {
      body.append(el("div", { class: "check", "data-kind": kind, "data-status": st }, badge(st), " ", el("span", { class: "name" }, name),
        implicit ? el("span", { class: "muted" }, " (run check)") : null, " — " + message, detail ? el("pre", null, detail) : null,
        hint ? hintBox(hint) : null, plot ? scalingPlot(plot) : null));
    }
    body.append(...races(d.checks), ...hangs(d.timeline), ...timeline(d.timeline), ...durations(d.timeline), ...runs(d.timeline));
  }

  // The case author's hint under a failed check, labelled apart from the "hint:" lines parex writes in a detail.
  function hintBox(hint) {
    const box = el("div", { class: "hint" }, el("span", { class: "hint-label" }, "hint (from the case):"));
    const text = el("div");
    text.innerHTML = hint;  // markdown() escaped it when rendering
    box.append(text);
    return box;
  }

  // A scaling check: speedup against CPUs, measured (dots), Amdahl's law with the fitted serial fraction (curve),
  // and the ideal (speedup = CPUs, dashed).
  function scalingPlot(plot) {
    const W = 320, H = 200, L = 36, B = 24, T = 8, R = 12;
    const most = Math.max(...plot.points.map((point) => point.cpus), 2);
    const top = Math.max(most, ...plot.points.map((point) => point.speedup)) * 1.05;
    const x = (w) => L + (w / most) * (W - L - R), y = (sp) => H - B - (sp / top) * (H - B - T);
    const svg = s("svg", { class: "scaling", width: W, height: H, role: "img",
      "aria-label": `speedup on 1 to ${most} CPUs; serial fraction ${fixed(plot.f, 2)}` });
    svg.append(s("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888" }),
               s("line", { class: "axis", x1: L, y1: H - B, x2: L, y2: T, stroke: "#888" }));
    for (const { cpus: w } of plot.points) svg.append(s("text", { x: x(w), y: H - 8, "text-anchor": "middle", "font-size": 11 }, String(w)));
    for (let v = 0; v <= top; v += Math.max(1, Math.round(top / 4))) svg.append(s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11 }, v + "x"));
    svg.append(s("line", { class: "ideal", x1: x(1), y1: y(1), x2: x(most), y2: y(most), stroke: "#888", "stroke-dasharray": "4 3" }));
    if (plot.f !== null && plot.f !== undefined) {
      const steps = [];
      for (let i = 0; i <= 40; i++) { const w = 1 + (most - 1) * i / 40; steps.push(`${x(w).toFixed(1)},${y(1 / (plot.f + (1 - plot.f) / w)).toFixed(1)}`); }
      svg.append(s("polyline", { class: "fit", points: steps.join(" "), fill: "none", stroke: "#0969da" },
                   s("title", null, `Amdahl's law, serial fraction ${fixed(plot.f, 3)}`)));
    }
    for (const { cpus: w, speedup: sp } of plot.points)
      svg.append(s("circle", { class: "point", cx: x(w), cy: y(sp), r: 4, fill: "#cf222e" }, s("title", null, `${w} CPU(s): ${fixed(sp, 2)}x`)));
    svg.append(s("text", { x: W - R, y: T + 10, "text-anchor": "end", "font-size": 11 }, `serial fraction ${fixed(plot.f, 2)} (at most ${fixed(plot.max, 2)})`));
    return el("div", { class: "scaling-plot" }, svg);
  }

  const container = document.getElementById("variants");
  const observer = "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => entries.forEach((e) => e.isIntersecting && draw(e.target)), { rootMargin: "600px" })
    : null;
  rows.forEach((row, index) => {
    const anchor = row.querySelector("a").getAttribute("href").slice(1);
    const section = el("section", { class: "variant", id: anchor, "data-case": row.dataset.case, "data-variant": row.dataset.variant, "data-index": index },
      el("h2", null, row.dataset.id + " ", badge(row.dataset.status)), el("div", { class: "body muted" }, "…"));
    container.append(section);
    if (observer) observer.observe(section); else draw(section);
  });
  function show() {
    const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.dataset.index !== undefined) { draw(target); target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", show);
  show();
})();
