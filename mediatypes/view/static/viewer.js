/* mediatypes view: the page script. Reads the page data (the JSON block #mt-data), builds the
   page with DOM calls only (every string from a run goes through textContent or an attribute set
   by property; never innerHTML), renders charts with the bundled vega-embed, and loads larger
   payloads on demand from the page's data folder (<script src> files calling mtBlob: fetch()
   does not work from file:// pages). Sets <body data-ready="1"> once the first view is drawn. */
(function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("mt-data").textContent);
  const PALETTE = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
    "#999999", "#882255", "#44aa99", "#117733", "#332288", "#ddcc77", "#aa4499", "#88ccee",
    "#661100", "#6699cc", "#aa4466", "#4477aa", "#228833"];

  // ------------------------------------------------------------------ helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null) continue;
      if (k === "text") node.textContent = String(v);
      else if (k === "cls") node.className = v;
      else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else if (k in node && typeof v !== "string") node[k] = v;
      else node.setAttribute(k, String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function fmt(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") {
      if (Number.isInteger(v)) return String(v);
      const a = Math.abs(v);
      return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
    }
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  function time(ts) {
    if (typeof ts !== "number") return fmt(ts);
    return new Date(ts * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  function color(i) { return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]; }

  function xTitle(x) { return x === "_step" ? "step" : x; }

  function showError(where, err) {
    console.warn(err);
    where.append(el("div", { cls: "error", text: "could not draw this: " + (err && err.message ? err.message : err) }));
  }

  const blobs = Object.create(null);
  const waiting = Object.create(null);
  window.mtBlob = function (id, payload) {
    blobs[id] = payload;
    if (waiting[id]) { waiting[id].resolve(payload); delete waiting[id]; }
  };
  function loadBlob(id) {
    if (id in blobs) return Promise.resolve(blobs[id]);
    if (waiting[id]) return waiting[id].promise;
    const w = {};
    w.promise = new Promise((resolve, reject) => { w.resolve = resolve; w.reject = reject; });
    waiting[id] = w;
    const s = el("script", { src: DATA.data_dir + id + ".js" });
    s.onerror = () => { delete waiting[id]; w.reject(new Error("missing data file " + id + ".js")); };
    document.head.append(s);
    return w.promise;
  }

  // ------------------------------------------------------------------ charts

  const NOLOADER = { // the page loads no data of its own: every spec carries its data inline
    load: () => Promise.reject(new Error("external data is not loaded by the viewer")),
    sanitize: () => Promise.reject(new Error("external resources are not loaded by the viewer")),
    http: () => Promise.reject(new Error("no network")),
    file: () => Promise.reject(new Error("no file access")),
  };

  function embed(target, spec) {
    const opts = { renderer: "canvas", actions: false, ast: true, defaultStyle: false, tooltip: false, loader: NOLOADER };
    return window.vegaEmbed(target, spec, opts).then((res) => { target.dataset.drawn = "1"; return res; });
  }

  function lineSpec(chart, width) {
    const names = Object.keys(chart.series);
    const values = [];
    // a run several processes logged into: a key logged by several ranks has one series per rank
    // (never one line zig-zagging between them), coloured by rank
    const byRank = names.some((n) => chart.series[n].rank !== undefined);
    const keys = [...new Set(names.map((n) => chart.series[n].key || n))];
    for (const n of names) {
      const s = chart.series[n];
      const key = s.key || n, rank = s.rank === undefined ? "all" : String(s.rank);
      for (let i = 0; i < s.y.length; i++) values.push({ x: s.x[i], y: s.y[i], key: key, rank: rank, line: n });
    }
    const few = values.length < 3;
    const spec = {
      width: width, height: 200,
      data: { values: values },
      mark: { type: "line", point: few, clip: true, strokeWidth: 1.5 },
      encoding: {
        x: { field: "x", type: "quantitative", title: xTitle(chart.x) },
        y: { field: "y", type: "quantitative", title: keys.length === 1 ? keys[0] : "value", scale: { zero: false } },
        detail: { field: "line", type: "nominal" },
      },
      config: { view: { stroke: null }, axis: { grid: true, gridOpacity: 0.4, titleLimit: 180, labelLimit: 160 } },
    };
    if (byRank) {
      const ranks = [...new Set(values.map((v) => v.rank))].sort((a, b) => Number(a) - Number(b));
      spec.encoding.color = { field: "rank", type: "nominal", title: "rank", sort: ranks,
        scale: { domain: ranks, range: ranks.map((r) => color(Number(r) || 0)) }, legend: { orient: "bottom" } };
      if (keys.length > 1) spec.encoding.strokeDash = { field: "key", type: "nominal", title: null, legend: { orient: "bottom", labelLimit: 300 } };
    } else if (keys.length > 1) spec.encoding.color = { field: "key", type: "nominal", title: null, legend: { orient: "bottom", labelLimit: 300 } };
    else spec.encoding.color = { value: "#1f77b4" };
    return spec;
  }

  // Charts are drawn when they scroll into view (a run can have hundreds); mtRenderAll() draws
  // every chart of the visible tab (used by tests and screenshots).
  const lazy = new Map(); // element -> draw function returning a promise
  const observer = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) drawLazy(e.target);
  }, { rootMargin: "300px" }) : null;

  function drawLazy(node) {
    const fn = lazy.get(node);
    if (!fn) return node._drawn || Promise.resolve();
    lazy.delete(node);
    if (observer) observer.unobserve(node);
    node._drawn = Promise.resolve().then(fn).catch((err) => showError(node, err));
    return node._drawn;
  }

  function later(node, fn) {
    lazy.set(node, fn);
    if (observer) observer.observe(node); else drawLazy(node);
    return node;
  }

  window.mtRenderAll = function () {
    const shown = [...lazy.keys()].filter((n) => n.offsetParent !== null);
    const done = [...document.querySelectorAll(".drawing")].map((n) => n._drawn).filter(Boolean);
    return Promise.all(shown.map(drawLazy).concat(done));
  };

  function chartCard(chart) {
    const box = el("div", { cls: "plot drawing" });
    const card = el("section", { cls: "card chart" }, el("h3", { text: chart.title }), box);
    const notes = [];
    for (const [k, s] of Object.entries(chart.series)) {
      if (s.n > s.y.length) notes.push(`${k}: ${s.y.length.toLocaleString()} of ${s.n.toLocaleString()} points (min/max per bucket)`);
      if (s.nonfinite) notes.push(`${k}: ${s.nonfinite} NaN/Inf value(s) not drawn`);
    }
    for (const n of notes) card.append(el("p", { cls: "note", text: n }));
    later(box, () => embed(box, lineSpec(chart, Math.max(240, box.clientWidth - 90))));
    return card;
  }

  function chartGrid(charts) {
    const out = el("div");
    let section = null, grid = null;
    for (const c of charts) {
      if (grid === null || c.section !== section) {
        section = c.section;
        grid = el("div", { cls: "grid" });
        out.append(el("h2", { cls: "section", text: section || "(top level)" }), grid);
      }
      grid.append(chartCard(c));
    }
    return out;
  }

  // ------------------------------------------------------------------ media

  let filterCount = 0;
  const svgNS = "http://www.w3.org/2000/svg";
  let defs = null;

  // A mask PNG holds class ids as grey levels; an SVG filter maps each id to its colour (and
  // hidden classes to transparent) without reading pixels, which file:// pages may not do.
  function maskFilter(hidden) {
    if (!defs) {
      const svg = document.createElementNS(svgNS, "svg");
      svg.setAttribute("width", "0"); svg.setAttribute("height", "0"); svg.setAttribute("class", "defs");
      defs = document.createElementNS(svgNS, "defs");
      svg.append(defs);
      document.body.append(svg);
    }
    const id = "mtmask" + (++filterCount);
    const f = document.createElementNS(svgNS, "filter");
    for (const [k, v] of Object.entries({ id: id, x: "0", y: "0", width: "1", height: "1",
      filterUnits: "objectBoundingBox", "color-interpolation-filters": "sRGB" })) f.setAttribute(k, v);
    function prim(tag, attrs) {
      const node = document.createElementNS(svgNS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      f.append(node);
      return node;
    }
    function table(parent, ch) {
      const fn = document.createElementNS(svgNS, "feFunc" + ch);
      fn.setAttribute("type", "discrete");
      parent.append(fn);
      return fn;
    }
    // colours: class id (grey level) -> palette colour, alpha stays opaque
    const colours = prim("feComponentTransfer", { in: "SourceGraphic", result: "colours" });
    const funcs = { R: table(colours, "R"), G: table(colours, "G"), B: table(colours, "B") };
    // alpha: class id moved into the alpha channel, then -> 0 (hidden class) or the overlay opacity
    prim("feColorMatrix", { in: "SourceGraphic", type: "matrix", values: "0 0 0 0 0  0 0 0 0 0  0 0 0 0 0  1 0 0 0 0", result: "ids" });
    const alphas = prim("feComponentTransfer", { in: "ids", result: "alpha" });
    funcs.A = table(alphas, "A");
    prim("feComposite", { in: "colours", in2: "alpha", operator: "in" });
    defs.append(f);
    function update(hiddenSet) {
      const r = [], g = [], b = [], a = [];
      for (let i = 0; i < 256; i++) {
        const c = color(i);
        r.push(parseInt(c.slice(1, 3), 16) / 255);
        g.push(parseInt(c.slice(3, 5), 16) / 255);
        b.push(parseInt(c.slice(5, 7), 16) / 255);
        a.push(hiddenSet.has(i) ? 0 : 0.55);
      }
      funcs.R.setAttribute("tableValues", r.join(" "));
      funcs.G.setAttribute("tableValues", g.join(" "));
      funcs.B.setAttribute("tableValues", b.join(" "));
      funcs.A.setAttribute("tableValues", a.join(" "));
    }
    update(hidden);
    return { id, update };
  }

  const imageState = new Map(); // panel key -> toggles that survive moving the slider

  function renderImage(item, key) {
    const state = imageState.get(key) || { masks: {}, boxes: {}, hiddenClasses: {}, score: null, min: 0 };
    imageState.set(key, state);
    const scale = Math.max(1, Math.min(4, Math.floor(384 / Math.max(item.w || 1, item.h || 1))));
    const stage = el("div", { cls: "stage" });
    stage.style.width = (item.w || 256) * scale + "px";
    stage.style.height = (item.h || 256) * scale + "px";
    const base = el("img", { cls: "base", src: item.src, alt: item.caption || key });
    base.style.imageRendering = scale > 1 ? "pixelated" : "auto";
    stage.append(base);
    const controls = el("div", { cls: "controls" });
    for (const m of item.masks || []) {
      const hidden = new Set(Object.entries(state.hiddenClasses[m.name] || {}).filter((e) => e[1]).map((e) => Number(e[0])));
      const flt = maskFilter(hidden);
      const layer = el("img", { cls: "mask", src: m.src, alt: "" });
      layer.style.filter = `url(#${flt.id})`;
      layer.style.imageRendering = "pixelated";
      const on = state.masks[m.name] !== false;
      layer.hidden = !on;
      stage.append(layer);
      const toggle = el("input", { type: "checkbox", checked: on, cls: "mask-toggle" });
      toggle.addEventListener("change", () => { layer.hidden = !toggle.checked; state.masks[m.name] = toggle.checked; });
      const legend = el("span", { cls: "legend" });
      for (const [id, label] of Object.entries(m.labels)) {
        const cb = el("input", { type: "checkbox", checked: !hidden.has(Number(id)) });
        cb.addEventListener("change", () => {
          (state.hiddenClasses[m.name] = state.hiddenClasses[m.name] || {})[id] = !cb.checked;
          if (cb.checked) hidden.delete(Number(id)); else hidden.add(Number(id));
          flt.update(hidden);
        });
        const sw = el("i", { cls: "swatch" });
        sw.style.background = color(Number(id));
        legend.append(el("label", {}, cb, sw, label));
      }
      controls.append(el("div", { cls: "layer" }, el("label", {}, toggle, " mask: " + m.name), legend));
    }
    const scoreNames = new Set();
    for (const layer of item.boxes || []) for (const b of layer.boxes) for (const s of Object.keys(b.scores)) scoreNames.add(s);
    const boxNodes = [];
    for (const layer of item.boxes || []) {
      const group = el("div", { cls: "boxes" });
      group.hidden = state.boxes[layer.name] === false;
      for (const b of layer.boxes) {
        const c = color(b.cls || 0);
        const node = el("div", { cls: "box" });
        Object.assign(node.style, {
          left: b.x0 * 100 + "%", top: b.y0 * 100 + "%",
          width: (b.x1 - b.x0) * 100 + "%", height: (b.y1 - b.y0) * 100 + "%", borderColor: c,
        });
        const label = b.caption || layer.labels[String(b.cls)] || String(b.cls);
        const scores = Object.entries(b.scores).map(([k, v]) => `${k} ${fmt(v)}`).join(" ");
        const tag = el("span", { cls: "tag", text: scores ? `${label} ${scores}` : label });
        tag.style.background = c;
        node.append(tag);
        node._scores = b.scores;
        group.append(node);
        boxNodes.push(node);
      }
      stage.append(group);
      const toggle = el("input", { type: "checkbox", checked: !group.hidden, cls: "box-toggle" });
      toggle.addEventListener("change", () => { group.hidden = !toggle.checked; state.boxes[layer.name] = toggle.checked; });
      controls.append(el("div", { cls: "layer" }, el("label", {}, toggle, ` boxes: ${layer.name} (${layer.boxes.length})`)));
    }
    if (scoreNames.size) {
      const names = [...scoreNames].sort();
      if (!names.includes(state.score)) state.score = names[0];
      let max = 0;
      for (const n of boxNodes) for (const v of Object.values(n._scores)) max = Math.max(max, v);
      const select = el("select", { cls: "score-name" }, ...names.map((n) => el("option", { value: n, text: n, selected: n === state.score })));
      const range = el("input", { type: "range", cls: "score-min", min: 0, max: max || 1, step: (max || 1) / 100, value: state.min });
      const shown = el("span", { cls: "note" });
      function apply() {
        state.score = select.value; state.min = Number(range.value);
        let n = 0;
        for (const node of boxNodes) {
          const v = node._scores[state.score];
          node.hidden = v !== undefined && v < state.min;
          if (!node.hidden) n++;
        }
        shown.textContent = `≥ ${fmt(state.min)}: ${n} of ${boxNodes.length} boxes`;
      }
      select.addEventListener("change", apply);
      range.addEventListener("input", apply);
      apply();
      controls.append(el("div", { cls: "layer" }, "score ", select, " ", range, " ", shown));
    }
    return el("div", { cls: "image" }, stage, controls);
  }

  function renderTable(payload, nrows) {
    const wrap = el("div", { cls: "table" });
    const pageSize = 25;
    let page = 0, sortCol = -1, desc = false;
    let rows = payload.rows.map((r, i) => ({ r, i }));
    const head = el("tr", {}, el("th", { text: "#" }));
    const body = el("tbody");
    const info = el("span", { cls: "note" });
    const prev = el("button", { text: "‹ prev", on: { click: () => { page--; draw(); } } });
    const next = el("button", { text: "next ›", on: { click: () => { page++; draw(); } } });
    payload.columns.forEach((c, j) => {
      const th = el("th", { text: c, title: (payload.types || {})[c] || "" });
      th.addEventListener("click", () => {
        desc = sortCol === j ? !desc : false; sortCol = j;
        rows.sort((a, b) => cmp(a.r[j], b.r[j]) * (desc ? -1 : 1) || a.i - b.i);
        page = 0; draw();
        for (const h of head.children) h.classList.remove("asc", "desc");
        th.classList.add(desc ? "desc" : "asc");
      });
      head.append(th);
    });
    function cmp(a, b) {
      if (a === b) return 0;
      if (a === null || a === undefined) return 1;
      if (b === null || b === undefined) return -1;
      if (typeof a === "number" && typeof b === "number") return a - b;
      return String(fmt(a)).localeCompare(String(fmt(b)));
    }
    function cell(v) {
      if (v && typeof v === "object" && !Array.isArray(v)) {
        if (v._img) return el("td", {}, el("img", { cls: "thumb", src: v._img, alt: "", loading: "lazy" }));
        if (v._media) return el("td", { cls: "media-cell", text: `[${v._media}]` });
      }
      return el("td", { text: fmt(v) });
    }
    function draw() {
      const pages = Math.max(1, Math.ceil(rows.length / pageSize));
      page = Math.max(0, Math.min(page, pages - 1));
      body.replaceChildren(...rows.slice(page * pageSize, (page + 1) * pageSize).map(({ r, i }) =>
        el("tr", {}, el("td", { cls: "idx", text: i }), ...r.map(cell))));
      const more = nrows > rows.length ? ` (first ${rows.length.toLocaleString()} of ${nrows.toLocaleString()} rows)` : "";
      info.textContent = ` page ${page + 1} of ${pages}, ${rows.length.toLocaleString()} rows${more} `;
      prev.disabled = page === 0; next.disabled = page >= pages - 1;
    }
    draw();
    wrap.append(el("div", { cls: "scroll" }, el("table", {}, el("thead", {}, head), body)), el("div", { cls: "pager" }, prev, info, next));
    return wrap;
  }

  function heatmapSpec(p, x) {
    const values = p.cells.map((c) => ({ x0: c[0], x1: c[1], y0: c[2], y1: c[3], count: c[4] }));
    return {
      width: 460, height: 220,
      data: { values: values },
      mark: { type: "rect" },
      encoding: {
        x: { field: "x0", type: "quantitative", title: xTitle(x) }, x2: { field: "x1" },
        y: { field: "y0", type: "quantitative", title: "value" }, y2: { field: "y1" },
        color: { field: "count", type: "quantitative", scale: { scheme: "viridis" } },
      },
    };
  }

  function renderItem(item, key, x) {
    const out = el("div", { cls: "item " + item.kind });
    const note = (t) => out.append(el("p", { cls: "note", text: t }));
    switch (item.kind) {
      case "image": out.append(renderImage(item, key)); break;
      case "gif": out.append(el("img", { cls: "gif", src: item.src, alt: item.caption || key })); break;
      case "video": out.append(el("video", { src: item.src, controls: true, preload: "metadata", muted: true })); break;
      case "audio": out.append(el("audio", { src: item.src, controls: true, preload: "metadata" })); break;
      case "list": {
        const grid = el("div", { cls: "list" });
        item.items.forEach((sub) => grid.append(renderItem(sub, key, x)));
        out.append(grid);
        break;
      }
      case "object3d": {
        const canvas = el("canvas", { cls: "gl", width: 480, height: 360 });
        out.append(canvas);
        const info = [item.what, item.num_points && `${item.num_points.toLocaleString()} points`,
          item.num_vertices && `${item.num_vertices.toLocaleString()} vertices`, item.num_faces && `${item.num_faces.toLocaleString()} faces`]
          .filter(Boolean).join(", ");
        note(info + " · drag to orbit, wheel to zoom, double-click to reset");
        later(out, () => loadBlob(item.blob).then((g) => {
          window.MTGL.view(canvas, g);
          if (g.note) note(g.note);
          if (g.labels && g.labels.length) note("boxes: " + g.labels.join(", "));
        }));
        out.classList.add("drawing");
        break;
      }
      case "molecule": {
        const pre = el("pre", { cls: "text" });
        note([String(item.format).toUpperCase(), item.num_atoms !== undefined && `${item.num_atoms} atoms`, item.smiles && `SMILES ${item.smiles}`].filter(Boolean).join(" · "));
        out.append(pre);
        later(out, () => loadBlob(item.blob).then((p) => { pre.textContent = p.text; }));
        out.classList.add("drawing");
        break;
      }
      case "html": {
        const frame = el("iframe", { cls: "html", title: item.caption || key });
        frame.setAttribute("sandbox", ""); // no scripts, no forms, a unique origin
        frame.setAttribute("referrerpolicy", "no-referrer");
        out.append(frame);
        later(out, () => loadBlob(item.blob).then((p) => { frame.srcdoc = p.text; }));
        out.classList.add("drawing");
        break;
      }
      case "table": {
        later(out, () => loadBlob(item.blob).then((p) => out.append(renderTable(p, item.nrows))));
        out.classList.add("drawing");
        break;
      }
      case "chart": {
        const box = el("div", { cls: "plot" });
        out.append(box);
        later(out, () => loadBlob(item.blob).then((spec) => embed(box, spec)));
        out.classList.add("drawing");
        break;
      }
      case "heatmap": {
        const box = el("div", { cls: "plot" });
        out.append(box);
        later(out, () => loadBlob(item.blob).then((p) => {
          if (p.shown < p.steps) note(`${p.shown} of ${p.steps} steps shown (evenly spaced)`);
          return embed(box, heatmapSpec(p, x));
        }));
        out.classList.add("drawing");
        break;
      }
      case "missing": note(`[${item.type}] its file is missing or outside the run`); break;
      default: note(`[${item.type}] not shown by this viewer`);
    }
    if (item.note) note(item.note);
    if (item.caption) out.append(el("p", { cls: "caption", text: item.caption }));
    return out;
  }

  function mediaCard(panel) {
    const items = panel.items;
    const body = el("div", { cls: "body" });
    const label = el("span", { cls: "step" });
    const card = el("section", { cls: "card media" }, el("h3", { text: panel.key }));
    const slider = el("input", { type: "range", cls: "slider", min: 0, max: items.length - 1, step: 1, value: items.length - 1 });
    function show(i) {
      const item = items[i];
      const where = [item.step === undefined ? "" : `${xTitle(panel.x)} ${fmt(item.step)}`,
        item.rank === undefined ? "" : `rank ${fmt(item.rank)}`].filter(Boolean).join(" · ");
      label.textContent = where + (where && items.length > 1 ? ` (${i + 1}/${items.length})` : "");
      for (const n of body.querySelectorAll(".drawing")) lazy.delete(n);
      body.replaceChildren(renderItem(item, panel.key, panel.x));
      card.dataset.index = String(i);
    }
    slider.addEventListener("input", () => show(Number(slider.value)));
    const bar = el("div", { cls: "stepbar" }, label);
    if (items.length > 1) bar.prepend(slider);
    card.append(bar, body);
    show(items.length - 1);
    return card;
  }

  // ------------------------------------------------------------------ overview

  function kvTable(rows) {
    const body = el("tbody");
    for (const [k, v] of rows) body.append(el("tr", {}, el("th", { text: k }), el("td", { text: v })));
    return el("table", { cls: "kv" }, body);
  }

  function flatten(obj, prefix, out) {
    for (const [k, v] of Object.entries(obj || {})) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === "object" && !Array.isArray(v) && !v._media && Object.keys(v).length) flatten(v, name, out);
      else out.push([name, v && v._media ? `[${v._media}]` : fmt(v)]);
    }
    return out;
  }

  function overview() {
    const out = el("div", { cls: "overview" });
    const meta = DATA.meta.map(([k, v]) => [k, k.endsWith("_at") ? time(v) : fmt(v)]);
    if (DATA.command && DATA.command.argv) meta.push(["command", DATA.command.argv.join(" ")]);
    if (DATA.git) meta.push(["git", fmt(DATA.git.commit || DATA.git)]);
    out.append(el("section", { cls: "card" }, el("h3", { text: "run" }), kvTable(meta)));
    const summary = flatten(DATA.summary, "", []).filter(([k]) => !k.startsWith("_"));
    out.append(el("section", { cls: "card" }, el("h3", { text: `summary (${summary.length})` }), kvTable(summary)));
    const config = flatten(DATA.config, "", []);
    out.append(el("section", { cls: "card" }, el("h3", { text: `config (${config.length})` }), kvTable(config)));
    if (DATA.warnings.length) {
      out.append(el("section", { cls: "card" }, el("h3", { text: "notes" }), el("ul", {}, ...DATA.warnings.map((w) => el("li", { text: w })))));
    }
    return out;
  }

  // ------------------------------------------------------------------ run list (several runs)

  function runsPage() {
    const runs = DATA.runs;
    const keys = Object.keys(DATA.keys);
    const selected = new Set(runs.map((_, i) => i));
    const summaryKeys = [...new Set(runs.flatMap((r) => Object.keys(r.summary)))].sort().slice(0, 8);
    const head = el("tr", {}, el("th"), el("th", { text: "run" }), el("th", { text: "state" }), el("th", { text: "project" }), el("th", { text: "started" }),
      ...summaryKeys.map((k) => el("th", { text: k })));
    const body = el("tbody");
    const plot = el("div", { cls: "plot" });
    const select = el("select", { cls: "overlay-key" }, ...keys.map((k) => el("option", { value: k, text: k })));
    runs.forEach((r, i) => {
      const cb = el("input", { type: "checkbox", checked: true, cls: "run-pick" });
      cb.addEventListener("change", () => { if (cb.checked) selected.add(i); else selected.delete(i); overlay(); });
      const sw = el("i", { cls: "swatch" });
      sw.style.background = color(i);
      body.append(el("tr", {}, el("td", {}, cb, sw), el("td", {}, el("a", { href: r.href, text: r.name || r.folder })),
        el("td", { text: r.state }), el("td", { text: r.project }), el("td", { text: time(r.started_at) }),
        ...summaryKeys.map((k) => el("td", { cls: "num", text: fmt(r.summary[k]) }))));
    });
    function overlay() {
      const key = select.value;
      if (!key) { plot.replaceChildren(el("p", { cls: "note", text: "no scalar was logged" })); return Promise.resolve(); }
      plot.classList.add("drawing");
      plot._drawn = loadBlob(DATA.keys[key]).then((p) => {
        const values = [];
        for (const [i, s] of Object.entries(p.runs)) {
          if (!selected.has(Number(i))) continue;
          const name = runs[i].name || runs[i].folder;
          for (let j = 0; j < s.y.length; j++) values.push({ x: s.x[j], y: s.y[j], run: name });
        }
        const domain = runs.map((r) => r.name || r.folder);
        return embed(plot, {
              width: Math.max(300, plot.clientWidth - 200), height: 280,
          data: { values: values }, mark: { type: "line", clip: true, point: values.length < 3 },
          encoding: {
            x: { field: "x", type: "quantitative", title: xTitle(p.x) },
            y: { field: "y", type: "quantitative", title: key, scale: { zero: false } },
            color: { field: "run", type: "nominal", scale: { domain: domain, range: domain.map((_, i) => color(i)) }, legend: { labelLimit: 300 } },
          },
        });
      }).catch((err) => showError(plot, err));
      return plot._drawn;
    }
    const preferred = keys.find((k) => /loss/i.test(k)) || keys.find((k) => /acc/i.test(k));
    if (preferred) select.value = preferred;
    select.addEventListener("change", overlay);
    const first = overlay();
    const page = el("div", {},
      el("section", { cls: "card" }, el("h3", { text: `${runs.length} runs` }), el("div", { cls: "scroll" }, el("table", { cls: "runs" }, el("thead", {}, head), body))),
      el("section", { cls: "card" }, el("h3", {}, "overlay: ", select), plot));
    return { page, first };
  }

  // ------------------------------------------------------------------ page

  function tabs(defs) {
    const nav = el("nav", { cls: "tabs" });
    const main = el("main");
    const views = {};
    for (const d of defs) {
      const view = el("div", { cls: "view", id: "view-" + d.id });
      view.hidden = true;
      views[d.id] = { def: d, view, built: false };
      nav.append(el("a", { href: "#" + d.id, text: d.label, cls: "tab", id: "tab-" + d.id }));
      main.append(view);
    }
    function open(id) {
      if (!views[id]) id = defs[0].id;
      for (const [k, v] of Object.entries(views)) {
        v.view.hidden = k !== id;
        document.getElementById("tab-" + k).classList.toggle("active", k === id);
      }
      const v = views[id];
      if (!v.built) { v.view.append(v.def.build()); v.built = true; }
      return v.view;
    }
    window.addEventListener("hashchange", () => open(location.hash.slice(1)));
    return { nav, main, open };
  }

  function header(extra) {
    const h = el("header", {}, el("span", { cls: "brand", text: "mediatypes" }), el("h1", { text: DATA.title }));
    if (extra) h.append(extra);
    return h;
  }

  function visibleDraws(view) {
    // draw what is on screen now; the rest is drawn as it scrolls into view
    const now = [];
    for (const node of view.querySelectorAll(".drawing")) {
      const r = node.getBoundingClientRect();
      if (r.top < window.innerHeight && r.bottom > 0 && lazy.has(node)) now.push(drawLazy(node));
    }
    return Promise.all(now);
  }

  function start() {
    let first;
    if (DATA.page === "runs") {
      const r = runsPage();
      document.body.append(header(), el("main", {}, r.page));
      first = r.first;
    } else {
      const defs = [];
      if (DATA.charts.length) defs.push({ id: "charts", label: `Charts (${DATA.charts.length})`, build: () => chartGrid(DATA.charts) });
      const plots = DATA.panels.filter(isPlot), media = DATA.panels.filter((p) => !isPlot(p));
      if (media.length) defs.push({ id: "media", label: `Media (${media.length})`, build: () => mediaGrid(media) });
      if (plots.length) defs.push({ id: "plots", label: `Tables & plots (${plots.length})`, build: () => mediaGrid(plots) });
      defs.push({ id: "overview", label: "Overview", build: overview });
      if (DATA.system.length) defs.push({ id: "system", label: "System", build: () => chartGrid(DATA.system.map((s) => ({ title: s.key, section: "system metrics", x: s.axis, series: s.lines || { [s.key]: s.series } }))) });
      const t = tabs(defs);
      const back = DATA.home ? el("a", { href: DATA.home, cls: "home", text: "← all runs" }) : null;
      document.body.append(header(back), t.nav, t.main);
      const view = t.open(location.hash.slice(1));
      first = visibleDraws(view);
    }
    first.then(() => {
      document.body.dataset.readyMs = String(Math.round(performance.now())); // since navigation start
      document.body.dataset.ready = "1";
    }, (err) => { console.error(err); document.body.dataset.ready = "error"; });
  }

  function isPlot(panel) {
    const kinds = panel.items.map((i) => i.kind);
    return kinds.length > 0 && kinds.every((k) => k === "chart" || k === "table");
  }

  function mediaGrid(panels) {
    const out = el("div");
    let section = null, grid = null;
    for (const p of panels) {
      if (grid === null || p.section !== section) {
        section = p.section;
        grid = el("div", { cls: "grid wide" });
        out.append(el("h2", { cls: "section", text: section || "(top level)" }), grid);
      }
      grid.append(mediaCard(p));
    }
    return out;
  }

  start();
})();
