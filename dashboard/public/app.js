// The AITBC dashboard page: reads the indexer's views through /api and refreshes them whenever the
// indexer reaches a new block (polling /api/status once a second). Amounts arrive as wei strings.
/* global Chart, document, fetch, performance */

const WEI = 10n ** 18n;
const $ = (id) => document.getElementById(id);

/** Wei (decimal string) as AITBC with `digits` decimals, thousands separated. */
export function aitbc(wei, digits = 2) {
  const v = BigInt(wei ?? 0);
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = a / WEI;
  const frac = ((a % WEI) * 10n ** BigInt(digits)) / WEI;
  const text = whole.toLocaleString("en-US") + (digits ? "." + frac.toString().padStart(digits, "0") : "");
  return (neg ? "-" : "") + text;
}
const short = (a) => (a ? `${a.slice(0, 6)}…${a.slice(-4)}` : "");
const when = (s) => (s ? new Date(Number(s) * 1000).toISOString().replace("T", " ").slice(0, 16) : "");
const esc = (t) =>
  String(t ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function table(id, head, rows) {
  const h = `<tr>${head.map((x) => `<th>${esc(x)}</th>`).join("")}</tr>`;
  const body = rows.length
    ? rows
        .map(
          (r) =>
            `<tr>${r.map((c) => (typeof c === "object" && c !== null ? `<td class="num" ${c.attr ?? ""}>${c.html}</td>` : `<td>${esc(c)}</td>`)).join("")}</tr>`,
        )
        .join("")
    : `<tr><td colspan="${head.length}">none yet</td></tr>`;
  $(id).innerHTML = h + body;
}
const num = (html, attr = "") => ({ html: esc(html), attr });
function cards(id, items) {
  $(id).innerHTML = items
    .map(
      ([label, value, key]) =>
        `<div class="card"><div class="label">${esc(label)}</div><div class="value" data-key="${key}">${esc(value)}</div></div>`,
    )
    .join("");
}

const charts = {};
function chart(id, config) {
  if (charts[id]) {
    charts[id].data = config.data;
    charts[id].update("none");
  } else {
    charts[id] = new Chart($(id), {
      ...config,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
    });
  }
}
const hourLabel = (h) => new Date(h * 1000).toISOString().slice(5, 13).replace("T", " ") + "h";

function renderGovernance(g) {
  const active = g.proposals.filter((p) => p.state === "Active").length;
  const totalVotes = g.votes.length;
  cards("gov-cards", [
    ["Proposals", g.proposals.length, "proposals"],
    ["Active", active, "active"],
    ["Votes cast", totalVotes, "votes"],
    ["Council approvals", g.councilApprovals.length, "council"],
  ]);
  table(
    "proposals",
    [
      "id",
      "type",
      "state",
      "for",
      "against",
      "abstain",
      "quorum",
      "of quorum",
      "votes open (challenge period ends)",
      "council",
      "timelock ETA",
      "bond",
    ],
    g.proposals.map((p) => {
      const counted = BigInt(p.forVotes) + BigInt(p.abstainVotes);
      const pct = p.quorum && BigInt(p.quorum) > 0n ? Number((counted * 1000n) / BigInt(p.quorum)) / 10 : 0;
      const bond = g.bonds.find((b) => b.proposalId === p.id);
      return [
        short(p.id),
        `${p.proposalType ?? "?"}${p.critical ? " (critical)" : ""}`,
        p.state,
        num(aitbc(p.forVotes), `data-proposal="${p.id}" data-field="for"`),
        num(aitbc(p.againstVotes), `data-proposal="${p.id}" data-field="against"`),
        num(aitbc(p.abstainVotes)),
        num(p.quorum ? aitbc(p.quorum) : "—", `data-proposal="${p.id}" data-field="quorum"`),
        { html: `<div class="bar"><span style="width:${Math.min(pct, 100)}%"></span></div>${pct}%` },
        num(
          when(p.votingOpensAt) + (p.challenged ? " (challenged)" : ""),
          `data-proposal="${p.id}" data-field="votes-open" data-value="${p.votingOpensAt}"`,
        ),
        String(p.councilApprovals),
        p.eta ? when(p.eta) : "—",
        bond ? `${aitbc(bond.amount, 0)} ${bond.status}` : "—",
      ];
    }),
  );
  table(
    "roles",
    ["proposal", "role", "voters", "weight"],
    g.votesByRole.map((r) => [short(r.proposalId), r.role, num(r.voters), num(aitbc(r.weight))]),
  );
  table(
    "votes",
    ["proposal", "voter", "support", "weight", "reason", "time"],
    g.votes.map((v) => [
      short(v.proposalId),
      short(v.voter),
      ["Against", "For", "Abstain"][v.support],
      num(aitbc(v.weight)),
      (v.reason ?? "").slice(0, 60),
      when(v.timestamp),
    ]),
  );
  $("votes").dataset.count = String(g.votes.length);
  chart("participation-chart", {
    type: "bar",
    data: {
      labels: g.participation.map((d) => new Date(d.day * 1000).toISOString().slice(0, 10)),
      datasets: [
        {
          label: "votes per day",
          data: g.participation.map((d) => Number(d.votes)),
          backgroundColor: "#2da44e",
        },
      ],
    },
  });
  table(
    "timelock",
    ["operation", "target", "delay (h)", "ready at", "status"],
    g.timelock.map((t) => [
      short(t.callId),
      short(t.target),
      num(Number(t.delay) / 3600),
      when(t.readyAt),
      t.status,
    ]),
  );
  renderGrantsAndRewards(g);
}

function renderGrantsAndRewards(g) {
  table(
    "grants",
    ["grant", "grantee", "total", "milestones", "released", "returned", "closed"],
    g.grants.map((x) => [
      x.id,
      short(x.grantee),
      num(aitbc(x.total)),
      num(x.milestoneCount),
      num(aitbc(x.released), `data-grant="${x.id}" data-field="released"`),
      num(aitbc(x.returned)),
      x.closed ? "yes" : "no",
    ]),
  );
  table(
    "milestones",
    ["grant", "#", "amount", "due", "status", "approver"],
    g.milestones.map((m) => [
      m.grantId,
      num(m.index),
      num(aitbc(m.amount)),
      when(m.dueDate),
      m.status,
      short(m.approver),
    ]),
  );
  const r = g.rewards;
  const sum = (rows) => rows.reduce((t, x) => t + BigInt(x.amount ?? x.released), 0n);
  cards("reward-cards", [
    ["Ecosystem pool balance", r.poolBalance === null ? "—" : aitbc(r.poolBalance), "pool-balance"],
    ["Released by the pool", aitbc(sum(r.streams.map((s) => ({ amount: s.released })))), "pool-released"],
    [
      "Participation rewards paid",
      aitbc(sum(r.claims.filter((c) => c.kind === "participation"))),
      "participation-paid",
    ],
    ["Proposal rewards paid", aitbc(sum(r.claims.filter((c) => c.kind === "proposal"))), "proposal-paid"],
  ]);
  table(
    "streams",
    ["stream recipient", "rate (AITBC/day)", "released"],
    r.streams.map((s) => [short(s.recipient), num(aitbc(BigInt(s.rate) * 86400n)), num(aitbc(s.released))]),
  );
  table(
    "claims",
    ["reward", "proposal", "account", "amount", "time"],
    r.claims.map((c) => [
      c.kind,
      short(c.proposalId),
      short(c.account),
      num(aitbc(c.amount)),
      when(c.timestamp),
    ]),
  );
}

function renderMarket(m) {
  const hours = [...new Set([...m.jobsPerHour, ...m.batchJobsPerHour].map((h) => h.hour))].sort(
    (a, b) => a - b,
  );
  const at = (list, h, key) => Number(list.find((x) => x.hour === h)?.[key] ?? 0);
  const wei = (list, h, key) => BigInt(list.find((x) => x.hour === h)?.[key] ?? 0);
  const staked = m.providers.filter((p) => BigInt(p.staked) > 0n).length;
  const totalJobs = m.totals.jobs + m.totals.batchJobs;
  const consumers = new Set(m.recentJobs.map((j) => j.consumer)).size;
  cards("market-cards", [
    ["Jobs (per-job path)", m.totals.jobs, "jobs"],
    ["Batch jobs", m.totals.batchJobs, "batchJobs"],
    ["Batches", m.totals.batches, "batches"],
    ["Miners staked (supply)", staked, "miners"],
    ["Jobs per miner (demand/supply)", staked ? (totalJobs / staked).toFixed(1) : "—", "ratio"],
    ["Consumers (recent)", consumers, "consumers"],
  ]);
  chart("jobs-chart", {
    type: "bar",
    data: {
      labels: hours.map(hourLabel),
      datasets: [
        {
          label: "per-job",
          data: hours.map((h) => at(m.jobsPerHour, h, "jobs")),
          backgroundColor: "#0969da",
        },
        {
          label: "batch",
          data: hours.map((h) => at(m.batchJobsPerHour, h, "jobs")),
          backgroundColor: "#8250df",
        },
      ],
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true } } },
  });
  const fee = (h) => wei(m.jobsPerHour, h, "fees") + wei(m.batchJobsPerHour, h, "fees");
  const tokens = (h) => wei(m.jobsPerHour, h, "tokens") + wei(m.batchJobsPerHour, h, "tokens");
  chart("fees-chart", {
    type: "line",
    data: {
      labels: hours.map(hourLabel),
      datasets: [
        {
          label: "fees (AITBC)",
          data: hours.map((h) => Number(aitbc(fee(h), 4).replace(/,/g, ""))),
          borderColor: "#cf222e",
          yAxisID: "y",
        },
        {
          label: "price per token (milli-AITBC)",
          data: hours.map((h) =>
            tokens(h) ? Number((fee(h) * 1000n * 1000n) / tokens(h) / WEI) / 1000 : null,
          ),
          borderColor: "#1a7f37",
          yAxisID: "y1",
        },
      ],
    },
    options: {
      scales: { y: { position: "left" }, y1: { position: "right", grid: { drawOnChartArea: false } } },
    },
  });
  table(
    "miners",
    ["miner", "GPU", "staked", "unbonding", "slashed", "trust score", "tier"],
    m.providers.map((p) => [
      short(p.address),
      p.gpuModel ?? "",
      num(aitbc(p.staked, 0), `data-miner="${p.address}" data-field="staked"`),
      num(aitbc(p.unbonding, 0)),
      num(aitbc(p.slashed, 0)),
      num(p.score ?? "—", `data-miner="${p.address}" data-field="score"`),
      p.tier ?? "—",
    ]),
  );
  table(
    "disputes",
    ["dispute", "disputer", "bond", "resolved", "provider at fault", "slashed"],
    m.disputes.map((d) => [
      d.id,
      short(d.disputer),
      num(aitbc(d.bond)),
      d.resolved ? "yes" : "no",
      d.providerAtFault === null ? "—" : d.providerAtFault ? "yes" : "no",
      num(d.slashed ? aitbc(d.slashed) : "—"),
    ]),
  );
  table(
    "slashes",
    ["slash of", "amount", "bps", "by", "time"],
    m.slashes.map((s) => [
      short(s.provider),
      num(aitbc(s.amount)),
      num(s.bps),
      short(s.by),
      when(s.timestamp),
    ]),
  );
}

function renderAgents(a) {
  table(
    "wallets",
    [
      "wallet",
      "owner",
      "agent key",
      "role",
      "limit / period",
      "spent in period",
      "of limit",
      "total spent",
      "votes",
    ],
    a.wallets.map((w) => {
      const limit = a.limits.find((l) => l.wallet === w.address && BigInt(l.amount) > 0n);
      const votes = a.votes.find((v) => v.voter === w.address);
      const pct = limit ? Number((BigInt(limit.spentInPeriod) * 1000n) / BigInt(limit.amount)) / 10 : 0;
      return [
        short(w.address),
        short(w.owner),
        short(w.agentKey),
        String(w.role),
        limit ? `${aitbc(limit.amount, 0)} / ${Number(limit.period) / 3600} h` : "none",
        num(limit ? aitbc(limit.spentInPeriod) : "—"),
        { html: `<div class="bar"><span style="width:${Math.min(pct, 100)}%"></span></div>${pct}%` },
        num(aitbc(w.totalSpent), `data-wallet="${w.address}" data-field="spent"`),
        num(votes ? votes.votes : 0),
      ];
    }),
  );
}

const get = (path) =>
  fetch(`/api${path}`, { cache: "no-store" }).then((r) =>
    r.ok ? r.json() : Promise.reject(new Error(`${path}: ${r.status}`)),
  );

let shownBlock = -1;
async function refresh() {
  const status = await get("/status");
  const block = Object.values(status)[0]?.block?.number ?? 0;
  if (block === shownBlock) return;
  const [g, m, a] = await Promise.all([get("/aitbc/governance"), get("/aitbc/market"), get("/aitbc/agents")]);
  renderGovernance(g);
  renderMarket(m);
  renderAgents(a);
  shownBlock = block;
  $("block").textContent = String(block);
  $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.block = String(block);
  // The page's "data drawn" signal (bench/indexer.ts measures time to interactive by it).
  if (document.body.dataset.ready === undefined) {
    performance.mark("aitbc:data-drawn");
    document.body.dataset.ready = "true";
  }
}

async function loop() {
  try {
    await refresh();
  } catch (error) {
    $("updated").textContent = `indexer unreachable (${error.message}); retrying`;
  }
  setTimeout(loop, 1000);
}
loop();
