import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/**
 * Solidity compiler: the WASM build shipped in the npm `solc` package, so nothing is downloaded at
 * build time (Hardhat 3 cannot download solc on machines without general internet access).
 */
const solc = {
  version: "0.8.30",
  path: require.resolve("solc/soljson.js"),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "prague",
  },
} as const;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    profiles: {
      default: solc,
      production: solc,
    },
    // Contracts deployed from npm packages by Ignition modules and tests (no wrapper files needed).
    npmFilesToBuild: [
      "@openzeppelin/contracts/finance/VestingWallet.sol",
      "@openzeppelin/contracts/governance/TimelockController.sol",
      "@safe-global/safe-smart-account/contracts/Safe.sol",
      "@safe-global/safe-smart-account/contracts/proxies/SafeProxyFactory.sol",
      "@safe-global/safe-smart-account/contracts/handler/CompatibilityFallbackHandler.sol",
      // Safe 1.5 libraries that Safe's protocol-kit needs on the chain (deployed with the council).
      "@safe-global/safe-smart-account/contracts/libraries/MultiSend.sol",
      "@safe-global/safe-smart-account/contracts/libraries/MultiSendCallOnly.sol",
      "@safe-global/safe-smart-account/contracts/libraries/SignMessageLib.sol",
      "@safe-global/safe-smart-account/contracts/libraries/CreateCall.sol",
      "@safe-global/safe-smart-account/contracts/accessors/SimulateTxAccessor.sol",
      "@account-abstraction/contracts/core/EntryPoint.sol",
    ],
  },
  paths: {
    ignition: "deploy",
    tests: {
      mocha: "test",
      solidity: "test",
    },
  },
  test: {
    mocha: {
      // One generous bound against a hung test, the same on every machine; no test relies on it
      // for its result (tests wait for the events they need, however busy the 2 cores are).
      timeout: 15 * 60_000,
      rootHooks: {
        // snarkjs proves with worker threads that keep Node alive; stop them once every test file
        // has run, so no test file has to remember it (a forgotten release hangs the run).
        async afterAll() {
          const { releaseProverResources } = await import("./sdk/src/zk/proof.js");
          await releaseProverResources();
          // A handle some test left open (a viem poll, a retry loop) would keep this process alive
          // after the last summary line, and CI would wait for it until its time limit (seen:
          // stop 23). Give the process 60 s to end by itself after Hardhat's summary, then name
          // what was still open and exit with the suite's own result. The timer is unref'd: a
          // clean run exits before it fires.
          setTimeout(() => {
            const open = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
            console.error(`[test] still open 60 s after the suite ended: ${open.join(", ")}; exiting with the suite's result`); // prettier-ignore
            process.exit(process.exitCode ?? 0);
          }, 60_000).unref();
        },
      },
    },
    solidity: {
      profiles: {
        // `npm test` (and CI): 256 fuzz runs; 64 random sequences of 50 calls per invariant — broad
        // enough to mix every handler action, small enough to keep the suite within minutes on 2 cores.
        default: {
          fuzz: { runs: 256 },
          invariant: { runs: 64, depth: 50, failOnRevert: true },
        },
        // `npm run fuzz`: the deep setting of the security issue — 10,000 runs per fuzz test and
        // 1,000 sequences of 100 calls (100,000 calls) per invariant. Minutes, not part of `npm test`.
        deep: {
          fuzz: { runs: 10_000 },
          invariant: { runs: 1_000, depth: 100, failOnRevert: true },
        },
      },
    },
  },
  networks: {
    /** The embedded chain: Hardhat's in-process EVM (EDR), the default for every command. */
    default: {
      type: "edr-simulated",
      chainType: "l1",
    },
    /**
     * A `hardhat node` running on this machine (`npm run node`); its unlocked accounts sign.
     * AITBC_LOCALHOST_URL points it at another port (the process test starts a node on a free one).
     */
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.AITBC_LOCALHOST_URL ?? "http://127.0.0.1:8545",
    },
    /** Any EVM chain: set AITBC_RPC_URL and AITBC_PRIVATE_KEY (env or hardhat-keystore). */
    rpc: {
      type: "http",
      chainType: "l1",
      url: configVariable("AITBC_RPC_URL"),
      accounts: [configVariable("AITBC_PRIVATE_KEY")],
    },
  },
});
