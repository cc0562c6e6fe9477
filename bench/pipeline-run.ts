/** Runs only the pipeline section and prints it: `hardhat run bench/pipeline-run.ts`. */
import { benchPipeline } from "./pipeline.js";

const section = await benchPipeline();
console.log(section.title);
for (const row of section.rows) {
  const extra = [row.spread ? `min ${row.spread[0]}, max ${row.spread[1]}` : "", row.anchor ? `${row.anchor.name}: ${row.anchor.value}` : ""].filter(Boolean).join("; "); // prettier-ignore
  console.log(`  ${row.name}: ${row.value} ${row.unit}${extra ? ` (${extra})` : ""}`);
}
process.exit(0);
