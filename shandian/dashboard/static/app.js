// The dashboard page: one WebSocket (full state first, then deltas), hash routes for the pages.
"use strict";
const TOKEN = new URLSearchParams(location.search).get("token") || "";
const S = { overview: {}, agents: {}, instruments: {}, params: {}, prices: [], pnl: [], fills: [], commands: [],
            marks: [], role: "", lastDelayMs: null };
const MAXP = 4000;
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const num = (v, d = 2) => (typeof v === "number" ? v.toFixed(d) : esc(v ?? ""));

function table(rows, cols, id) {
  const head = cols.map((c) => `<th>${esc(c[0])}</th>`).join("");
  const body = rows.map((r) => "<tr>" + cols.map((c) => `<td>${c[1](r)}</td>`).join("") + "</tr>").join("");
  return `<table id="${id}"><tr>${head}</tr>${body}</table>`;
}

async function command(body) {
  const r = await fetch("/api/command?token=" + encodeURIComponent(TOKEN), {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  return {status: r.status, answer: await r.json()};
}

function apply(msg) {
  if (msg.type === "full") {
    for (const k of ["overview", "agents", "instruments", "params", "prices", "pnl", "fills", "commands", "marks"]) {
      if (msg[k] !== undefined) S[k] = msg[k];
    }
    if (msg.role) S.role = msg.role;
  } else {
    if (msg.overview) S.overview = msg.overview;
    for (const k of ["agents", "instruments", "params"]) if (msg[k]) Object.assign(S[k], msg[k]);
    for (const k of ["prices", "pnl", "fills", "commands", "marks"]) {
      if (msg[k]) { S[k] = S[k].concat(msg[k]); if (S[k].length > MAXP) S[k] = S[k].slice(-MAXP); }
    }
  }
  if (msg.wall_ns) S.lastDelayMs = Date.now() - msg.wall_ns / 1e6;
  render();
}

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/ws?token=${encodeURIComponent(TOKEN)}`);
  ws.onopen = () => { $("status").textContent = "live"; };
  ws.onmessage = (e) => apply(JSON.parse(e.data));
  ws.onclose = () => { $("status").textContent = "disconnected (retrying)"; setTimeout(connect, 1000); };
}

function nav() {
  $("agent-links").innerHTML = Object.keys(S.agents).map((a) => `<a href="#/agent/${esc(a)}">${esc(a)}</a>`).join("");
  $("instrument-links").innerHTML = Object.keys(S.instruments).map((s) => `<a href="#/instrument/${esc(s)}">${esc(s)}</a>`).join("");
  $("role").textContent = S.role === "read" ? "(read-only)" : "";
}

function overview() {
  const o = S.overview, a = o.account || {}, l = o.latency_ns || {};
  const agents = Object.entries(S.agents).map(([n, x]) => ({n, ...x}));
  return `<h2>overview</h2>
  <table id="session"><tr><th>trader</th><th>md</th><th>trading day</th><th>account state</th><th>killed</th><th>ticks/s</th></tr>
  <tr><td id="trader-state">${esc(o.trader_state)}</td><td>${esc(o.md_state)}</td><td>${esc(o.trading_day)}</td>
  <td id="account-state" class="state-${esc(o.account_state)}">${esc(o.account_state)}</td><td id="killed">${esc(o.killed)}</td><td>${num(o.ticks_per_s, 1)}</td></tr></table>
  <table id="account"><tr><th>balance</th><th>available</th><th>margin</th><th>frozen margin</th></tr>
  <tr><td>${num(a.balance)}</td><td>${num(a.available)}</td><td>${num(a.margin)}</td><td>${num(a.frozen_margin)}</td></tr></table>
  <table id="latency"><tr><th>tick→agent samples</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>max µs</th><th>push delay ms</th></tr>
  <tr><td>${esc(l.count)}</td><td>${num(l.p50 / 1e3, 1)}</td><td>${num(l.p90 / 1e3, 1)}</td><td>${num(l.p99 / 1e3, 1)}</td><td>${num(l.max / 1e3, 1)}</td><td>${num(S.lastDelayMs, 0)}</td></tr></table>
  <h3>rejects by reason</h3>${table(Object.entries(o.refusals || {}), [["code", (r) => esc(r[0])], ["count", (r) => esc(r[1])]], "refusals")}
  <h3>agents</h3>${table(agents, [["agent", (r) => `<a href="#/agent/${esc(r.n)}">${esc(r.n)}</a>`],
    ["state", (r) => `<span class="state-${esc(r.state)}">${esc(r.state)}</span>`],
    ["orders", (r) => esc(r.orders)], ["fills", (r) => esc(r.fills)], ["working", (r) => esc(r.working.length)],
    ["realized", (r) => num(r.realized_pnl)], ["unrealized", (r) => num(r.unrealized_pnl)]], "agents")}`;
}

function agentPage(name) {
  const x = S.agents[name];
  if (!x) return `<p>no agent ${esc(name)}</p>`;
  const params = S.params[name] || {};
  const ro = S.role !== "admin" ? "disabled" : "";
  const fills = S.fills.filter((f) => f.agent === name).slice(-30).reverse();
  return `<h2>agent ${esc(name)} <span id="agent-state" class="state-${esc(x.state)}">${esc(x.state)}</span></h2>
  <button id="halt" ${ro} onclick="act({cmd:'halt', agent:'${esc(name)}'})">halt</button>
  <button id="resume" ${ro} onclick="act({cmd:'resume', agent:'${esc(name)}'})">resume</button>
  <button id="cancel-all" ${ro} onclick="act({cmd:'cancel_all', agent:'${esc(name)}'})">cancel all</button>
  <span id="result"></span>
  <p>realized <b id="realized">${num(x.realized_pnl)}</b> unrealized <b id="unrealized">${num(x.unrealized_pnl)}</b>
  commission ${num(x.commission)} orders ${esc(x.orders)} fills ${esc(x.fills)}</p>
  <h3>params</h3><form id="params" onsubmit="saveParams('${esc(name)}'); return false;">
  ${Object.entries(params).map(([k, v]) => `<label>${esc(k)} <input name="${esc(k)}" value="${esc(JSON.stringify(v))}" ${ro}></label>`).join(" ")}
  <button id="save-params" ${ro}>apply</button> <span id="param-error" class="err"></span></form>
  <h3>positions</h3>${table(x.positions, [["symbol", (r) => esc(r.symbol)], ["long", (r) => esc(r.long)], ["short", (r) => esc(r.short)],
    ["realized", (r) => num(r.realized_pnl)], ["unrealized", (r) => num(r.unrealized_pnl)]], "positions")}
  <h3>working orders</h3>${table(x.working, [["id", (r) => esc(r.id)], ["symbol", (r) => esc(r.symbol)], ["dir", (r) => esc(r.direction)],
    ["offset", (r) => esc(r.offset)], ["price", (r) => num(r.price)], ["volume", (r) => esc(r.volume)], ["traded", (r) => esc(r.traded)],
    ["status", (r) => esc(r.status)], ["", (r) => `<button ${ro} onclick="act({cmd:'cancel', agent:'${esc(name)}', order_id:${r.id}})">cancel</button>`]], "orders")}
  <div id="pnl-chart" style="height:260px"></div>
  <h3>fills</h3>${table(fills, [["time", (r) => new Date(r.t).toLocaleTimeString()], ["symbol", (r) => esc(r.symbol)],
    ["dir", (r) => esc(r.direction)], ["offset", (r) => esc(r.offset)], ["price", (r) => num(r.price)], ["volume", (r) => esc(r.volume)]], "fills")}`;
}

function instrumentPage(sym) {
  const i = S.instruments[sym] || {};
  return `<h2>${esc(sym)}</h2><p>last ${num(i.last)} bid ${num(i.bid)} ask ${num(i.ask)} volume ${esc(i.volume)}</p>
  <div id="price-chart" style="height:360px"></div>`;
}

function controls() {
  const ro = S.role !== "admin" ? "disabled" : "";
  return `<h2>controls</h2><p>account state <b id="account-state">${esc(S.overview.account_state)}</b>, killed <b id="killed">${esc(S.overview.killed)}</b></p>
  <button id="cancel-everything" ${ro} onclick="act({cmd:'cancel_all'})">cancel all orders</button>
  <button id="kill" class="danger" ${ro} onclick="if (confirm('Kill switch: halt the account and cancel every order?')) act({cmd:'kill', flatten:false})">KILL SWITCH</button>
  <button id="kill-flatten" class="danger" ${ro} onclick="if (confirm('Kill switch AND flatten every position?')) act({cmd:'kill', flatten:true})">kill + flatten</button>
  <span id="result"></span>
  ${journalTable("commands and parameter changes (journal)", (r) => r.kind !== "risk_decision", "commands")}
  ${journalTable("recent risk refusals (journal)", (r) => r.kind === "risk_decision", "risk-refusals")}`;
}

function journalTable(title, keep, id) {
  const rows = S.commands.filter(keep).slice(-25).reverse();
  return `<h3>${esc(title)}</h3>` + table(rows, [["time", (r) => new Date(r.t).toLocaleTimeString()],
    ["kind", (r) => esc(r.kind)], ["agent", (r) => esc(r.agent ?? "")], ["text", (r) => esc(r.text ?? "")]], id);
}

async function act(body) {
  const {status, answer} = await command(body);
  const el = $("result");
  if (el) { el.className = answer.ok ? "ok" : "err"; el.textContent = answer.ok ? `${body.cmd}: sent` : `${status}: ${answer.error}`; }
}

async function saveParams(name) {
  const params = {};
  for (const input of document.querySelectorAll("#params input")) {
    let v = input.value;
    try { v = JSON.parse(v); } catch (e) { /* a bare text stays text */ }
    if (JSON.stringify(v) !== JSON.stringify((S.params[name] || {})[input.name])) params[input.name] = v;
  }
  const el = $("param-error");
  if (!Object.keys(params).length) { el.textContent = "nothing changed"; return; }
  const {answer} = await command({cmd: "set_params", agent: name, params});
  el.className = answer.ok ? "ok" : "err";
  el.textContent = answer.ok ? "applied" : answer.error;
  editing = false;
}

let editing = false;
document.addEventListener("focusin", (e) => { if (e.target.closest && e.target.closest("#params")) editing = true; });

function charts(route) {
  if (typeof Plotly === "undefined") return;
  if (route[0] === "agent" && $("pnl-chart")) {
    const pts = S.pnl.filter((p) => p[0] === route[1]);
    Plotly.react("pnl-chart", [{x: pts.map((p) => new Date(p[1])), y: pts.map((p) => p[2]), name: "PnL", type: "scatter"}],
      {title: {text: "intraday PnL (net of fees)"}, margin: {t: 30}});
  }
  if (route[0] === "instrument" && $("price-chart")) {
    const sym = route[1];
    const pts = S.prices.filter((p) => p[0] === sym);
    const fills = S.fills.filter((f) => f.symbol === sym);
    const marks = S.marks.filter((m) => m[0] === sym);
    Plotly.react("price-chart", [
      {x: pts.map((p) => new Date(p[1])), y: pts.map((p) => p[2]), name: "last", type: "scatter"},
      {x: pts.map((p) => new Date(p[1])), y: pts.map((p) => p[3]), name: "bid", type: "scatter", line: {dash: "dot"}},
      {x: pts.map((p) => new Date(p[1])), y: pts.map((p) => p[4]), name: "ask", type: "scatter", line: {dash: "dot"}},
      {x: marks.map((m) => new Date(m[1])), y: marks.map((m) => m[2]), name: "own orders", mode: "markers", type: "scatter",
       marker: {symbol: "circle-open", size: 8}, text: marks.map((m) => `${m[4]} ${m[3]}`)},
      {x: fills.map((f) => new Date(f.t)), y: fills.map((f) => f.price), name: "fills", mode: "markers", type: "scatter",
       marker: {symbol: fills.map((f) => (f.direction === "buy" ? "triangle-up" : "triangle-down")), size: 11},
       text: fills.map((f) => `${f.agent} ${f.direction} ${f.volume}`)}],
      {title: {text: `${sym}: price, own orders and fills`}, margin: {t: 30}});
  }
}

let lastRender = 0, scheduled = false;
function render() {
  // Re-rendering at most 5 times a second keeps the page light; an open parameter form is not redrawn.
  if (scheduled) return;
  const wait = Math.max(0, 200 - (Date.now() - lastRender));
  scheduled = true;
  setTimeout(() => { scheduled = false; lastRender = Date.now(); draw(); }, wait);
}

function draw() {
  nav();
  const route = (location.hash || "#/overview").slice(2).split("/").map(decodeURIComponent);
  if (route[0] === "agent" && editing) { charts(route); return; }
  const page = route[0] === "agent" ? agentPage(route[1]) : route[0] === "instrument" ? instrumentPage(route[1])
    : route[0] === "controls" ? controls() : overview();
  const keep = $("result") ? [$("result").className, $("result").textContent] : null;
  const keepErr = $("param-error") ? [$("param-error").className, $("param-error").textContent] : null;
  $("page").innerHTML = page;
  if (keep && $("result")) { $("result").className = keep[0]; $("result").textContent = keep[1]; }
  if (keepErr && $("param-error")) { $("param-error").className = keepErr[0]; $("param-error").textContent = keepErr[1]; }
  charts(route);
}

window.addEventListener("hashchange", () => { editing = false; draw(); });
connect();
