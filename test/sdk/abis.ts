import { expect } from "chai";
import { readFileSync } from "node:fs";

import * as abis from "../../sdk/src/abis/index.js";
import { ABI_SOURCES, abiFileName } from "../../sdk/scripts/abi-sources.js";

describe("sdk: generated ABIs", function () {
  for (const [name, artifact] of Object.entries(ABI_SOURCES)) {
    it(`${name} matches the compiled artifact`, function () {
      const compiled = (JSON.parse(readFileSync(`artifacts/${artifact}`, "utf8")) as { abi: unknown }).abi;
      const shipped = (abis as Record<string, unknown>)[`${abiFileName(name)}Abi`];
      expect(shipped, `sdk/src/abis is missing ${name}: run npm run sdk:abis`).to.not.equal(undefined);
      expect(
        JSON.stringify(shipped),
        `the ABI of ${name} drifted from its artifact: run npm run sdk:abis`,
      ).to.equal(JSON.stringify(compiled));
    });
  }
});
