/** `npm run snapshots:update`: measures every operation's gas and rewrites snapshots/gas.json. */
import { GAS_SNAPSHOT_FILE, measureGas, readGasSnapshot, writeGasSnapshot } from "./gas-snapshots.js";

const before = await readGasSnapshot();
const measured = await measureGas();
await writeGasSnapshot(measured);
for (const [key, gas] of Object.entries(measured)) {
  const old = before[key];
  if (old !== gas) console.log(`${key}: ${old ?? "(new)"} → ${gas}`);
}
for (const key of Object.keys(before)) if (!(key in measured)) console.log(`${key}: removed`);
console.log(`wrote ${GAS_SNAPSHOT_FILE}`);
