// Builds the package: copies the run-time assets it ships (deployments/<chainId>.json and the
// circuit artifacts the zk module loads) from the repository, then compiles src/ to ESM + .d.ts in
// dist/. Run by `npm run build -w sdk` and by `npm pack` (prepack).
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const sdk = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(sdk, "..");

rmSync(join(sdk, "dist"), { recursive: true, force: true });
rmSync(join(sdk, "deployments"), { recursive: true, force: true });
rmSync(join(sdk, "artifacts"), { recursive: true, force: true });

mkdirSync(join(sdk, "deployments"));
for (const file of readdirSync(join(repo, "deployments"))) {
  if (file.endsWith(".json")) copyFileSync(join(repo, "deployments", file), join(sdk, "deployments", file));
}
for (const circuit of ["receipt", "batch_receipt", "inference"]) {
  const from = join(repo, "circuits", "artifacts", circuit);
  const to = join(sdk, "artifacts", circuit);
  mkdirSync(to, { recursive: true });
  for (const file of [`${circuit}.wasm`, `${circuit}.zkey`, "verification_key.json", "manifest.json"]) {
    if (!existsSync(join(from, file))) throw new Error(`missing circuit artifact ${join(from, file)}`);
    copyFileSync(join(from, file), join(to, file));
  }
}

const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
execFileSync(process.execPath, [tsc, "-p", join(sdk, "tsconfig.build.json")], { stdio: "inherit" });

// The ambient declarations of snarkjs / circom_runtime (which ship no types) go with the package.
mkdirSync(join(sdk, "dist", "types"), { recursive: true });
const references = [];
for (const file of readdirSync(join(sdk, "src", "types"))) {
  copyFileSync(join(sdk, "src", "types", file), join(sdk, "dist", "types", file));
  references.push(`/// <reference path="./types/${file}" />`);
}
const index = join(sdk, "dist", "index.d.ts");
writeFileSync(index, `${references.join("\n")}\n${readFileSync(index, "utf8")}`);
console.log("built @aitbc/sdk into sdk/dist");
