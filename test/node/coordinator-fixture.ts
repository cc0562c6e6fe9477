/**
 * Shared set-up of the coordinator tests (no `describe` here): a market on an in-process chain with a
 * `ServiceRegistry`, the fake Ollama runtime, a stub provider endpoint for provider1 (its archive routes,
 * `GET /health`, `GET /v1/offers` signed with the SDK's `signOffer`) published with `setServiceURI`, and
 * jobs submitted with real receipts whose output is honest, made up, or withheld.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { network } from "hardhat";
import { keccak256, stringToHex, type Address, type Hex } from "viem";

import {
  jobKeyOfJobId,
  setServiceURI,
  signOffer,
  type AitbcContracts,
  type AitbcWriteClient,
} from "../../sdk/src/index.js";
import { handleArchiveRequest, JobArchive } from "../../node/archive/archive.js";
import { OllamaBackend, type InferenceBackend } from "../../node/backends/backend.js";
import { sdkPerformanceWriter } from "../../node/coordinator/oracle.js";
import type { PerformanceWriter } from "../../node/coordinator/reporter.js";
import { sendJson } from "../../node/shared/http.js";
import { canonicalPayload, payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import { createChainSigner, type ChainSigner } from "../../node/watcher/signer.js";
import {
  cachedReceipt,
  deployMarket,
  MODEL,
  openAndClaim,
  PRICE,
  proofArg,
  receiptJob,
  SECRET_1,
  type Market,
} from "../helpers/market.js";
import { FAKE_MODELS, fakeAnswer, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";
import { viemClients } from "../sdk/helpers.js";

/** The fake runtime's llama3.2:1b as a program sees it (bytes32 of its sha256 digest); provider1 serves it too. */
export const OLLAMA_DIGEST = `0x${FAKE_MODELS[0]!.digest}` as Hex;

/** What a test gets. */
export interface CoordinatorFixture {
  market: Market;
  /** The in-process chain's EIP-1193 provider (for an RPC proxy to child processes). */
  rpc: { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
  contracts: AitbcContracts;
  ollama: FakeOllama;
  /** provider1's archive (served at its URI). */
  archive: JobArchive;
  /** provider1's published URI. */
  providerUri: string;
  /** A signer for `address` (hardhat's unlocked accounts). */
  signerFor(address: string): ChainSigner;
  /** Re-execution backends (the fake runtime's llama3.2:1b under MODEL). */
  verifiers(backend?: InferenceBackend): Map<string, { model: string; backend: InferenceBackend }>;
  /** The Performance component write through the oracle account (the SDK's `setReputationComponent`). */
  writePerformance: PerformanceWriter;
  /** Opens, claims and submits a job by provider1 whose output is honest, made up or withheld. */
  job(
    seed: number,
    kind: "honest" | "lie" | "withheld",
    modelDigest?: Hex,
  ): Promise<{ jobId: bigint; jobKey: Hex }>;
  close(): Promise<void>;
}

/** Builds the fixture (see the module's description). */
export async function coordinatorFixture(): Promise<CoordinatorFixture> {
  const connection = await network.create();
  const market = await deployMarket(connection);
  const registry = await market.ethers.deployContract("ServiceRegistry", [await market.staking.getAddress()]);
  const contracts: AitbcContracts = {
    AITBCToken: (await market.token.getAddress()) as Address,
    GPUStaking: (await market.staking.getAddress()) as Address,
    JobEscrow: (await market.escrow.getAddress()) as Address,
    ReputationRegistry: (await market.reputation.getAddress()) as Address,
    MarketPolicy: (await market.policy.getAddress()) as Address,
    ServiceRegistry: (await registry.getAddress()) as Address,
  };
  const { publicClient, walletFor } = viemClients(connection);
  const signerFor = (address: string) =>
    createChainSigner({ public: publicClient as never, wallet: walletFor(address) as AitbcWriteClient });
  const ollama = await startFakeOllama();
  const archive = new JobArchive();
  const provider = market.provider1.address as Address;
  const server = await stubProvider(archive, provider, contracts, walletFor(provider) as AitbcWriteClient); // prettier-ignore
  const providerUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await setServiceURI(walletFor(provider), { contracts, uri: providerUri });
  await market.staking.connect(market.provider1).setModelServing(OLLAMA_DIGEST, true);
  for (const a of [market.oracle, market.challenger]) await market.token.connect(market.ecosystem).transfer(a.address, 10_000n * 10n ** 18n); // prettier-ignore
  const writePerformance = sdkPerformanceWriter(signerFor(market.oracle.address), contracts);
  return {
    market,
    rpc: connection.provider as never,
    contracts,
    ollama,
    archive,
    providerUri,
    signerFor,
    verifiers: (backend = new OllamaBackend({ host: ollama.url })) => new Map([[MODEL.toLowerCase(), { model: "llama3.2:1b", backend }]]), // prettier-ignore
    writePerformance,
    job: (seed, kind, modelDigest = MODEL) => submitJob(market, archive, seed, kind, modelDigest),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      archive.close();
      await ollama.close();
    },
  };
}

async function submitJob(
  market: Market,
  archive: JobArchive,
  seed: number,
  kind: "honest" | "lie" | "withheld",
  modelDigest: Hex,
) {
  const payload: JobPayload = { model: "llama3.2:1b", prompt: `question ${seed}`, seed, nonce: `n${seed}` };
  const tokens = fakeAnswer(payload.model, payload.prompt!, seed);
  const output = kind === "lie" ? `${tokens.join("")} (made up)` : tokens.join("");
  const jobId = await openAndClaim(market, market.provider1, {
    promptHash: payloadHash(payload),
    modelDigest,
  });
  const outputHash = keccak256(stringToHex(output));
  const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment, { modelDigest, promptHash: payloadHash(payload), outputHash, tokenCount: BigInt(tokens.length) })); // prettier-ignore
  await (await market.escrow.connect(market.provider1).submitResult(jobId, outputHash, tokens.length, receipt.nullifier, proofArg(receipt))).wait(); // prettier-ignore
  const jobKey = jobKeyOfJobId(jobId);
  archive.put(jobKey, { payload: canonicalPayload(payload), ...(kind === "withheld" ? {} : { output }) });
  return { jobId, jobKey };
}

/** provider1's endpoint: archive routes, /health, /v1/offers (freshly signed, dated by the wall clock). */
async function stubProvider(
  archive: JobArchive,
  provider: Address,
  contracts: AitbcContracts,
  wallet: AitbcWriteClient,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (handleArchiveRequest(archive, req, res)) return;
    if (req.url === "/health") return sendJson(res, 200, { status: "ok", provider, chainId: 31337, inFlight: 0, capacity: 3, maxConcurrency: 4, uptimeS: 1 }); // prettier-ignore
    if (req.url === "/v1/offers") {
      void (async () => {
        const now = BigInt(Math.floor(Date.now() / 1000)); // the wall clock, as the real miner dates its offers
        const offer = { provider, modelDigest: MODEL, pricePerToken: PRICE, maxTokens: 256n, capacity: 3n, maxConcurrency: 4n, issuedAt: now, expiry: now + 300n }; // prettier-ignore
        sendJson(res, 200, { offers: [await signOffer(wallet, { contracts, offer })] });
      })().catch((e: unknown) => sendJson(res, 500, { error: String(e) }));
      return;
    }
    sendJson(res, 404, { error: "not_found" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}
