#!/usr/bin/env node
// Line coverage of contracts/ (mocks aside) from the lcov file Hardhat 3's `--coverage` writes.
// Hardhat's own table counts the mocks; this prints the protocol's figures, per file and in total.
// Usage: node tools/coverage-summary.mjs [coverage/lcov.info]
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "coverage/lcov.info";
let text;
try {
  text = readFileSync(file, "utf8");
} catch {
  console.error(`no coverage data at ${file}: run \`npm run coverage\` first`);
  process.exit(1);
}
const rows = [];
for (const record of text.split("end_of_record")) {
  const source = /^SF:(.+)$/m.exec(record)?.[1];
  if (!source || !source.startsWith("contracts/") || source.startsWith("contracts/mocks/")) continue;
  const lines = [...record.matchAll(/^DA:(\d+),(\d+)$/gm)];
  const hit = lines.filter((m) => Number(m[2]) > 0).length;
  const branches = [...record.matchAll(/^BRDA:\d+,\d+,\d+,(\d+|-)$/gm)];
  const taken = branches.filter((m) => m[1] !== "-" && Number(m[1]) > 0).length;
  const missed = lines.filter((m) => Number(m[2]) === 0).map((m) => Number(m[1]));
  rows.push({ source, hit, total: lines.length, taken, branches: branches.length, missed });
}
rows.sort((a, b) => a.source.localeCompare(b.source));
const pct = (a, b) => (b === 0 ? "—" : `${((100 * a) / b).toFixed(1)}%`);
for (const r of rows) {
  const missed = r.missed.length ? `  uncovered lines: ${r.missed.join(", ")}` : "";
  console.log(`${r.source.padEnd(48)} lines ${pct(r.hit, r.total).padStart(6)} (${r.hit}/${r.total})  branches ${pct(r.taken, r.branches).padStart(6)}${missed}`); // prettier-ignore
}
const sum = (key) => rows.reduce((s, r) => s + r[key], 0);
console.log(`${"total (contracts/, mocks aside)".padEnd(48)} lines ${pct(sum("hit"), sum("total")).padStart(6)} (${sum("hit")}/${sum("total")})  branches ${pct(sum("taken"), sum("branches")).padStart(6)}${sum("branches") === 0 ? " (this lcov file has no branch records)" : ""}`); // prettier-ignore
