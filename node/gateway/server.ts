/**
 * The gateway: an HTTP server that speaks Ollama's API and places each generation as a job on the
 * network, directly with a provider found on-chain — no relay, no coordinator:
 * providers from the `ServiceRegistry` ({@link ProviderDirectory}), their signed offers verified
 * ({@link OfferBook}), ranked with load spread ({@link orderCandidates}), the batch path first
 * (a signed `BatchJobRequest`, tokens at once), the quote path as fallback; tokens streamed as the
 * miner generates them. Jobs in flight live in SQLite ({@link GatewayState}) and are resumed after a
 * restart; payloads, outputs and signed requests are archived for challengers and served here
 * (`GET /v1/jobs/<jobKey>/payload|output|request`), with `GET /health` and `GET /metrics`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { Address, PublicClient, WalletClient } from "viem";

import type { AitbcContracts } from "@aitbc/sdk";
import { handleArchiveRequest, JobArchive } from "../archive/archive.js";
import { HttpError, requestUrl, sendError, sendJson } from "../shared/http.js";
import { listen } from "../shared/listen.js";
import { createGatewayMetrics, type GatewayMetrics } from "../shared/metrics.js";
import { openStore, type Store } from "../shared/store.js";
import type { Follower } from "../shared/follow.js";
import { ChainClock } from "./clock.js";
import { serializer, type GatewayContext } from "./context.js";
import { DepositKeeper } from "./deposit.js";
import { ProviderDirectory } from "./directory.js";
import { GatewayError } from "./errors.js";
import type { GenerationDefaults } from "./generation.js";
import { LocalOllama, type LocalOllamaOptions } from "./local.js";
import { ModelCatalog, type NamedModel } from "./models.js";
import { OfferBook } from "./offers.js";
import { ollamaRoutes } from "./ollama-api.js";
import { embedRoutes } from "./embed-api.js";
import { openaiRoutes } from "./openai-api.js";
import { LoadTracker } from "./ranking.js";
import { resumeAll } from "./resume.js";
import { matchRoute, type Route } from "./routes.js";
import { followSettlements } from "./settlement.js";
import { GatewayState } from "./state.js";
import { gatewayPaywall, type GatewayX402Options } from "./x402.js";

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  publicClient: PublicClient;
  /** The paying key's client (with `chain` and `account`): the consumer, or an AgentWallet's agent key. */
  walletClient: WalletClient;
  /** Needs `ServiceRegistry`, `JobEscrow`, `AITBCToken`, `ReputationRegistry`; `BatchEscrow` for the batch path. */
  contracts: AitbcContracts;
  /** Pay from this AgentWallet (the key must be its agent key or owner). */
  agentWallet?: Address;
  /** Sell each request over x402 through this facilitator (see node/gateway/x402.ts); absent: requests are free. */
  x402?: GatewayX402Options;
  /** The most paid per token, wei of AITBC. */
  pricePerToken: bigint;
  /** Batch path (default when given): top the deposit up by `topUp` wei at a time. */
  batch?: { topUp: bigint };
  /** Whether the quote path is the fallback (default true). */
  quote?: boolean;
  /** How long a request waits while every provider refuses (busy), ms (default 30 000; 0: no wait). */
  placementTimeoutMs?: number;
  /** Names of models beyond the built-in one (`name` → bytes32 digest). */
  models?: NamedModel[];
  /**
   * The hybrid router's local Ollama (`--local-ollama <url>`): models it has pulled that fit the 8 GB
   * rule run there, without a job; absent: every generation is a job on the network.
   */
  localOllama?: LocalOllamaOptions;
  /** `num_predict` when a request has none (default 256). */
  defaultMaxTokens?: number;
  /** A job's duration, seconds (default 1 day). */
  deadlineS?: number;
  /** How long to wait for an accepted job's answer, ms (default 120 000). */
  resultTimeoutMs?: number;
  /** The gateway's state, a SQLite file (default ":memory:"). */
  statePath?: string;
  /** The consumer's archive, a SQLite file (default ":memory:"). */
  archivePath?: string;
  /** Chain polling (event followers, clock), ms (default 1 000). */
  pollingIntervalMs?: number;
  /** Offer refresh, ms (default 1 000). */
  offerRefreshMs?: number;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

/** A running gateway. */
export interface Gateway {
  url: string;
  context: GatewayContext;
  directory: ProviderDirectory;
  /** Settles once the jobs found unfinished at start have ended. */
  resumed: Promise<void>;
  close(): Promise<void>;
}

/** Builds the shared context (chain, store, offers, deposit). */
async function buildContext(
  options: GatewayOptions,
  store: Store,
  metrics: GatewayMetrics,
  log: (l: string) => void,
  shutdown: AbortSignal,
) {
  const { publicClient, walletClient, contracts } = options;
  const consumer = options.agentWallet ?? walletClient.account!.address;
  const clock = new ChainClock(publicClient, { refreshMs: options.pollingIntervalMs ?? 1_000 });
  await clock.start();
  const directory = new ProviderDirectory({ client: publicClient, contracts, store, pollingIntervalMs: options.pollingIntervalMs, onError: (e) => log(`directory: ${(e as Error).message.split("\n")[0]}`) }); // prettier-ignore
  const offers = new OfferBook({ client: publicClient, contracts, directory, refreshMs: options.offerRefreshMs, log }); // prettier-ignore
  try {
    await directory.start();
    await offers.start();
  } catch (error) {
    // nothing left running when the start fails (e.g. the RPC does not answer)
    offers.stop();
    clock.stop();
    await directory.stop();
    throw error;
  }
  const batch = options.batch !== undefined && contracts.BatchEscrow !== undefined;
  const deposit = batch ? new DepositKeeper({ publicClient, walletClient, contracts, consumer, agentWallet: options.agentWallet, topUp: options.batch!.topUp, log }) : undefined; // prettier-ignore
  const ctx: GatewayContext = {
    publicClient, walletClient, contracts, consumer, clock, offers, deposit, metrics, log,
    chainId: walletClient.chain?.id ?? (await publicClient.getChainId()),
    ...(options.agentWallet ? { agentWallet: options.agentWallet } : {}),
    ...(options.localOllama ? { local: new LocalOllama(options.localOllama) } : {}),
    load: new LoadTracker(),
    state: new GatewayState(store),
    archive: new JobArchive({ path: options.archivePath ?? ":memory:" }),
    serial: serializer(),
    shutdown,
    policy: { maxPricePerToken: options.pricePerToken, durationS: options.deadlineS ?? 86_400, resultTimeoutMs: options.resultTimeoutMs ?? 120_000, batch, quote: options.quote ?? true, placementTimeoutMs: options.placementTimeoutMs ?? 30_000 }, // prettier-ignore
  }; // prettier-ignore
  if (options.x402) ctx.x402 = gatewayPaywall(ctx, options.x402);
  return { ctx, directory };
}

/** `GET /health`; `requests` counts generations by route (`local`, `network`), as the metric does. */
async function health(ctx: GatewayContext, directory: ProviderDirectory, startedAt: number) {
  const providers = directory.list().length;
  const routed = (await ctx.metrics.requests.get()).values;
  const count = (route: string) => routed.find((v) => v.labels.route === route)?.value ?? 0;
  return {
    status: providers > 0 ? "ok" : "degraded",
    consumer: ctx.consumer,
    chainId: ctx.chainId,
    providers,
    inFlight: ctx.load.total(),
    jobs: ctx.state.counts(),
    requests: { local: count("local"), network: count("network") },
    ...(ctx.local ? { localOllama: ctx.local.host } : {}),
    uptimeS: Math.floor((Date.now() - startedAt) / 1000),
  };
}

/** Routes one request through the APIs' route tables. */
function router(
  ctx: GatewayContext,
  directory: ProviderDirectory,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
) {
  const startedAt = Date.now();
  const routes: Route[] = [
    { methods: ["GET"], path: "/health", handle: async (_req, res) => sendJson(res, 200, await health(ctx, directory, startedAt)) }, // prettier-ignore
    ...ollamaRoutes(ctx, catalog, defaults),
    ...embedRoutes(ctx, catalog),
    ...openaiRoutes(ctx, catalog, defaults),
  ];
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = requestUrl(req).pathname;
    const found = matchRoute(routes, req.method ?? "GET", path);
    if (!found) throw new HttpError(404, "not_found", `no route ${req.method} ${path}`);
    await found.route.handle(req, res, found.params);
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    if (handleArchiveRequest(ctx.archive, req, res) || ctx.metrics.handle(req, res)) return;
    route(req, res).catch((error: unknown) => {
      if (error instanceof GatewayError)
        // Ollama's clients show `error`: the message itself, as Ollama answers (`model 'x' not found`).
        error = new HttpError(error.status, error.shortMessage, error.shortMessage, error.details ? { details: error.details } : undefined); // prettier-ignore
      sendError(res, error);
    });
  };
}

/**
 * Starts the gateway (see the module's description): reads the providers and their offers, resumes
 * the jobs its store holds unfinished, follows settlements, and serves.
 *
 * @throws e.g. `EADDRINUSE` when the port is taken (nothing is left running).
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.log ?? ((line: string) => console.log(`[gateway] ${line}`));
  // The port first: a port in use fails the start before anything else runs or is logged.
  let handle = (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 503, { error: "starting", reason: "the gateway is starting" }); // prettier-ignore
  const server: Server = createServer((req, res) => handle(req, res));
  await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const store = openStore(options.statePath ?? ":memory:");
  const shutdown = new AbortController();
  let built: Awaited<ReturnType<typeof buildContext>>;
  try {
    built = await buildContext(options, store, createGatewayMetrics(), log, shutdown.signal);
  } catch (error) {
    store.close();
    await closeServer();
    throw error;
  }
  const { ctx, directory } = built;
  const followers: Follower[] = followSettlements(ctx, await ctx.publicClient.getBlockNumber(), options.pollingIntervalMs); // prettier-ignore
  const catalog = new ModelCatalog(ctx.offers, options.models);
  handle = router(ctx, directory, catalog, { maxTokens: options.defaultMaxTokens ?? 256 });
  const resumed = resumeAll(ctx);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    context: ctx,
    directory,
    resumed,
    close: async () => {
      shutdown.abort();
      await closeServer();
      ctx.offers.stop();
      ctx.clock.stop();
      await Promise.all([directory.stop(), ...followers.map((f) => f.stop())]);
      ctx.archive.close();
      store.close();
    },
  };
}
