import { runSimulation } from "./lib/simulate/engine.js";
import { findScenario } from "./lib/simulate/scenarios/index.js";
const t = Date.now();
const r = await runSimulation({ scenario: findScenario(process.env.SC ?? "normal")!, agents: Number(process.env.N ?? 40), seed: 1, parameters: { weeks: 1 } });
console.log(Date.now() - t);
for (const p of r.proposals) console.log(p.type, p.state, p.voters, p.eligible, BigInt(p.forVotes) / 10n ** 18n, BigInt(p.againstVotes) / 10n ** 18n, BigInt(p.abstainVotes) / 10n ** 18n, BigInt(p.quorum) / 10n ** 18n, p.councilApproved, p.gasPerVote, p.decisionLatency / 86400);
console.log(JSON.stringify({ metrics: r.metrics, perf: r.performance, attacks: r.attacks, power: { ...r.power, top: r.power.top.length }, timeline: r.timeline, pop: r.population }, null, 1));
