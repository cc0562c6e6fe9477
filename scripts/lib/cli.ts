/** Shared command-line plumbing of the miner, coordinator and gateway programs. */
import { readFileSync } from "node:fs";

import type { Command } from "commander";

import { createPublicClient, http, keccak256, stringToHex, type Address } from "viem";

import { BN254_FIELD_MODULUS, type Hex } from "../../sdk/src/zk/field.js";
import { ChainAdapter, type MarketAddresses } from "./chain.js";
import { readDeployment } from "./deployments.js";
import { BuiltinBackend, OllamaBackend, type InferenceBackend } from "./ollama/backend.js";

export interface ChainFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
}

/**
 * Adds the chain flags every program takes — `--rpc-url` (env `AITBC_RPC_URL`, default
 * `http://127.0.0.1:8545`, a `hardhat node`), `--private-key` (env `AITBC_PRIVATE_KEY`, read by
 * {@link chainFromFlags}) and `--deployment` (env `AITBC_DEPLOYMENT`; default
 * `deployments/<chainId>.json`) — and returns the command.
 *
 * @param command The program's command.
 * @param account What the key's account is for, shown in `--help` (e.g. "provider account key").
 */
export function withChainOptions(command: Command, account: string): Command {
  const env = process.env;
  return command
    .option(
      "--rpc-url <url>",
      "JSON-RPC endpoint (AITBC_RPC_URL)",
      env.AITBC_RPC_URL ?? "http://127.0.0.1:8545",
    )
    .option("--private-key <hex>", `${account} (AITBC_PRIVATE_KEY)`)
    .option(
      "--deployment <file>",
      "deployments JSON (default deployments/<chainId>.json)",
      env.AITBC_DEPLOYMENT,
    );
}

/** Market addresses from `--deployment <file>` or `deployments/<chainId>.json`. */
export async function marketAddresses(flags: ChainFlags): Promise<MarketAddresses> {
  let contracts: Record<string, string>;
  if (flags.deployment) {
    contracts = (JSON.parse(readFileSync(flags.deployment, "utf8")) as { contracts: Record<string, string> })
      .contracts;
  } else {
    const chainId = await createPublicClient({ transport: http(flags.rpcUrl) }).getChainId();
    contracts = (await readDeployment(chainId)).contracts;
  }
  const pick = (name: string) => {
    const a = contracts[name];
    if (!a)
      throw new Error(
        `no ${name} address in the deployment (deploy the market first, or pass --deployment <file>)`,
      );
    return a as Address;
  };
  return { token: pick("AITBCToken"), staking: pick("GPUStaking"), escrow: pick("JobEscrow"), reputation: pick("ReputationRegistry") }; // prettier-ignore
}

export async function chainFromFlags(flags: ChainFlags): Promise<ChainAdapter> {
  const key = flags.privateKey ?? process.env.AITBC_PRIVATE_KEY;
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new Error("a private key is required: --private-key 0x… or AITBC_PRIVATE_KEY");
  return new ChainAdapter({
    rpc: flags.rpcUrl,
    account: key as Hex,
    addresses: await marketAddresses(flags),
  });
}

/** The identity secret: given, or derived from the private key (keccak256, reduced into the field). */
export function identitySecret(given: string | undefined, privateKey: string | undefined): bigint {
  if (given) return BigInt(given);
  if (!privateKey) throw new Error("an identity secret or a private key is required");
  return (BigInt(keccak256(stringToHex(`aitbc identity ${privateKey}`))) % (BN254_FIELD_MODULUS - 1n)) + 1n;
}

export function backendFromFlags(flags: {
  backend: string;
  ollamaHost?: string;
  timeoutMs?: string;
}): InferenceBackend {
  if (flags.backend === "builtin") return new BuiltinBackend();
  if (flags.backend === "ollama") {
    return new OllamaBackend({
      host: flags.ollamaHost,
      timeoutMs: flags.timeoutMs ? Number(flags.timeoutMs) : undefined,
    });
  }
  throw new Error(`unknown backend '${flags.backend}' (ollama or builtin)`);
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits. */
export function onShutdown(stop: () => Promise<void>, log = console.log): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down cleanly (finishing the current step of running jobs) …`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => handler("SIGINT"));
  process.on("SIGTERM", () => handler("SIGTERM"));
}

/** True when `metaUrl` is the program node was started with. */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && new URL(metaUrl).pathname === new URL(`file://${entry}`).pathname;
}
