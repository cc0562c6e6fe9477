/**
 * The contracts the indexer follows, and where their addresses, ABIs and start block come from.
 *
 * Everything here is read from the environment that `npm run indexer` (scripts/indexer.ts) sets,
 * because Ponder loads `ponder.config.ts` itself (through vite-node) and passes it no arguments:
 *
 * - `AITBC_INDEXER_RPC`: JSON-RPC URL of the chain (required);
 * - `AITBC_INDEXER_DEPLOYMENTS`: a deployments file (`deployments/<chainId>.json`: `{ chainId, contracts }`);
 * - `AITBC_INDEXER_START_BLOCK`: first block to index (default 0; a deployment's first block is enough);
 * - `AITBC_INDEXER_POLL_MS`: polling interval for new blocks, ms (default 1,000, Ponder's own);
 * - `AITBC_INDEXER_RPC_CACHE`: `1` keeps Ponder's RPC cache (finalized logs and blocks in the
 *   `ponder_sync` schema), so a restart fetches only what it has not seen; `0` turns it off. Default:
 *   on, except on the development chain ids 31337 and 1337, as Ponder advises for local nodes (a
 *   development chain restarted under the same id would be served the old chain's cached logs);
 * - `DATABASE_URL`: PostgreSQL when set, else PGlite in `AITBC_INDEXER_DB_DIR` (default `indexer/.ponder/pglite`).
 *
 * Adding a contract is one entry in {@link INDEXED}, one table file in `schema/` and one handler file in
 * `src/` (see indexer/README.md).
 */
import { readFileSync } from "node:fs";

import type { Address } from "viem";

import {
  agentWalletAbi,
  agentWalletFactoryAbi,
  batchEscrowAbi,
  ecosystemPoolAbi,
  gpuStakingAbi,
  jobEscrowAbi,
  milestoneGrantsAbi,
  openClawGovernorAbi,
  openClawTimelockAbi,
  participationRewardsAbi,
  proposalBondEscrowAbi,
  proposalRewardsAbi,
  reputationRegistryAbi,
} from "../sdk/src/abis/index.js";

/** The zero address: a contract the deployment lacks is followed there (no logs, nothing indexed). */
export const ABSENT: Address = "0x0000000000000000000000000000000000000000";

/** Contract name in the deployments file → its ABI (from the SDK). */
export const INDEXED = {
  OpenClawGovernor: openClawGovernorAbi,
  ProposalBondEscrow: proposalBondEscrowAbi,
  OpenClawTimelock: openClawTimelockAbi,
  JobEscrow: jobEscrowAbi,
  BatchEscrow: batchEscrowAbi,
  GPUStaking: gpuStakingAbi,
  ReputationRegistry: reputationRegistryAbi,
  AgentWalletFactory: agentWalletFactoryAbi,
  MilestoneGrants: milestoneGrantsAbi,
  EcosystemPool: ecosystemPoolAbi,
  ParticipationRewards: participationRewardsAbi,
  ProposalRewards: proposalRewardsAbi,
} as const;

/** ABI of the wallets the factory creates (followed through Ponder's `factory()` on `AgentWalletCreated`). */
export const AGENT_WALLET_ABI = agentWalletAbi;

/** Chain ids of local development nodes (Hardhat, Ganache), whose chains are restarted under the same id. */
export const DEV_CHAIN_IDS: readonly number[] = [31337, 1337];

/** A deployments file. */
export interface DeploymentsFile {
  chainId: number;
  contracts: Record<string, Address>;
}

/** Thrown when the environment does not name a usable RPC URL or deployments file. */
export class IndexerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexerConfigError";
  }
}

/** The resolved sources. */
export interface Sources {
  rpc: string;
  chainId: number;
  startBlock: number;
  pollingIntervalMs: number;
  /** Whether Ponder's RPC cache is used (`AITBC_INDEXER_RPC_CACHE=1`). */
  rpcCache: boolean;
  addresses: Record<keyof typeof INDEXED, Address>;
  /** The AITBC token (read for the pool's balance; not indexed). */
  token: Address;
}

/**
 * Reads {@link Sources} from the environment.
 *
 * @throws IndexerConfigError when `AITBC_INDEXER_RPC` or `AITBC_INDEXER_DEPLOYMENTS` is missing or unreadable
 */
export function readSources(env: NodeJS.ProcessEnv = process.env): Sources {
  const rpc = env.AITBC_INDEXER_RPC;
  const file = env.AITBC_INDEXER_DEPLOYMENTS;
  if (!rpc) throw new IndexerConfigError("AITBC_INDEXER_RPC (--rpc) is not set");
  if (!file) throw new IndexerConfigError("AITBC_INDEXER_DEPLOYMENTS (--deployments) is not set");
  let deployments: DeploymentsFile;
  try {
    deployments = JSON.parse(readFileSync(file, "utf8")) as DeploymentsFile;
  } catch (error) {
    throw new IndexerConfigError(`cannot read the deployments file ${file}: ${(error as Error).message}`);
  }
  if (!Number.isSafeInteger(deployments.chainId) || typeof deployments.contracts !== "object")
    throw new IndexerConfigError(`${file} is not a deployments file ({ chainId, contracts })`);
  const addresses = Object.fromEntries(
    Object.keys(INDEXED).map((name) => [name, deployments.contracts[name] ?? ABSENT]),
  ) as Record<keyof typeof INDEXED, Address>;
  const whole = (text: string | undefined, fallback: number) => (text ? Number(text) : fallback);
  return {
    rpc,
    chainId: deployments.chainId,
    startBlock: whole(env.AITBC_INDEXER_START_BLOCK, 0),
    pollingIntervalMs: whole(env.AITBC_INDEXER_POLL_MS, 1_000),
    rpcCache:
      env.AITBC_INDEXER_RPC_CACHE === undefined || env.AITBC_INDEXER_RPC_CACHE === ""
        ? !DEV_CHAIN_IDS.includes(deployments.chainId)
        : env.AITBC_INDEXER_RPC_CACHE === "1",
    addresses,
    token: deployments.contracts.AITBCToken ?? ABSENT,
  };
}
