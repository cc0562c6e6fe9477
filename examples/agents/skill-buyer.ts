/**
 * Example agent that BUYS one call of a skill over x402, on the SDK.
 *
 *   npm run agent:buyer -- --rpc http://127.0.0.1:8545 --skill summarize --max-price 0.01 \
 *     --input "Agents pay agents per call. The facilitator settles on chain."    # key in AITBC_PRIVATE_KEY
 *   npm run agent:buyer -- --rpc … --agent-wallet 0xWallet --agent-key 0x… --skill summarize --max-price 0.01 --input "…"
 *
 * What it does, in order:
 * 1. finds the sellers of `--skill` in the AgentIdentityRegistry (`findAgentsWithSkill`: the latest
 *    `skill:<name>` entry of each agent) and reads each one's trust (`getAgentSummary`: the reputation of
 *    the wallet the agent proved it controls);
 * 2. ranks them with `rankSkillSellers` (trust first, then price, then the older agent), keeping only
 *    sellers at or below `--max-price` (and `--min-trust`) that have a proven wallet;
 * 3. buys one call from the best: `POST <endpoint>` with `{ "text": --input }` through the SDK's
 *    `createX402Fetch`, which answers the seller's 402 by signing an EIP-3009 authorization (gasless for
 *    the buyer) and retrying. The payment is bound to the listing: the fetch signs at most the seller's
 *    listed price (`maxAmount`) and only to the seller's proven wallet (a 402 asking payment to any other
 *    address, or more than the listing says, is not signed: the buyer moves to the next seller);
 * 4. prints the answer and the settlement transaction (from the `PAYMENT-RESPONSE` header).
 *
 * The payer is an EOA holding AITBC (`--private-key`; it needs no ether) or an AgentWallet
 * (`--agent-wallet` with its agent key `--agent-key`), whose spending limit bounds what it pays.
 * Start-up mistakes (no --rpc, no or a malformed key, a bad price or address) print one line and exit 1.
 */
import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { ClientEvmSigner } from "@x402/evm";
import { decodePaymentResponseHeader } from "@x402/fetch";
import { Command, InvalidArgumentError, Option } from "commander";
import { createPublicClient, http, isAddressEqual, type Address, type Hex, type Transport } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  createX402Fetch,
  findAgentsWithSkill,
  getAgentSummary,
  rankSkillSellers,
  toAgentWalletPaymentSigner,
  x402Network,
  type AitbcContracts,
  type SkillSeller,
} from "@aitbc/sdk";
import {
  deploymentContracts,
  isMain,
  oneLine,
  parseAddress,
  formatAitbc,
  parseAitbc,
  parseHttpUrl,
  parsePrivateKey,
  parseSkillName,
} from "./options.js";

/** A seller of the skill with its proven wallet (where its payments must go). */
export interface RankedSeller extends SkillSeller {
  /** The agent's proven wallet: the only address the buyer pays. */
  wallet: Address;
}

/** Options of {@link buyOnce}. */
export interface BuyOnceOptions {
  /** The chain (the program passes `http(--rpc)`). */
  transport: Transport;
  /** The deployment: `AITBCToken` and `AgentIdentityRegistry` are used. */
  contracts: AitbcContracts;
  /** Who pays: `privateKeyToAccount(key)` (an EOA) or `toAgentWalletPaymentSigner(...)` (an AgentWallet). */
  payer: ClientEvmSigner;
  /** The skill's name. */
  skill: string;
  /** The most the buyer pays for the call, wei of AITBC. */
  maxPriceWei: bigint;
  /** The text sent as `{ "text": input }`. */
  input: string;
  /** Skip sellers with a lower trust score (default 0). */
  minTrustScore?: bigint;
  /** First block searched for listings (default 0). */
  fromBlock?: bigint;
  /** The `fetch` under the paying fetch (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
  /** One line per step (default `console.log`). */
  log?: (line: string) => void;
}

/** One bought call. */
export interface BoughtCall {
  /** The seller bought from. */
  seller: RankedSeller;
  /** Every seller kept, in rank order. */
  ranked: RankedSeller[];
  /** The skill's output. */
  output: unknown;
  /** Who paid (the x402 payer). */
  payer: Address;
  /** What was paid, wei of AITBC. */
  paidWei: bigint;
  /** The settlement transaction. */
  transaction: Hex;
  /** The CAIP-2 network it settled on. */
  network: string;
}

/** Why a purchase did not happen. `paid` tells whether a payment may have settled. */
export class SkillPurchaseError extends Error {
  override readonly name = "SkillPurchaseError";
  constructor(
    message: string,
    /** Whether the seller may have settled a payment (its answer came after a signed payment). */
    readonly paid: boolean = false,
  ) {
    super(message);
  }
}

/** The seller's 402 asked for a payment the buyer will not sign (wrong recipient). Nothing was signed. */
class PayeeMismatch extends Error {}

/**
 * Finds, ranks and reads the sellers of a skill (see the module's description, steps 1 and 2).
 * @returns The kept sellers in rank order.
 */
export async function rankSellers(options: Pick<BuyOnceOptions, "transport" | "contracts" | "skill" | "maxPriceWei" | "minTrustScore" | "fromBlock">): Promise<{ ranked: RankedSeller[]; found: number }> {
  const client = createPublicClient({ transport: options.transport });
  const { listings } = await findAgentsWithSkill(client, { contracts: options.contracts, name: options.skill, fromBlock: options.fromBlock ?? 0n }); // prettier-ignore
  const sellers: RankedSeller[] = [];
  for (const { agentId, skill } of listings) {
    const summary = await getAgentSummary(client, { contracts: options.contracts, agentId });
    if (summary.wallet === undefined) continue; // no proven wallet: no address to bind the payment to
    sellers.push({ agentId, priceWei: skill.priceWei, endpoint: skill.endpoint, trustScore: summary.trustScore, tier: summary.tier, wallet: summary.wallet }); // prettier-ignore
  }
  const ranked = rankSkillSellers(sellers, { maxPriceWei: options.maxPriceWei, minTrustScore: options.minTrustScore ?? 0n }) as RankedSeller[]; // prettier-ignore
  return { ranked, found: listings.length };
} // prettier-ignore

/**
 * Buys one call of a skill from the most trusted seller that fits (see the module's description).
 * @returns The call: seller, output, payer, amount and settlement transaction.
 * @throws {SkillPurchaseError} when no seller fits, none can be reached, or the chosen seller refuses or fails the call.
 */
export async function buyOnce(options: BuyOnceOptions): Promise<BoughtCall> {
  const log = options.log ?? console.log;
  const client = createPublicClient({ transport: options.transport });
  const network = x402Network(await client.getChainId());
  const { ranked, found } = await rankSellers(options);
  if (ranked.length === 0)
    throw new SkillPurchaseError(`no seller of ${options.skill} with a proven wallet at or below ${formatAitbc(options.maxPriceWei)} AITBC (${found} listed)`); // prettier-ignore
  const base = options.fetch ?? globalThis.fetch;
  const skipped: string[] = [];
  for (const seller of ranked) {
    log(`[buyer] seller #${seller.agentId}: trust ${seller.trustScore} (${seller.tier}), ${formatAitbc(seller.priceWei)} AITBC, ${seller.endpoint}`); // prettier-ignore
    // The 402's recipients are checked before x402 signs anything: only the seller's proven wallet is paid.
    const guarded: typeof fetch = async (input, init) => {
      const response = await base(input, init);
      const header = response.status === 402 ? response.headers.get("payment-required") : null;
      if (header !== null) {
        const { accepts } = decodePaymentRequiredHeader(header);
        const stranger = accepts.find((a) => !isAddressEqual(a.payTo as Address, seller.wallet));
        if (stranger !== undefined) throw new PayeeMismatch(`asks payment to ${stranger.payTo}, not to its agent wallet ${seller.wallet}`); // prettier-ignore
      }
      return response;
    };
    const pay = createX402Fetch({ signer: options.payer, contracts: options.contracts, network, maxAmount: seller.priceWei, fetch: guarded }); // prettier-ignore
    let response: Response;
    try {
      response = await pay(seller.endpoint, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: options.input }),
      });
    } catch (error) {
      // Nothing was signed: the seller could not be reached, or asked for more or for another payee.
      const reason = error instanceof PayeeMismatch ? error.message : oneLine(error);
      skipped.push(`#${seller.agentId}: ${reason}`);
      log(`[buyer] skipping seller #${seller.agentId}: ${reason}`);
      continue;
    }
    const settledHeader = response.headers.get("payment-response");
    const settled = settledHeader === null ? undefined : decodePaymentResponseHeader(settledHeader);
    const body = (await response.json().catch(() => ({}))) as {
      output?: unknown;
      error?: string;
      reason?: string;
    };
    if (response.status !== 200 || settled?.success !== true) {
      const why = body.error ?? settled?.errorReason ?? (response.headers.get("payment-required") ? decodePaymentRequiredHeader(response.headers.get("payment-required")!).error : undefined); // prettier-ignore
      throw new SkillPurchaseError(`seller #${seller.agentId} answered ${response.status}${why ? ` ${why}` : ""}${body.reason ? `: ${body.reason}` : ""}`, settled?.success === true); // prettier-ignore
    }
    const result: BoughtCall = {
      seller,
      ranked,
      output: body.output,
      payer: (settled.payer ?? options.payer.address) as Address,
      paidWei: seller.priceWei,
      transaction: settled.transaction as Hex,
      network: settled.network,
    };
    const receipt = await client.getTransactionReceipt({ hash: result.transaction });
    // What moved is read from the settlement itself, not from the seller's word.
    result.paidWei = transferredTo(receipt.logs, options.contracts.AITBCToken as Address, seller.wallet);
    return result;
  }
  throw new SkillPurchaseError(`no seller of ${options.skill} could be bought from: ${skipped.join("; ")}`);
}

const TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

/** Sum of the AITBC `Transfer`s to `to` in a settlement's logs, wei. */
function transferredTo(logs: readonly { address: Address; topics: readonly Hex[]; data: Hex }[], token: Address, to: Address): bigint {
  let sum = 0n;
  for (const l of logs)
    if (isAddressEqual(l.address, token) && l.topics[0] === TRANSFER && l.topics[2] !== undefined && isAddressEqual(`0x${l.topics[2].slice(26)}`, to)) sum += BigInt(l.data); // prettier-ignore
  return sum;
} // prettier-ignore

/** The buyer's flags as parsed by {@link buyerCommand}. */
export interface BuyerFlags {
  rpc: string;
  privateKey?: string;
  agentWallet?: Address;
  agentKey?: string;
  deployment?: string;
  skill: string;
  maxPrice: bigint;
  minTrust?: string;
  input: string;
}

/** The buyer's command line: every flag but the keys is checked when parsed. */
export function buyerCommand(): Command {
  return new Command()
    .name("skill-buyer")
    .description("example agent: finds the most trusted seller of a skill and buys one call over x402")
    .addOption(
      new Option("--rpc <url>", "JSON-RPC endpoint")
        .env("AITBC_RPC_URL")
        .argParser(parseHttpUrl)
        .makeOptionMandatory(),
    ) // prettier-ignore
    .addOption(
      new Option("--private-key <hex>", "the paying EOA's key (or, with --agent-wallet, its agent key)").env(
        "AITBC_PRIVATE_KEY",
      ),
    ) // prettier-ignore
    .addOption(
      new Option("--agent-wallet <address>", "pay from this AgentWallet with its agent key").argParser(
        parseAddress,
      ),
    ) // prettier-ignore
    .addOption(new Option("--agent-key <hex>", "the AgentWallet's agent key").env("AITBC_AGENT_KEY"))
    .addOption(
      new Option("--deployment <file>", "deployments JSON (default deployments/<chainId>.json)").env(
        "AITBC_DEPLOYMENT",
      ),
    ) // prettier-ignore
    .addOption(
      new Option("--skill <name>", "the skill to buy").argParser(parseSkillName).default("summarize"),
    )
    .addOption(
      new Option("--max-price <aitbc>", "the most paid for the call, AITBC")
        .argParser(parseAitbc)
        .makeOptionMandatory(),
    ) // prettier-ignore
    .addOption(
      new Option("--min-trust <score>", "skip sellers with a lower trust score (0–1000)").argParser(
        (v: string) => {
          if (!/^\d{1,4}$/.test(v) || Number(v) > 1000)
            throw new InvalidArgumentError("expected a trust score from 0 to 1000.");
          return v;
        },
      ),
    ) // prettier-ignore
    .addOption(new Option("--input <text>", "the text sent to the skill").makeOptionMandatory());
}

/** Buys from parsed flags (the keys and the deployment are checked here). */
export async function buyFromFlags(flags: BuyerFlags): Promise<BoughtCall> {
  const transport = http(flags.rpc, { retryCount: 1 });
  const chainId = () => createPublicClient({ transport }).getChainId();
  let payer: ClientEvmSigner;
  if (flags.agentWallet !== undefined) {
    const key = parsePrivateKey(flags.agentKey ?? flags.privateKey, "--agent-key (or AITBC_AGENT_KEY, or --private-key)");
    const contracts = await deploymentContracts(flags.deployment, chainId);
    payer = toAgentWalletPaymentSigner({ wallet: flags.agentWallet, agentKey: privateKeyToAccount(key), chainId: await chainId() });
    return buy(flags, transport, contracts, payer);
  }
  if (flags.agentKey !== undefined) throw new Error("--agent-key needs --agent-wallet (the wallet it pays from)");
  payer = privateKeyToAccount(parsePrivateKey(flags.privateKey, "--private-key (or AITBC_PRIVATE_KEY)"));
  return buy(flags, transport, await deploymentContracts(flags.deployment, chainId), payer);
} // prettier-ignore

function buy(flags: BuyerFlags, transport: Transport, contracts: AitbcContracts, payer: ClientEvmSigner): Promise<BoughtCall> {
  return buyOnce({
    transport,
    contracts,
    payer,
    skill: flags.skill,
    maxPriceWei: flags.maxPrice,
    input: flags.input,
    ...(flags.minTrust !== undefined ? { minTrustScore: BigInt(flags.minTrust) } : {}),
  });
} // prettier-ignore

if (isMain(import.meta.url)) {
  buyFromFlags(buyerCommand().parse().opts<BuyerFlags>()).then(
    (call) => {
      console.log(`[buyer] bought ${call.seller.endpoint} from agent #${call.seller.agentId} (trust ${call.seller.trustScore}): ${call.payer} paid ${formatAitbc(call.paidWei)} AITBC`); // prettier-ignore
      console.log(`[buyer] settlement ${call.transaction} on ${call.network}`);
      console.log(JSON.stringify(call.output, null, 2));
    },
    (error: unknown) => {
      console.error(`[buyer] ${oneLine(error)}`);
      process.exit(1);
    },
  );
}
