/**
 * Prints the governance gas figures (bench/governance.ts) as a table:
 * `hardhat run scripts/bench-governance.ts`.
 */
import { benchGovernance } from "../bench/governance.js";

const section = await benchGovernance();
console.log(`\n${section.title}\n`);
console.log(["figure", "OpenClaw", "plain OZ", "ratio", "target"].join(" | "));
for (const row of section.rows) {
  const ratio = row.anchor ? (row.value / row.anchor.value).toFixed(3) : "-";
  const target = row.target ? `${row.target.comparison} ${row.target.value}` : "-";
  console.log([row.name, row.value, row.anchor?.value ?? "-", ratio, target].join(" | "));
}
