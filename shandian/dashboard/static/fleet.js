// The fleet page: polls /api/fleet (one row per engine of the fleet) twice a second; stop / restart with
// the full token.
"use strict";
const TOKEN = new URLSearchParams(location.search).get("token") || "";
const POLL_MS = 500;
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const dash = (v) => (v === null || v === undefined || v === "" ? "-" : esc(v));
let role = "";

function uptime(s) {
  if (typeof s !== "number") return "-";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return h ? `${h}h ${m}m` : m ? `${m}m ${sec}s` : `${s.toFixed(1)} s`;
}

function dashboardLink(d) {
  if (!d) return "-";
  const host = d.host === "0.0.0.0" || d.host === "::" ? location.hostname : d.host;
  const shown = host.includes(":") ? `[${host}]` : host;
  // the same token: it opens the engine's dashboard when the fleet shares the desk's tokens (docs)
  return `<a class="engine-dashboard" href="http://${esc(shown)}:${esc(d.port)}/?token=${encodeURIComponent(TOKEN)}">${esc(shown)}:${esc(d.port)}</a>`;
}

function row(e) {
  const ready = e.ready === true ? "yes" : e.pid ? "no" : "-";
  const actions = role === "admin"
    ? `<td><button data-cmd="restart" data-name="${esc(e.name)}">restart</button>
       <button data-cmd="stop" data-name="${esc(e.name)}">stop</button></td>` : "";
  return `<tr id="engine-${esc(e.name)}" data-state="${esc(e.state)}">
    <td class="name">${esc(e.name)}</td><td class="state state-${esc(e.state)}">${esc(e.state)}</td>
    <td class="pid">${dash(e.pid)}</td><td class="uptime">${uptime(e.uptime_s)}</td>
    <td class="restarts">${dash(e.restarts)}</td><td class="ready">${ready}</td>
    <td>${dash(e.trader)}</td><td>${dash(e.md)}</td><td>${dash(e.ticks_per_s)}</td><td class="orders">${dash(e.orders)}</td>
    <td>${dash(e.fills)}</td><td>${typeof e.pnl === "number" ? e.pnl.toFixed(2) : "-"}</td><td>${dash(e.risk_state)}</td>
    <td>${dash(e.cpu_pct)}</td><td>${dash(e.rss_mb)}</td><td class="last-error">${dash(e.last_error)}</td>
    <td>${dashboardLink(e.dashboard)}</td>${actions}</tr>`;
}

function render(state) {
  role = state.role;
  $("role").textContent = role === "read" ? "(read-only)" : "";
  $("fleet-file").textContent = state.fleet;
  $("engine-link").innerHTML = state.engine_page ? `<a href="/?token=${encodeURIComponent(TOKEN)}">engine</a>` : "";
  $("actions-head").hidden = role !== "admin";
  $("engines").innerHTML = state.engines.map(row).join("");
}

async function poll() {
  try {
    const r = await fetch("/api/fleet", {headers: {"X-Shandian-Token": TOKEN}});
    if (r.status === 401) { $("status").textContent = "wrong or missing token"; return; }
    render(await r.json());
    $("status").textContent = "live";
  } catch (err) {
    $("status").textContent = "disconnected (retrying)";
  }
  setTimeout(poll, POLL_MS);
}

$("engines").addEventListener("click", async (ev) => {
  const b = ev.target.closest("button[data-cmd]");
  if (!b) return;
  const cmd = b.dataset.cmd, name = b.dataset.name;
  if (!confirm(`${cmd} engine ${name}? (${cmd === "stop" ? "it stays stopped" : "it is stopped in order, then started again"})`)) return;
  $("answer").textContent = `${cmd} ${name}…`;
  const r = await fetch("/api/fleet/command", {method: "POST",
    headers: {"Content-Type": "application/json", "X-Shandian-Token": TOKEN}, body: JSON.stringify({cmd, name})});
  const a = await r.json();
  $("answer").className = a.ok ? "" : "err";
  $("answer").textContent = `${name}: ${a.result || ""}${a.error ? " — " + a.error : ""}`;
});

poll();
