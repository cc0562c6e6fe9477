/**
 * Ponder configuration of the AITBC indexer: one chain (the deployment's), every protocol contract
 * of {@link INDEXED} at its deployed address, and every AgentWallet the factory creates.
 * Sources come from the environment (see sources.ts); `npm run indexer -- --rpc <url> --deployments <file>`.
 */
import { createConfig, factory } from "ponder";
import { getAbiItem } from "viem";

import { AGENT_WALLET_ABI, INDEXED, readSources } from "./sources.js";

const s = readSources();
const at = (name: keyof typeof INDEXED) => ({
  abi: INDEXED[name],
  chain: "aitbc" as const,
  address: s.addresses[name],
  startBlock: s.startBlock,
});

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.AITBC_INDEXER_DB_DIR ?? ".ponder/pglite" },
  chains: {
    aitbc: { id: s.chainId, rpc: s.rpc, pollingInterval: s.pollingIntervalMs, disableCache: !s.rpcCache },
  },
  contracts: {
    OpenClawGovernor: at("OpenClawGovernor"),
    ProposalBondEscrow: at("ProposalBondEscrow"),
    OpenClawTimelock: at("OpenClawTimelock"),
    JobEscrow: at("JobEscrow"),
    BatchEscrow: at("BatchEscrow"),
    GPUStaking: at("GPUStaking"),
    ReputationRegistry: at("ReputationRegistry"),
    AgentWalletFactory: at("AgentWalletFactory"),
    MilestoneGrants: at("MilestoneGrants"),
    EcosystemPool: at("EcosystemPool"),
    ParticipationRewards: at("ParticipationRewards"),
    ProposalRewards: at("ProposalRewards"),
    AgentWallet: {
      abi: AGENT_WALLET_ABI,
      chain: "aitbc",
      address: factory({
        address: s.addresses.AgentWalletFactory,
        event: getAbiItem({ abi: INDEXED.AgentWalletFactory, name: "AgentWalletCreated" }),
        parameter: "wallet",
      }),
      startBlock: s.startBlock,
    },
  },
});
