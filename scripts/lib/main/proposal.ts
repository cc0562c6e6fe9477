/**
 * The main job's governance step: once the voters' delegated power has vested, a treasury grant
 * through its whole life with the SDK's governance actions — two humans vote with `castVote`, the
 * consumer agent wallet votes with its agent key through `castWalletVote`.
 */
import type { Address } from "viem";

import { castVote, castWalletVote, type VoteSupportValue } from "@aitbc/sdk";
import { DAY } from "../devnet.js";
import { toContracts, type ViemClients } from "./clients.js";
import type { MainAccounts } from "./deploy.js";
import { runTreasuryGrant, type GrantResult, type Voter } from "./governance.js";

/** What {@link runMainGrant} needs. */
export interface MainGrantPlan {
  clients: ViemClients;
  /** The DAO's addresses by deployment name. */
  daoAddresses: Record<string, string>;
  accounts: MainAccounts;
  /** The consumer agent wallet (its votes are delegated to itself). */
  walletAddress: Address;
  /** Chain time of the deployment, Unix seconds. */
  day0: number;
  time: { latest(): Promise<number>; increase(seconds: number): Promise<unknown>; increaseTo(to: number): Promise<unknown> }; // prettier-ignore
}

/** Runs the grant (250,000 AITBC to the grantee) and returns its steps, tally and final state. */
export async function runMainGrant(p: MainGrantPlan): Promise<GrantResult> {
  const { walletFor, publicClient } = p.clients;
  const a = p.accounts;
  const contracts = toContracts(p.daoAddresses);
  const human = (label: string, address: string, support: VoteSupportValue): Voter => ({
    label,
    support,
    cast: (proposalId, s) => castVote(walletFor(address), { contracts, proposalId, support: s }),
  });
  const agent: Voter = {
    label: "consumer agent wallet (agent key)",
    support: 1,
    cast: (proposalId, s) =>
      castWalletVote(walletFor(a.gatewayKey.address), { contracts, wallet: p.walletAddress, proposalId, support: s }), // prettier-ignore
  };
  await p.time.increaseTo(p.day0 + 8 * DAY); // votes delegated at day 0 have fully vested (7-day average)
  return runTreasuryGrant({
    publicClient,
    contracts,
    time: p.time,
    proposer: walletFor(a.proposer.address),
    earlyVoter: walletFor(a.alice.address),
    councilOwners: a.councilOwners.map((o) => walletFor(o.address)),
    voters: [human("alice (human)", a.alice.address, 1), agent, human("bob (human)", a.bob.address, 2)],
    grantee: a.grantee.address as Address,
    day0: p.day0,
    log: (line) => console.log(line),
  });
}
