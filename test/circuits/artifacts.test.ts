import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import * as snarkjs from "snarkjs";

import {
  CIRCUITS,
  REPO_ROOT,
  compileCircuit,
  renameVerifier,
  sha256File,
  sourceHashes,
  type CircuitManifest,
} from "../../circuits/pipeline.js";
import { releaseProverResources } from "../../sdk/src/zk/proof.js";

const REBUILD = "run `npm run circuits:build` and commit the regenerated artifacts";

describe("committed circuit artifacts match the circuit sources", function () {
  after(releaseProverResources);

  for (const circuit of CIRCUITS) {
    describe(circuit.name, () => {
      const dir = join(REPO_ROOT, "circuits", "artifacts", circuit.name);
      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as CircuitManifest;

      it("sources are the ones the artifacts were built from", () => {
        expect(sourceHashes(), `circuit sources changed since the last build: ${REBUILD}`).to.deep.equal(
          manifest.sources,
        );
      });

      it("recompiling with circom2 gives the recorded r1cs and witness generator", () => {
        const out = mkdtempSync(join(tmpdir(), `aitbc-${circuit.name}-`));
        try {
          const compiled = compileCircuit(circuit, out);
          expect(sha256File(compiled.r1csPath), `r1cs differs from the manifest: ${REBUILD}`).to.equal(
            manifest.r1csSha256,
          );
          expect(sha256File(compiled.wasmPath), `witness generator differs: ${REBUILD}`).to.equal(
            manifest.wasmSha256,
          );
          expect(compiled.constraints).to.equal(manifest.constraints);
        } finally {
          rmSync(out, { recursive: true, force: true });
        }
      });

      it("committed wasm, zkey, verification key and verifier are the recorded ones", () => {
        const files: [string, string][] = [
          [join(dir, `${circuit.name}.wasm`), manifest.wasmSha256],
          [join(dir, `${circuit.name}.zkey`), manifest.zkeySha256],
          [join(dir, "verification_key.json"), manifest.verificationKeySha256],
          [join(REPO_ROOT, "contracts", "verifiers", `${circuit.contract}.sol`), manifest.verifierSha256],
        ];
        for (const [path, expected] of files) {
          expect(sha256File(path), `${path} does not match manifest.json: ${REBUILD}`).to.equal(expected);
        }
      });

      it("the verification key and the Solidity verifier come from the committed proving key", async () => {
        const zkey = join(dir, `${circuit.name}.zkey`);
        const fromZkey = await snarkjs.zKey.exportVerificationKey(zkey);
        const committed = JSON.parse(readFileSync(join(dir, "verification_key.json"), "utf8")) as unknown;
        expect(JSON.parse(JSON.stringify(fromZkey))).to.deep.equal(committed, REBUILD);
        const templates = {
          groth16: readFileSync(
            join(REPO_ROOT, "node_modules", "snarkjs", "templates", "verifier_groth16.sol.ejs"),
            "utf8",
          ),
        };
        const solidity = await snarkjs.zKey.exportSolidityVerifier(zkey, templates);
        const verifier = readFileSync(
          join(REPO_ROOT, "contracts", "verifiers", `${circuit.contract}.sol`),
          "utf8",
        );
        expect(
          renameVerifier(solidity, circuit) === verifier,
          `generated verifier was edited: ${REBUILD}`,
        ).to.equal(true);
        expect(manifest.ptau.power).to.be.at.least(
          Math.ceil(Math.log2(manifest.constraints + manifest.publicSignals + 1)),
        );
      });
    });
  }
});
