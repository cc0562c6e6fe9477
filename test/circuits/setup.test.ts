/**
 * The trusted setup anyone can check: the committed phase-1 file is the one the manifests name and
 * the documented commands produce, and every committed proving key passes `snarkjs zkey verify
 * <r1cs> <ptau> <zkey>` against it, with exactly the phase-2 contributions the manifest records.
 *
 * Regenerating the phase-1 file takes about 4 minutes here (`powersoftau prepare phase2` dominates),
 * so the test verifies against the committed file; `hardhat run --no-compile circuits/verify-setup.ts`
 * regenerates it from the public beacon and compares it byte for byte.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
} from "../../circuits/pipeline.js";
import { releaseProverResources } from "../../sdk/src/zk/proof.js";

/** sha256 of circuits/ptau/pot13_final.ptau, as regenerated from the beacon (pinned here on purpose). */
const PTAU_SHA256 = "ca499dc9bb27f9ee41e8967e5601d99d2c76b5539a725317ac71838acad8fce1";
/** The public beacon of the development phase 1 (sha256 of a published sentence; not a secret). */
const BEACON = "16dff4b467df5d6836073671bb7bafb71ad3bae46ce0c1f9a41ff09288148d8c";

describe("trusted setup: committed powers of tau and zkey verification", function () {
  after(releaseProverResources);

  it("the committed phase-1 file is the pinned one, made by the documented beacon commands", () => {
    expect(PTAU_FILE).to.equal("circuits/ptau/pot13_final.ptau");
    expect(sha256File(join(REPO_ROOT, PTAU_FILE))).to.equal(PTAU_SHA256);
    expect(PTAU_COMMANDS).to.deep.equal([
      "snarkjs powersoftau new bn128 13 pot13_0000.ptau",
      `snarkjs powersoftau beacon pot13_0000.ptau pot13_beacon.ptau ${BEACON} 10 -n="AITBC development beacon"`,
      "snarkjs powersoftau prepare phase2 pot13_beacon.ptau pot13_final.ptau",
    ]);
  });

  for (const circuit of CIRCUITS) {
    it(`${circuit.name}: snarkjs zkey verify accepts the committed zkey, with the manifest's contributions`, async () => {
      const dir = join(REPO_ROOT, "circuits", "artifacts", circuit.name);
      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as CircuitManifest;
      expect(manifest.ptau.sha256).to.equal(PTAU_SHA256);
      expect(manifest.ptau.file).to.equal(PTAU_FILE);
      expect(manifest.ptau.commands).to.deep.equal([...PTAU_COMMANDS]);
      const recorded = manifest.phase2?.contributions ?? [];
      expect(recorded, "the manifest lists the phase-2 contributions").to.have.length(1);
      expect(recorded[0]!.name).to.equal(`AITBC development phase 2 (${circuit.name})`);
      expect(recorded[0]!.hash).to.match(/^[0-9a-f]{128}$/);

      const out = mkdtempSync(join(tmpdir(), `aitbc-setup-${circuit.name}-`));
      try {
        const { r1csPath } = compileCircuit(circuit, out);
        const verified = await verifyZkey(
          r1csPath,
          join(REPO_ROOT, PTAU_FILE),
          join(dir, `${circuit.name}.zkey`),
        );
        expect(verified.ok, verified.log.join("\n")).to.equal(true);
        expect(verified.contributions).to.deep.equal(recorded);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  }

  it("zkey verify refuses a proving key of another circuit (the check is not vacuous)", async () => {
    const [receipt, batch] = [CIRCUITS.find((c) => c.name === "receipt")!, CIRCUITS.find((c) => c.name === "batch_receipt")!]; // prettier-ignore
    const out = mkdtempSync(join(tmpdir(), "aitbc-setup-mismatch-"));
    try {
      const { r1csPath } = compileCircuit(batch, out);
      const wrongZkey = join(REPO_ROOT, "circuits", "artifacts", receipt.name, `${receipt.name}.zkey`);
      const verified = await verifyZkey(r1csPath, join(REPO_ROOT, PTAU_FILE), wrongZkey);
      expect(verified.ok).to.equal(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
