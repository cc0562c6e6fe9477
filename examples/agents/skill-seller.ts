/**
 * Example agent that SELLS a skill per call over x402, on the SDK and the node's seller.
 *
 *   npm run agent:seller -- --rpc http://127.0.0.1:8545 --facilitator http://127.0.0.1:4022 \
 *     --skill summarize --price 0.01 --port 4021 --ledger skill-seller.sqlite   # key in AITBC_PRIVATE_KEY
 *
 * What it does, in order:
 * 1. reads the deployment (`deployments/<chainId>.json`, or `--deployment <file>`): the AITBC token and
 *    the AgentIdentityRegistry;
 * 2. serves the skill with node/agents/seller.ts (`POST /skills/<name>`, `GET /skills`, `GET /health`)
 *    behind x402 (node/agents/x402.ts on the SDK's `createX402Paywall`, verified and settled by the
 *    facilitator at `--facilitator`), each paid call recorded in the SQLite ledger `--ledger`;
 * 3. publishes its identity and the skill in the AgentIdentityRegistry (ERC-8004 style): the agent URI
 *    is its `GET /skills` catalogue, the skill's endpoint is its URL (`--public-url`, default
 *    `http://<host>:<port>`) and its execution is local. A key that already owns an agent (bound to its
 *    address) updates that agent's skill and URI instead of registering a second one, so its trust
 *    score (the reputation of its address) stays with it;
 * 4. logs one line per paid call: payer, amount, settlement transaction.
 *
 * The skill is a small, deterministic local handler — an extractive summary ({@link summarize}): the
 * text's first sentence, its word and sentence counts and its five most frequent words. It needs no
 * model, so the example runs anywhere; a real agent registers an Ollama-backed skill or an offload to
 * the network (node/agents/offload.ts) the same way.
 *
 * The seller's key pays gas for the registry writes; it receives the x402 payments (`payTo`).
 * Start-up mistakes (no --rpc, no or a malformed key, a bad price or port, a deployment without the
 * registry, an unreachable chain) print one line and exit 1.
 */
import { Command, Option } from "commander";
import {
  createPublicClient,
  createWalletClient,
  http,
  type Address,
  type Hex,
  type LocalAccount,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  agentIdentityRegistryAbi,
  createX402Paywall,
  encodeSkill,
  registerAgent,
  SkillRouter,
  toAgentSkill,
  x402Network,
  type AitbcContracts,
  type CreateX402PaywallParameters,
  type SkillDefinition,
} from "@aitbc/sdk";
import { CallLedger } from "../../node/agents/ledger.js";
import { startSeller } from "../../node/agents/seller.js";
import { x402PaymentStep } from "../../node/agents/x402.js";
import { openStore } from "../../node/shared/store.js";
import {
  deploymentContracts,
  formatAitbc,
  isMain,
  oneLine,
  parseAitbc,
  parseHttpUrl,
  parsePort,
  parsePrivateKey,
  parseSkillName,
} from "./options.js";

/** Input of the example skill: `{ "text": "..." }` (at most 20 000 characters). */
export interface SummarizeInput {
  text: string;
}

/** Output of the example skill. */
export interface Summary {
  /** The text's first sentence (up to `.`, `!` or `?`), trimmed, at most 200 characters. */
  summary: string;
  /** Words: runs of letters, digits and apostrophes. */
  words: number;
  /** Sentences: runs ended by `.`, `!` or `?` (a trailing run without one counts). */
  sentences: number;
  /** The five most frequent words of four letters or more, lowercase, most frequent first (ties alphabetical). */
  keywords: string[];
}

/** Longest text the example skill takes, characters. */
export const MAX_TEXT_CHARS = 20_000;

/**
 * The example skill: an extractive, deterministic summary of a text (no model).
 * @throws Error for an input that is not `{ text: string }` of 1 to 20 000 characters.
 * @example
 * ```ts
 * summarize({ text: "Agents pay agents. Agents sell skills." });
 * // { summary: "Agents pay agents.", words: 6, sentences: 2, keywords: ["agents", "sell", "skills"] }
 * ```
 */
export function summarize(input: unknown): Summary {
  const text = (input as SummarizeInput | null)?.text;
  if (typeof text !== "string" || text.trim().length === 0 || text.length > MAX_TEXT_CHARS)
    throw new Error(`expected { "text": string } of 1 to ${MAX_TEXT_CHARS} characters`);
  const sentences = text.split(/(?<=[.!?])\s+/).map((s) => s.trim()).filter((s) => s.length > 0); // prettier-ignore
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const counts = new Map<string, number>();
  for (const w of words) if ([...w].length >= 4) counts.set(w, (counts.get(w) ?? 0) + 1);
  const keywords = [...counts.entries()]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, 5)
    .map(([w]) => w);
  return { summary: (sentences[0] ?? "").slice(0, 200), words: words.length, sentences: sentences.length, keywords }; // prettier-ignore
}

/** The skill sold: {@link summarize} under `name`, at `priceWei`, run locally. */
export function summarizeSkill(name: string, priceWei: bigint): SkillDefinition {
  return {
    name,
    priceWei,
    model: "extractive-summary",
    description: "extractive summary of { text }: first sentence, word and sentence counts, five keywords",
    modelSizeGB: 0,
    computeIntensity: 0.05,
    expectedDurationSec: 1,
    assess: (input) => {
      summarize(input); // a malformed input is refused (400 bad_input) before anything is paid
      return {};
    },
    local: async (input) => summarize(input),
  };
}

/** Options of {@link runSeller}. */
export interface RunSellerOptions {
  /** The chain (the program passes `http(--rpc)`). */
  transport: Transport;
  /** The seller's key: owns the agent, pays the registry's gas, receives the payments. */
  account: LocalAccount;
  /** The deployment: `AITBCToken` and `AgentIdentityRegistry` are used. */
  contracts: AitbcContracts;
  /** The x402 facilitator: its URL (the program's `--facilitator`), or an in-process one. */
  facilitator: CreateX402PaywallParameters["facilitator"];
  /** The skill's name (registry key `skill:<name>`). */
  skill: string;
  /** Price per call, wei of AITBC. */
  priceWei: bigint;
  /** SQLite file of the paid calls (`:memory:` for none). */
  ledgerPath: string;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** URL published in the registry (default the listening URL). */
  publicUrl?: string;
  /** One line per event (default `console.log`). */
  log?: (line: string) => void;
}

/** A running seller agent. */
export interface RunningSeller {
  /** Where it listens, `http://host:port`. */
  url: string;
  /** The skill's published endpoint (`<public url>/skills/<name>`). */
  endpoint: string;
  /** Its agent id in the AgentIdentityRegistry. */
  agentId: bigint;
  /** Whether this run registered the agent (false: it updated the agent its key already owned). */
  registered: boolean;
  /** The paid calls. */
  ledger: CallLedger;
  /** Stops serving and closes the ledger. */
  close(): Promise<void>;
}

/**
 * Runs the seller agent (see the module's description).
 * @returns The running seller.
 * @throws viem's errors when the chain cannot be reached or a registry write reverts (nothing is served then);
 *   Node's listen errors (`EADDRINUSE`).
 */
export async function runSeller(options: RunSellerOptions): Promise<RunningSeller> {
  const { account, contracts } = options;
  const log = options.log ?? console.log;
  const publicClient = createPublicClient({ transport: options.transport, pollingInterval: 100 });
  const chainId = await publicClient.getChainId();
  const network = x402Network(chainId);
  const skill = summarizeSkill(options.skill, options.priceWei);
  const router = new SkillRouter();
  router.register(skill);

  const store = openStore(options.ledgerPath);
  const ledger = new CallLedger(store);
  const paywall = createX402Paywall({ facilitator: options.facilitator, contracts, network, payTo: account.address, description: skill.description }); // prettier-ignore
  const server = await startSeller({
    router,
    ledger,
    pay: x402PaymentStep(paywall),
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    log: (line) => log(`[seller] ${line}`),
  });
  const close = async () => {
    await server.close();
    store.close();
  };
  try {
    const base = (options.publicUrl ?? server.url).replace(/\/+$/, "");
    const endpoint = `${base}/skills/${options.skill}`;
    const published = toAgentSkill(skill, endpoint);
    const wallet = createWalletClient({ account, transport: options.transport, pollingInterval: 100 });
    const registry = contracts.AgentIdentityRegistry as Address;
    const owned = await publicClient.readContract({ address: registry, abi: agentIdentityRegistryAbi, functionName: "agentIdOfWallet", args: [account.address] }); // prettier-ignore
    let agentId: bigint;
    let registered = false;
    if (owned === 0n) {
      ({ agentId } = await registerAgent(wallet, {
        contracts,
        agentURI: `${base}/skills`,
        skills: [published],
      }));
      registered = true;
    } else {
      agentId = owned;
      const { metadataKey, metadataValue } = encodeSkill(published);
      const current = await publicClient.readContract({ address: registry, abi: agentIdentityRegistryAbi, functionName: "getMetadata", args: [agentId, metadataKey] }); // prettier-ignore
      if (current.toLowerCase() !== metadataValue.toLowerCase()) await confirm(publicClient, await wallet.writeContract({ chain: null, address: registry, abi: agentIdentityRegistryAbi, functionName: "setMetadata", args: [agentId, metadataKey, metadataValue] })); // prettier-ignore
      const uri = await publicClient.readContract({ address: registry, abi: agentIdentityRegistryAbi, functionName: "tokenURI", args: [agentId] }); // prettier-ignore
      if (uri !== `${base}/skills`) await confirm(publicClient, await wallet.writeContract({ chain: null, address: registry, abi: agentIdentityRegistryAbi, functionName: "setAgentURI", args: [agentId, `${base}/skills`] })); // prettier-ignore
    }
    log(`[seller] agent #${agentId} (${account.address}) ${registered ? "registered" : "updated"}: skill ${options.skill} at ${formatAitbc(options.priceWei)} AITBC per call, ${endpoint}, paid over x402 on ${network}; paid calls in ${options.ledgerPath}`); // prettier-ignore
    return { url: server.url, endpoint, agentId, registered, ledger, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function confirm(client: ReturnType<typeof createPublicClient>, hash: Hex): Promise<void> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`registry transaction ${hash} reverted`);
}

/** The seller's flags as parsed by {@link sellerCommand}. */
export interface SellerFlags {
  rpc: string;
  privateKey?: string;
  facilitator: string;
  deployment?: string;
  host: string;
  port: number;
  publicUrl?: string;
  skill: string;
  price: bigint;
  ledger: string;
}

/** The seller's command line: every flag but the key is checked when parsed. */
export function sellerCommand(): Command {
  return new Command()
    .name("skill-seller")
    .description(
      "example agent: sells a skill per call over x402 and publishes it in the AgentIdentityRegistry",
    )
    .addOption(
      new Option("--rpc <url>", "JSON-RPC endpoint")
        .env("AITBC_RPC_URL")
        .argParser(parseHttpUrl)
        .makeOptionMandatory(),
    ) // prettier-ignore
    .addOption(
      new Option("--private-key <hex>", "the seller's key (owns the agent, receives the payments)").env(
        "AITBC_PRIVATE_KEY",
      ),
    ) // prettier-ignore
    .addOption(
      new Option("--facilitator <url>", "x402 facilitator (POST /verify, POST /settle, GET /supported)")
        .env("AITBC_FACILITATOR_URL")
        .argParser(parseHttpUrl)
        .makeOptionMandatory(),
    ) // prettier-ignore
    .addOption(
      new Option("--deployment <file>", "deployments JSON (default deployments/<chainId>.json)").env(
        "AITBC_DEPLOYMENT",
      ),
    ) // prettier-ignore
    .addOption(new Option("--host <host>", "listen address").default("127.0.0.1"))
    .addOption(
      new Option("--port <port>", "listen port (0: any free port)").argParser(parsePort).default(4021),
    )
    .addOption(
      new Option(
        "--public-url <url>",
        "URL published in the registry (default http://<host>:<port>)",
      ).argParser(parseHttpUrl),
    ) // prettier-ignore
    .addOption(
      new Option("--skill <name>", "the skill's name").argParser(parseSkillName).default("summarize"),
    )
    .addOption(
      new Option("--price <aitbc>", "price per call, AITBC")
        .argParser(parseAitbc)
        .default(10n ** 16n, "0.01"),
    ) // prettier-ignore
    .addOption(new Option("--ledger <file>", "SQLite file of the paid calls").default("skill-seller.sqlite"));
}

/** Starts the seller from parsed flags (the key and the deployment are checked here). */
export async function startFromFlags(flags: SellerFlags): Promise<RunningSeller> {
  const account = privateKeyToAccount(parsePrivateKey(flags.privateKey, "--private-key (or AITBC_PRIVATE_KEY)"));
  const transport = http(flags.rpc, { retryCount: 1 });
  const contracts = await deploymentContracts(flags.deployment, () => createPublicClient({ transport }).getChainId());
  return runSeller({
    transport,
    account,
    contracts,
    facilitator: flags.facilitator,
    skill: flags.skill,
    priceWei: flags.price,
    ledgerPath: flags.ledger,
    host: flags.host,
    port: flags.port,
    ...(flags.publicUrl !== undefined ? { publicUrl: flags.publicUrl } : {}),
  });
} // prettier-ignore

if (isMain(import.meta.url)) {
  startFromFlags(sellerCommand().parse().opts<SellerFlags>()).then(
    (seller) => {
      const stop = () => void seller.close().then(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
    (error: unknown) => {
      console.error(`[seller] ${oneLine(error)}`);
      process.exit(1);
    },
  );
}
