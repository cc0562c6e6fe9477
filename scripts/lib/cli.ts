/** Shared command-line plumbing of the miner, coordinator and gateway programs. */
import { readFileSync } from "node:fs";

import { Option, type Command } from "commander";

import { BaseError, createPublicClient, http, keccak256, stringToHex } from "viem";

import { BN254_FIELD_MODULUS, type AitbcContracts } from "@aitbc/sdk";
import { readDeployment } from "./deployments.js";
import { BuiltinBackend, OllamaBackend, type InferenceBackend } from "../../node/backends/backend.js";
import { parseHttpUrl } from "./options.js";

export interface ChainFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
}

/**
 * Adds the chain flags every program takes — `--rpc-url` (env `AITBC_RPC_URL`, default
 * `http://127.0.0.1:8545`, a `hardhat node`), `--private-key` (env `AITBC_PRIVATE_KEY`: `0x` + 64 hex
 * digits, checked by each program at start) and `--deployment` (env `AITBC_DEPLOYMENT`; default
 * `deployments/<chainId>.json`) — and returns the command.
 *
 * @param command The program's command.
 * @param account What the key's account is for, shown in `--help` (e.g. "provider account key").
 */
export function withChainOptions(command: Command, account: string): Command {
  return (
    command
      .addOption(
        new Option("--rpc-url <url>", "JSON-RPC endpoint")
          .env("AITBC_RPC_URL")
          .argParser(parseHttpUrl)
          .default("http://127.0.0.1:8545"),
      )
      // Checked by the program, not by commander: commander's error line would repeat the value.
      .addOption(new Option("--private-key <hex>", account).env("AITBC_PRIVATE_KEY"))
      .addOption(
        new Option("--deployment <file>", "deployments JSON (default deployments/<chainId>.json)").env(
          "AITBC_DEPLOYMENT",
        ),
      )
  );
}

/** The contract addresses of `--deployment <file>` or `deployments/<chainId>.json`, by name. */
export async function deploymentContracts(flags: ChainFlags): Promise<AitbcContracts> {
  if (flags.deployment) {
    return (JSON.parse(readFileSync(flags.deployment, "utf8")) as { contracts: AitbcContracts }).contracts;
  }
  const chainId = await createPublicClient({ transport: http(flags.rpcUrl) }).getChainId();
  return (await readDeployment(chainId)).contracts as AitbcContracts;
}

/** The identity secret: given, or derived from the private key (keccak256, reduced into the field). */
export function identitySecret(given: bigint | undefined, privateKey: string | undefined): bigint {
  if (given !== undefined) return given;
  if (!privateKey) throw new Error("an identity secret or a private key is required");
  return (BigInt(keccak256(stringToHex(`aitbc identity ${privateKey}`))) % (BN254_FIELD_MODULUS - 1n)) + 1n;
}

/** The inference backend the flags name (`--backend`, `--ollama-host`, `--timeout-ms` in ms). */
export function backendFromFlags(flags: {
  backend: string;
  ollamaHost?: string;
  timeoutMs?: number;
}): InferenceBackend {
  if (flags.backend === "builtin") return new BuiltinBackend();
  if (flags.backend === "ollama") {
    return new OllamaBackend({ host: flags.ollamaHost, timeoutMs: flags.timeoutMs });
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

/**
 * The one line a program prints when it cannot start: a port in use names the address and the flag
 * to change, a viem error gives its short message (e.g. "HTTP request failed." and the URL), any
 * other error its first line. Never a stack trace: start-up failures are the user's to fix.
 */
export function startupErrorMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === "EADDRINUSE") return `${e.address}:${e.port} is already in use: choose another --port, or stop the program listening there`; // prettier-ignore
  if (e?.code === "EACCES") return `no permission to listen on ${e.address}:${e.port}: choose a port above 1023 with --port`; // prettier-ignore
  if (error instanceof BaseError) {
    const url = (error as BaseError & { url?: string }).url ?? error.walk((x) => "url" in (x as object))?.["url" as never]; // prettier-ignore
    return `${error.shortMessage}${url ? ` (${String(url)})` : ""}`;
  }
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}
