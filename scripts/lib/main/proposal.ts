/**
 * The main job's governance step: once the voters' delegated power has vested, a treasury grant
 * through its whole life with the SDK's governance actions — two humans vote with `castVote`; the
 * consumer agent wallet is an autonomous agent of the voter program (node/voter): it decodes the
 * proposal, scores it with the Consumer strategy and votes through the wallet with its agent key,
 * explaining the vote in the log and in the `VoteCast` reason.
 */
import type { Address } from "viem";

import { castVote, getAgentWallet, type VoteSupportValue } from "@aitbc/sdk";
import { openStore } from "../../../node/shared/store.js";
import { Voter as VotingAgents } from "../../../node/voter/voter.js";
import { createChainSigner } from "../../../node/watcher/signer.js";
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
    cast: (proposalId) => castVote(walletFor(address), { contracts, proposalId, support }),
  });
  const agent: Voter = {
    label: "consumer agent wallet (autonomous, agent key)",
    cast: async () => {
      // The voter program's agent: it finds the open proposal, decodes it, scores it as a Consumer and
      // votes through the wallet with its agent key.
      const { role } = await getAgentWallet(publicClient, { wallet: p.walletAddress });
      const signer = createChainSigner({ public: publicClient, wallet: walletFor(a.gatewayKey.address) });
      const store = openStore(":memory:");
      const voter = new VotingAgents({ client: publicClient, contracts, agents: [{ wallet: p.walletAddress, role, signer }], store, pollingIntervalMs: 3_600_000, log: (line) => console.log(`  [voter] ${line}`) }); // prettier-ignore
      voter.start();
      await voter.caughtUp();
      const [vote] = await voter.round();
      await voter.stop();
      store.close();
      if (vote?.hash === undefined) throw new Error("the consumer agent did not vote");
      const receipt = await publicClient.getTransactionReceipt({ hash: vote.hash });
      return { hash: vote.hash, receipt, support: vote.support as VoteSupportValue, reasons: vote.reasons };
    },
  };
  await p.time.increaseTo(p.day0 + 8 * DAY); // votes delegated at day 0 have fully vested (7-day average)
  return runTreasuryGrant({
    publicClient,
    contracts,
    time: p.time,
    proposer: walletFor(a.proposer.address),
    earlyVoter: walletFor(a.alice.address),
    councilOwners: a.councilOwners.map((o) => walletFor(o.address)),
    voters: [
      human("alice (human)", a.alice.address, 1),
      agent,
      human("bob (human)", a.bob.address, 1),
      human("the proposer (human)", a.proposer.address, 1),
    ],
    grantee: a.grantee.address as Address,
    day0: p.day0,
    log: (line) => console.log(line),
  });
}
