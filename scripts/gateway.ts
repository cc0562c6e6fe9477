/**
 * The gateway program: an Ollama-compatible HTTP server backed by the AITBC network. It finds the
 * providers on-chain (their `ServiceRegistry` URIs) and talks to them directly.
 *
 *   node --import tsx scripts/gateway.ts --rpc-url http://127.0.0.1:8545 --private-key 0x<agent key> \
 *     --agent-wallet 0x<wallet> --port 11435
 *   OLLAMA_HOST=http://127.0.0.1:11435 ollama run aitbc-topic:builtin "will it rain tomorrow"
 *
 * With `--local-ollama http://127.0.0.1:11434` the gateway is a hybrid router: models that Ollama has
 * pulled and that fit the 8 GB rule (and the local timeout) run there, without a job; others go to the
 * network. Each answer says which (`aitbc.route`, header `x-aitbc-route`).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { createPublicClient, createWalletClient, defineChain, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import type { AitbcContracts } from "@aitbc/sdk";
import { deploymentContracts, isMain, onShutdown, startupErrorMessage, withChainOptions } from "./lib/cli.js";
import { allowsBatchSignatures, assertAgentWallet } from "../node/gateway/agent-wallet.js";
import type { NamedModel } from "../node/gateway/models.js";
import { startGateway, type Gateway } from "../node/gateway/server.js";
import { parseArchivePath } from "../node/miner/archive-flags.js";
import { aitbcAmount, integerIn, parseAddress, parseHttpUrl, parsePort, parsePrivateKey } from "./lib/options.js"; // prettier-ignore

/** The gateway's flags as parsed (and checked) by {@link gatewayCommand}. */
export interface GatewayFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  agentWallet?: Address;
  host: string;
  port: number;
  /** The most paid per token, wei of AITBC. */
  price: bigint;
  maxTokens: number;
  /** Milliseconds. */
  timeoutMs: number;
  /** Milliseconds. */
  pollMs: number;
  /** wei of AITBC added to the BatchEscrow deposit at a time; 0 = no batch requests (quote path only). */
  batchTopUp: bigint;
  /** The consumer's job archive, a SQLite file (served on the gateway's port under /v1/jobs/). */
  archiveDb: string;
  /** The gateway's jobs in flight, a SQLite file (resumed after a restart). */
  stateDb: string;
  /** `name=0x<digest>` of models beyond the built-in one. */
  model: NamedModel[];
  /** The hybrid router's local Ollama (an http(s) URL); absent: every generation goes to the network. */
  localOllama?: string;
  /** An x402 facilitator's URL: clients pay each request over x402 (see node/gateway/x402.ts). */
  facilitator?: string;
  /** Who the x402 payments go to (default: the paying wallet or account). */
  payTo?: Address;
}

/** `name=0x<64 hex>` → a named model (repeatable flag). */
function parseModel(value: string, previous: NamedModel[] = []): NamedModel[] {
  const m = /^(.+)=(0x[0-9a-fA-F]{64})$/.exec(value);
  if (!m) throw new InvalidArgumentError("expected name=0x<64 hex digits>.");
  return [...previous, { name: m[1]!, digest: m[2] as Hex }];
}

/** The chain's clients for the paying key. */
async function clientsFromFlags(flags: GatewayFlags) {
  if (!flags.privateKey) throw new Error("a private key is required: --private-key 0x… or AITBC_PRIVATE_KEY");
  const account = privateKeyToAccount(
    parsePrivateKey(flags.privateKey, "--private-key (or AITBC_PRIVATE_KEY)"),
  );
  const probe = createPublicClient({ transport: http(flags.rpcUrl) });
  const id = await probe.getChainId();
  const chain = defineChain({ id, name: `chain ${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [flags.rpcUrl] } } }); // prettier-ignore
  const transport = http(flags.rpcUrl);
  return {
    publicClient: createPublicClient({ chain, transport, pollingInterval: flags.pollMs }),
    walletClient: createWalletClient({ account, chain, transport }),
  };
}

/**
 * Starts the gateway from parsed flags, after checking that `--agent-wallet` (if given) is an
 * AgentWallet the key may pay from, so nothing is served that would fail to pay.
 */
export async function startGatewayFromFlags(flags: GatewayFlags): Promise<Gateway> {
  const { publicClient, walletClient } = await clientsFromFlags(flags);
  const contracts = (await deploymentContracts(flags)) as AitbcContracts;
  const key = walletClient.account.address;
  if (flags.agentWallet)
    await assertAgentWallet(publicClient, key, flags.agentWallet, contracts.AgentWalletFactory);
  let batching = flags.batchTopUp > 0n && contracts.BatchEscrow !== undefined;
  let note: string | undefined; // said once the gateway serves (a failed start stays one line)
  if (
    batching &&
    flags.agentWallet &&
    !(await allowsBatchSignatures(publicClient, flags.agentWallet, contracts.BatchEscrow!))
  ) {
    // prettier-ignore
    batching = false;
    note = `[gateway] quote path only: the AgentWallet ${flags.agentWallet} does not accept its agent key's signatures towards BatchEscrow ${contracts.BatchEscrow} (its owner enables batch requests with setSignatureVerifier(${contracts.BatchEscrow}, true))`; // prettier-ignore
  }
  const gateway = await startGateway({
    publicClient, walletClient, contracts,
    ...(flags.agentWallet ? { agentWallet: flags.agentWallet } : {}),
    pricePerToken: flags.price,
    defaultMaxTokens: flags.maxTokens,
    resultTimeoutMs: flags.timeoutMs,
    pollingIntervalMs: flags.pollMs,
    host: flags.host,
    port: flags.port,
    archivePath: flags.archiveDb,
    statePath: flags.stateDb,
    models: flags.model,
    ...(flags.localOllama ? { localOllama: { host: flags.localOllama } } : {}),
    ...(batching ? { batch: { topUp: flags.batchTopUp } } : {}),
    ...(flags.facilitator ? { x402: { facilitator: flags.facilitator, ...(flags.payTo ? { payTo: flags.payTo } : {}) } } : {}),
  }); // prettier-ignore
  if (note) console.log(note);
  if (flags.facilitator) console.log(`[gateway] x402: each request is paid by its client (at most max tokens × --price, in AITBC, to ${flags.payTo ?? flags.agentWallet ?? key}), verified and settled by the facilitator at ${flags.facilitator} before any job is placed`); // prettier-ignore
  if (flags.localOllama) console.log(`[gateway] hybrid router: models pulled in the local Ollama at ${flags.localOllama} that fit the 8 GB rule run there, without a job`); // prettier-ignore
  const providers = gateway.directory.list().length;
  console.log(`[gateway] state ${flags.stateDb}; job archive ${flags.archiveDb}, served at ${gateway.url}/v1/jobs/<jobKey>/payload|output|request`); // prettier-ignore
  console.log(`[gateway] Ollama API at ${gateway.url}; ${providers} provider(s) on-chain; paying from ${flags.agentWallet ?? key}${batching ? `; jobs as batch requests (deposit top-up ${flags.batchTopUp} wei)` : ""}`); // prettier-ignore
  return gateway;
}

/** The gateway's command line: every flag is checked when parsed. */
export function gatewayCommand(): Command {
  const option = (flags: string, what: string, env: string) => new Option(flags, what).env(env);
  return withChainOptions(
    new Command().name("gateway").description("Ollama-compatible HTTP gateway: each request becomes a paid, proved job on the AITBC network, placed directly with a provider found on-chain"), // prettier-ignore
    "the agent key of the paying wallet, or a funded account",
  )
    .addOption(option("--agent-wallet <address>", "AgentWallet that pays", "AITBC_AGENT_WALLET").argParser(parseAddress)) // prettier-ignore
    .addOption(option("--host <host>", "listen address", "AITBC_GATEWAY_HOST").default("127.0.0.1"))
    .addOption(option("--port <port>", "listen port", "AITBC_GATEWAY_PORT").argParser(parsePort).default(11_435))
    .addOption(option("--price <aitbc>", "the most paid per token, AITBC", "AITBC_PRICE").argParser(aitbcAmount(true)).default(10n ** 15n, "0.001")) // prettier-ignore
    .addOption(new Option("--max-tokens <n>", "default num_predict").argParser(integerIn(1)).default(256))
    .addOption(new Option("--timeout-ms <ms>", "how long to wait for an accepted job's answer").argParser(integerIn(1)).default(120_000)) // prettier-ignore
    .addOption(option("--poll-ms <ms>", "chain poll interval (providers, settlements)", "AITBC_POLL_MS").argParser(integerIn(1)).default(1_000)) // prettier-ignore
    .addOption(option("--model <name=digest>", "an Ollama model the gateway routes by name (repeatable; the built-in model is always known)", "AITBC_GATEWAY_MODEL").argParser(parseModel).default([], "none")) // prettier-ignore
    .addOption(option("--facilitator <url>", "sell each request over x402 (HTTP 402): an x402 facilitator's URL (npm run facilitator)", "AITBC_FACILITATOR").argParser(parseHttpUrl)) // prettier-ignore
    .addOption(option("--pay-to <address>", "who x402 payments go to (default: the paying wallet or account)", "AITBC_PAY_TO").argParser(parseAddress)) // prettier-ignore
    .addOption(option("--local-ollama <url>", "a local Ollama: models it has pulled that fit the 8 GB rule run there without a job (hybrid router); others go to the network", "AITBC_LOCAL_OLLAMA").argParser(parseHttpUrl)) // prettier-ignore
    .addOption(option("--archive-db <path>", "SQLite file of the consumer's job archive (payloads, outputs, signed requests kept for the challenge window)", "AITBC_ARCHIVE_DB").argParser(parseArchivePath).default("gateway-archive.sqlite")) // prettier-ignore
    .addOption(option("--state-db <path>", "SQLite file of the gateway's jobs in flight (resumed after a restart)", "AITBC_GATEWAY_STATE_DB").argParser(parseArchivePath).default("gateway-state.sqlite")) // prettier-ignore
    .addOption(option("--batch-top-up <aitbc>", "AITBC added to the BatchEscrow deposit at a time (jobs as signed batch requests when the deployment has a BatchEscrow); 0 = quote path only", "AITBC_BATCH_TOP_UP").argParser(aitbcAmount(true)).default(100n * 10n ** 18n, "100")); // prettier-ignore
}

if (isMain(import.meta.url)) {
  const flags = gatewayCommand().parse().opts<GatewayFlags>();
  startGatewayFromFlags(flags).then(
    (gateway) => onShutdown(() => gateway.close()),
    (error: unknown) => {
      console.error(`[gateway] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
