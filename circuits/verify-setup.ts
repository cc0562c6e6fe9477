/**
 * Checks the development trusted setup from scratch, as anyone can: regenerates the phase-1 file
 * from the public beacon with exactly PTAU_COMMANDS (about 4 minutes on a 2-core machine), compares
 * it byte for byte with the committed circuits/ptau/pot13_final.ptau and every manifest, then runs
 * `snarkjs zkey verify <r1cs> <ptau> <zkey>` on every committed proving key and compares the
 * contribution hashes with the manifests.
 *
 * Usage: `hardhat run --no-compile circuits/verify-setup.ts` (exit code 1 on any mismatch).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

import {
  CIRCUITS,
  PTAU_COMMANDS,
  PTAU_FILE,
  REPO_ROOT,
  compileCircuit,
  sha256File,
  verifyZkey,
  type CircuitManifest,
} from "./pipeline.js";

const snarkjsCli = join(REPO_ROOT, "node_modules", "snarkjs", "build", "cli.cjs");
const work = join(REPO_ROOT, "circuits", "build", "verify-setup");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

let failures = 0;
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
};

const started = Date.now();
for (const command of PTAU_COMMANDS) {
  console.log(`$ ${command}`);
  // The commands are fixed strings of our own: split on spaces, unquote -n="...".
  const args = command
    .replace(/^snarkjs /, "")
    .match(/-n="[^"]*"|\S+/g)!
    .map((a) => a.replace(/^-n="(.*)"$/, "-n=$1"));
  const result = spawnSync(process.execPath, [snarkjsCli, ...args], { cwd: work, stdio: ["ignore", "ignore", "inherit"] }); // prettier-ignore
  if (result.status !== 0) throw new Error(`${command} failed (${result.status})`);
}
const regenerated = sha256File(join(work, "pot13_final.ptau"));
console.log(`phase 1 regenerated in ${((Date.now() - started) / 1000).toFixed(1)} s: sha256 ${regenerated}`);
check(
  regenerated === sha256File(join(REPO_ROOT, PTAU_FILE)),
  `${PTAU_FILE} is byte for byte the regenerated file`,
);

for (const circuit of CIRCUITS) {
  const dir = join(REPO_ROOT, "circuits", "artifacts", circuit.name);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as CircuitManifest;
  check(manifest.ptau.sha256 === regenerated, `${circuit.name}: manifest names the regenerated phase 1`);
  const { r1csPath } = compileCircuit(circuit, join(work, circuit.name));
  const verified = await verifyZkey(
    r1csPath,
    join(work, "pot13_final.ptau"),
    join(dir, `${circuit.name}.zkey`),
  );
  check(verified.ok, `${circuit.name}: snarkjs zkey verify`);
  const same =
    JSON.stringify(verified.contributions) === JSON.stringify(manifest.phase2?.contributions ?? []);
  check(same, `${circuit.name}: contributions ${JSON.stringify(verified.contributions)}`);
}

const cachedCurve = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
if (cachedCurve !== undefined && cachedCurve !== null) await cachedCurve.terminate();
if (failures > 0) process.exitCode = 1;
