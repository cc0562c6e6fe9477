/**
 * Runs only the circuit benchmarks and prints them: `hardhat run bench/circuits.run.ts`.
 */
import { benchCircuits } from "./circuits.js";

const section = await benchCircuits();
console.log(`\n## ${section.title}\n`);
console.log("| figure | value | unit | spread (min..max) | runs | target | note |");
console.log("|---|---|---|---|---|---|---|");
for (const row of section.rows) {
  const spread = row.spread ? `${row.spread[0]}..${row.spread[1]}` : "";
  const target = row.target ? `${row.target.comparison} ${row.target.value}` : "";
  console.log(
    `| ${row.name} | ${row.value} | ${row.unit} | ${spread} | ${row.runs ?? ""} | ${target} | ${row.note ?? ""} |`,
  );
}
console.log("\n" + JSON.stringify(section));
