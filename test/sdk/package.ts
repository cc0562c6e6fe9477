/**
 * The packed package works outside this repository: `npm pack` the SDK, install the tarball into an
 * empty folder, start a JSON-RPC chain (`hardhat node`), deploy the token, and run a plain Node ESM
 * script that imports `@aitbc/sdk` and reads the chain through viem; it also proves and verifies a
 * receipt with the circuit artifacts shipped in the package, and a strict TypeScript consumer
 * type-checks against the shipped `.d.ts`.
 */
import { expect } from "chai";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createPublicClient, createWalletClient, http, type Hex } from "viem";

const repo = process.cwd();
const nodeBin = dirname(process.execPath);
const env = {
  ...process.env,
  PATH: `${nodeBin}:${join(repo, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
};
const AITBC = 10n ** 18n;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

async function waitForRpc(url: string, node: ChildProcess, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("hardhat node did not start");
}

/** A TypeScript consumer: the shipped .d.ts must type-check strictly (skipLibCheck off). */
const TYPED = `
import { createPublicClient, http } from "viem";
import { getDeployment, getVotingPower, rankOffers, type GetVotingPowerReturnType } from "@aitbc/sdk";
const client = createPublicClient({ transport: http("http://127.0.0.1:1") });
const { contracts } = getDeployment(31337);
const p: GetVotingPowerReturnType = await getVotingPower(client, { contracts, account: "0x0000000000000000000000000000000000000001" });
const power: bigint = p.power;
console.log(power, rankOffers([]).length);
// @ts-expect-error the account must be an address string
void getVotingPower(client, { contracts, account: 5 });
`;

const SCRIPT = `
import { createPublicClient, http } from "viem";
import {
  getDeployment, getTotalSupply, getVotingPower, InvalidAddressError, circuitArtifacts,
  proveReceipt, verifyReceipt, identityCommitment, releaseProverResources,
} from "@aitbc/sdk";

const client = createPublicClient({ transport: http(process.env.RPC_URL) });
const shipped = getDeployment(31337);
const contracts = { ...shipped.contracts, AITBCToken: process.env.TOKEN };
const supply = await getTotalSupply(client, { contracts });
const power = await getVotingPower(client, { contracts, account: process.env.VOTER });
let validation;
try { await getVotingPower(client, { contracts, account: "0xnope" }); } catch (e) { validation = e instanceof InvalidAddressError ? e.name : String(e); }
const job = { chainId: 31337n, escrow: "0x" + "44".repeat(20), jobId: 1n, modelDigest: "0x" + "11".repeat(32), promptHash: "0x" + "22".repeat(32),
  outputHash: "0x" + "33".repeat(32), tokenCount: 5n, pricePerToken: 7n };
const receipt = await proveReceipt(42n, job);
const verified = await verifyReceipt(receipt.proof, job, identityCommitment(42n), receipt.nullifier);
await releaseProverResources();
console.log(JSON.stringify({
  supply: supply.toString(),
  power: Object.fromEntries(Object.entries(power).map(([k, v]) => [k, v.toString()])),
  shippedGovernor: shipped.contracts.OpenClawGovernor,
  artifactsInPackage: circuitArtifacts("receipt").wasm.includes("node_modules"),
  validation,
  verified,
}));
`;

describe("sdk: the packed tarball", function () {
  it("installs into an empty folder and a plain Node ESM script talks to a running chain", async function () {
    const tmp = mkdtempSync(join(tmpdir(), "aitbc-sdk-pack-"));
    let node: ChildProcess | undefined;
    try {
      execFileSync("npm", ["pack", "--pack-destination", tmp], {
        cwd: join(repo, "sdk"),
        env,
        stdio: "pipe",
      });
      const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
      expect(tarball, "npm pack produced no tarball").to.not.equal(undefined);
      const app = join(tmp, "app");
      execFileSync("mkdir", [app]);
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({ name: "app", private: true, type: "module" }),
      );
      // @types/node as a Node app has it: the SDK's x402 types (and @x402/core's own) name node:http and Buffer.
      execFileSync(
        "npm",
        [
          "install",
          "--no-audit",
          "--no-fund",
          "--prefer-offline",
          join(tmp, tarball!),
          "@types/node@22.20.5",
        ],
        {
          cwd: app,
          env,
          stdio: "pipe",
        },
      );
      writeFileSync(join(app, "script.mjs"), SCRIPT);
      writeFileSync(join(app, "typed.ts"), TYPED);
      writeFileSync(
        join(app, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2023",
            module: "nodenext",
            moduleResolution: "nodenext",
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            types: ["node"],
          },
          files: ["typed.ts"],
        }),
      );
      execFileSync(
        process.execPath,
        [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
        {
          cwd: app,
          env,
          stdio: "pipe",
        },
      );

      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      node = spawn(
        process.execPath,
        [join(repo, "node_modules", "hardhat", "dist", "src", "cli.js"), "node", "--port", String(port)],
        {
          cwd: repo,
          env,
          stdio: "ignore",
          detached: true,
        },
      );
      await waitForRpc(url, node, 5 * 60_000);

      // Deploy the real token on that chain, delegate, and let counted power vest (8 days).
      const transport = http(url);
      const publicClient = createPublicClient({ transport, pollingInterval: 50 });
      const [treasury, distributor, contributor, voter] = await createWalletClient({
        transport,
      }).getAddresses();
      const artifact = JSON.parse(
        readFileSync(join(repo, "artifacts/contracts/token/AITBCToken.sol/AITBCToken.json"), "utf8"),
      ) as { abi: readonly unknown[]; bytecode: Hex };
      const wallet = createWalletClient({ account: treasury!, transport, pollingInterval: 50 });
      const { aitbcTokenAbi } = await import("../../sdk/src/abis/aitbcToken.js");
      const deployHash = await wallet.deployContract({
        abi: aitbcTokenAbi,
        bytecode: artifact.bytecode,
        args: [
          treasury!,
          distributor!,
          distributor!,
          distributor!,
          [contributor!],
          [100_000_000n * AITBC],
          { votingPowerCapBps: 500n, shortAverageWindow: 86_400n, longAverageWindow: 604_800n },
        ],
        chain: null,
      });
      const token = (await publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
      const fromDistributor = createWalletClient({ account: distributor!, transport, pollingInterval: 50 });
      await publicClient.waitForTransactionReceipt({
        hash: await fromDistributor.writeContract({
          address: token,
          abi: aitbcTokenAbi,
          functionName: "transfer",
          args: [voter!, 1_000_000n * AITBC],
          chain: null,
        }),
      });
      const fromVoter = createWalletClient({ account: voter!, transport, pollingInterval: 50 });
      await publicClient.waitForTransactionReceipt({
        hash: await fromVoter.writeContract({
          address: token,
          abi: aitbcTokenAbi,
          functionName: "delegate",
          args: [voter!],
          chain: null,
        }),
      });
      await publicClient.request({ method: "evm_increaseTime" as never, params: [8 * 24 * 3600] as never });
      await publicClient.request({ method: "evm_mine" as never, params: [] as never });

      const out = execFileSync(process.execPath, ["script.mjs"], {
        cwd: app,
        env: { ...env, RPC_URL: url, TOKEN: token, VOTER: voter! },
        encoding: "utf8",
      });
      console.log(`      packed-tarball script printed: ${out.trim()}`);
      const result = JSON.parse(out.trim().split("\n").at(-1)!) as {
        supply: string;
        power: Record<string, string>;
        shippedGovernor: string;
        artifactsInPackage: boolean;
        validation: string;
        verified: boolean;
      };
      expect(result.supply).to.equal((1_000_000_000n * AITBC).toString());
      expect(result.power.votes).to.equal((1_000_000n * AITBC).toString());
      expect(result.power.power).to.equal((1_000_000n * AITBC).toString());
      expect(result.shippedGovernor).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(result.artifactsInPackage).to.equal(true);
      expect(result.validation).to.equal("InvalidAddressError");
      expect(result.verified).to.equal(true);
    } finally {
      if (node?.pid !== undefined && node.exitCode === null) {
        try {
          process.kill(-node.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
