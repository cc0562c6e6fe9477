/**
 * The network programs of the main job, started in this process: the coordinator (its relay,
 * matching, re-execution of a sample of jobs, performance reports), two miners and the
 * Ollama-compatible gateways (per-job, and batch requests when the deployment has a BatchEscrow).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Address, EIP1193Provider } from "viem";

import type { InferenceBackend } from "../../../node/backends/backend.js";
import { Coordinator } from "../../../node/coordinator/coordinator.js";
import { startGateway } from "../../../node/gateway/server.js";
import { Miner } from "../../../node/miner/miner.js";
import { ChainAdapter, type MarketAddresses } from "../../../node/shared/chain.js";
import { sleep } from "../../../node/shared/retry.js";
import { AITBC } from "../devnet.js";
import type { MainOptions } from "../main-options.js";
import type { MainAccounts } from "./deploy.js";

/** 0.001 AITBC per token (wei): the gateway's price and the miners' ask. */
export const PRICE = 10n ** 15n;

/** What {@link startNetwork} needs. */
export interface NetworkPlan {
  rpc: EIP1193Provider;
  addresses: MarketAddresses;
  batchEscrowAddress: Address | undefined;
  backend: InferenceBackend;
  model: string;
  /** The model's digest (bytes32), as the miners register it. */
  digest: string;
  accounts: MainAccounts;
  /** The consumer agent wallet the gateways pay from. */
  walletAddress: Address;
  opts: MainOptions;
  say: (line: string) => void;
}

/** The running programs. */
export type Network = Awaited<ReturnType<typeof startNetwork>>;

/**
 * Starts the coordinator, two miners (registered and staked, offering the model at {@link PRICE})
 * and the gateways, and waits (up to 5 s) for the miners' offers at the coordinator's relay.
 */
export async function startNetwork(p: NetworkPlan) {
  const { addresses, batchEscrowAddress, backend, model, accounts: a, opts, say } = p;
  const adapter = (account: string) => new ChainAdapter({ rpc: p.rpc, account: account as Address, addresses, pollingIntervalMs: 20 }); // prettier-ignore
  const journals = mkdtempSync(join(tmpdir(), "aitbc-main-"));
  // The coordinator's watcher fetches a job's data from its provider's miner archive and the gateways'
  // (the consumer's) archives, filled in once they serve.
  const minerArchives = new Map<string, string>();
  const gatewayArchives: string[] = [];
  const coordinator = new Coordinator({
    archivesOf: (job) => [...(minerArchives.has(job.provider.toLowerCase()) ? [minerArchives.get(job.provider.toLowerCase())!] : []), ...gatewayArchives], // prettier-ignore
    chain: adapter(a.coordinatorKey.address),
    verifiers: new Map([[p.digest.toLowerCase(), { model, backend }]]),
    sampleRate: 0.25,
    reportEveryMs: 0,
    pollMs: 100,
    log: (line) => say(`coordinator: ${line}`),
  });
  await coordinator.start();
  const miners = [a.provider1, a.provider2].map(
    (provider, i) =>
      new Miner({
        chain: adapter(provider.address),
        backend,
        models: [model],
        relayUrl: coordinator.relay.url,
        secret: 0xa17bc_0000n + BigInt(i + 1),
        journalPath: join(journals, `miner-${i + 1}.jsonl`),
        gpu: { model: "CPU (built-in model)", vramGb: 0, throughput: 5, source: "flags" },
        concurrency: 2,
        pollMs: 100,
        pricePerToken: PRICE,
        offerEveryMs: 2_000,
        ...(batchEscrowAddress ? { batch: { size: opts.batchSize, maxWaitMs: opts.batchMaxWaitS * 1000 } } : {}), // prettier-ignore
        log: (line) =>
          /claimed|submitted|finalized|adopted|quote request|batch request|batch job/.test(line)
            ? undefined
            : say(`miner ${i + 1}: ${line}`),
      }),
  );
  for (const m of miners) {
    await m.start();
    minerArchives.set(m.address.toLowerCase(), m.archiveUrl!);
  }
  for (let i = 0; i < 50 && coordinator.relay.state.offers.size < miners.length; i++) await sleep(100);
  say(`miners registered and staked (1,000 AITBC each), ${coordinator.relay.state.offers.size} offer(s) at the coordinator relay ${coordinator.relay.url}`); // prettier-ignore
  const gatewayChain = adapter(a.gatewayKey.address);
  const gatewayOptions = {
    chain: gatewayChain,
    agentWallet: p.walletAddress,
    relayUrl: coordinator.relay.url,
    pricePerToken: PRICE,
    defaultMaxTokens: 256,
    log: (line: string) => (line.includes("open job") || line.includes("deposited") ? say(`gateway: ${line}`) : undefined), // prettier-ignore
  };
  const singleGateway = await startGateway(gatewayOptions);
  const batchGateway = batchEscrowAddress
    ? await startGateway({ ...gatewayOptions, batch: { topUp: 1_000n * AITBC }, matchTimeoutMs: 5_000 })
    : undefined;
  gatewayArchives.push(singleGateway.url, ...(batchGateway ? [batchGateway.url] : []));
  const removeJournals = () => rmSync(journals, { recursive: true, force: true });
  return { coordinator, miners, gatewayChain, singleGateway, batchGateway, removeJournals };
}

/** Stops the miners, the gateways and the coordinator (the journals stay until `removeJournals`). */
export async function stopNetwork(net: Network): Promise<void> {
  for (const m of net.miners) await m.stop();
  await net.singleGateway.close();
  await net.batchGateway?.close();
  await net.coordinator.stop();
}
