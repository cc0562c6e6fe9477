/**
 * The voter program's agents on a real OpenClaw deployment: four AgentWallets, one per seed role, each
 * voting with its agent key through its wallet on what the proposals' calldata does, with the
 * explanation in the governor's `VoteCast` reason; a restart neither re-votes nor forgets.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, createWalletClient, custom, parseEventLogs, type Address, type EIP1193Provider, type Hex } from "viem"; // prettier-ignore
import { privateKeyToAccount } from "viem/accounts";

import { getOpenProposals, openClawGovernorAbi, summarizeProposal } from "../../sdk/src/index.js";
import { openStore, type Store } from "../../node/shared/store.js";
import { Voter, type VotingAgent } from "../../node/voter/voter.js";
import { createChainSigner } from "../../node/watcher/signer.js";
import {
  AITBC,
  DAY,
  ProposalType,
  deployOpenClaw,
  openVoting,
  propose,
  treasuryTransfer,
} from "../helpers/openclaw.js";
import { AgentRole } from "../helpers/wallet.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
const publicClient = createPublicClient({ transport, pollingInterval: 20 });

const ROLES = ["Provider", "Consumer", "Builder", "Coordinator"] as const;

async function fixture() {
  const dao = await deployOpenClaw(connection);
  const timelock = await dao.timelock.getAddress();
  // GPUStaking governed by the timelock, so a proposal can change its reward rate (0 at deployment).
  const staking = await ethers.deployContract("GPUStaking", [await dao.token.getAddress(), dao.outsider.address, timelock]); // prettier-ignore
  const entryPoint = await ethers.deployContract("EntryPoint");
  const factory = await ethers.deployContract("AgentWalletFactory", [await entryPoint.getAddress()]);
  const owner = new ethers.Wallet(ethers.id("voter test owner"), ethers.provider);
  await dao.deployer.sendTransaction({ to: owner.address, value: 10n ** 18n });
  const wallets: { wallet: Address; role: (typeof ROLES)[number]; key: Hex }[] = [];
  for (const [i, role] of ROLES.entries()) {
    const key = ethers.id(`voter test agent ${role}`) as Hex;
    const agent = new ethers.Wallet(key, ethers.provider);
    await dao.deployer.sendTransaction({ to: agent.address, value: 10n ** 18n });
    await factory.createAccount(owner.address, agent.address, AgentRole[role], 0n);
    const wallet = (await factory.getFunction("getAddress")(owner.address, agent.address, AgentRole[role], 0n)) as Address; // prettier-ignore
    await dao.token.connect(dao.ecosystem).transfer(wallet, BigInt(10 + i) * 1_000_000n * AITBC);
    const w = await ethers.getContractAt("AgentWallet", wallet);
    await w.connect(agent).delegateVotes(await dao.token.getAddress(), wallet);
    wallets.push({ wallet, role, key });
  }
  await networkHelpers.time.increase(8 * DAY); // delegated votes vest over 7 days
  const contracts = { ...dao.contracts, GPUStaking: (await staking.getAddress()) as Address };
  const rewards = {
    targets: [contracts.GPUStaking],
    values: [0n],
    calldatas: [staking.interface.encodeFunctionData("setRewardRate", [10n ** 15n]) as Hex],
    description: "Raise GPU provider rewards to grow staking",
  };
  const transfer = await treasuryTransfer(dao, dao.outsider.address, 500_000n * AITBC, "Grant for open source SDK tooling and documentation"); // prettier-ignore
  const grant = {
    ...transfer,
    targets: transfer.targets as Address[],
    calldatas: transfer.calldatas as Hex[],
  };
  const a = await propose(dao, dao.proposer, rewards, ProposalType.Protocol);
  const b = await propose(dao, dao.proposer, grant, ProposalType.Resource);
  return { dao, owner, contracts, wallets, rewards, grant, rewardsId: a.id, grantId: b.id };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

function agentsOf(fx: Fixture): VotingAgent[] {
  return fx.wallets.map(({ wallet, role, key }) => ({
    wallet,
    role,
    signer: createChainSigner({ public: publicClient, wallet: createWalletClient({ account: privateKeyToAccount(key), transport, pollingInterval: 20 }) }), // prettier-ignore
  }));
}

function voterOn(fx: Fixture, store: Store, lines: string[]) {
  return new Voter({ client: publicClient, contracts: fx.contracts, agents: agentsOf(fx), store, pollingIntervalMs: 3_600_000, log: (l) => lines.push(l) }); // prettier-ignore
}

async function voteCasts() {
  const logs = await publicClient.getLogs({ fromBlock: 0n });
  return parseEventLogs({ abi: openClawGovernorAbi, logs, eventName: "VoteCast" });
}

describe("voter: autonomous agents vote through their wallets", function () {
  it("decodes what a proposal does from its calldata, not from its description", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const rewards = await summarizeProposal(publicClient, { contracts: fx.contracts, ...fx.rewards, proposalType: "Protocol" }); // prettier-ignore
    expect(rewards.parameterChanges).to.deep.equal([{ parameter: "rewardRate", direction: "increase" }]);
    expect(rewards.treasuryAmount).to.equal(undefined);
    const grant = await summarizeProposal(publicClient, { contracts: fx.contracts, ...fx.grant, proposalType: "Resource" }); // prettier-ignore
    expect(grant.treasuryAmount).to.equal(500_000n * 10n ** 18n);
    // A setter to the value in force changes nothing; an unknown call is listed, not scored.
    const mixed = await summarizeProposal(publicClient, {
      contracts: fx.contracts,
      proposalType: "Protocol",
      description: "no-op and an unknown call",
      targets: [fx.contracts.GPUStaking, fx.dao.outsider.address as Address],
      values: [0n, 0n],
      calldatas: [fx.rewards.calldatas[0]!.replace(/[0-9a-f]{64}$/, "0".repeat(64)) as Hex, "0xdeadbeef"],
    });
    expect(mixed.parameterChanges).to.equal(undefined);
    expect(mixed.unrecognized).to.deep.equal([`${fx.dao.outsider.address} 0xdeadbeef`]);
    const open = await getOpenProposals(publicClient, { contracts: fx.contracts });
    expect(open.map((p) => [p.proposalId, p.proposalType, p.state])).to.deep.equal([
      [fx.rewardsId, "Protocol", "Pending"],
      [fx.grantId, "Resource", "Pending"], // a treasury transfer: derived Resource
    ]);
  });

  it("waits out the challenge period, then each role votes by its strategy with the reason on-chain", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const lines: string[] = [];
    const store = openStore(":memory:");
    const voter = voterOn(fx, store, lines);
    voter.start();
    await voter.caughtUp();
    expect(await voter.round()).to.deep.equal([]); // Pending: votes would be refused
    await openVoting(fx.dao);
    const votes = await voter.round();
    await voter.stop();
    const decided = votes.map((v) => [
      v.proposalId === fx.rewardsId ? "rewards" : "grant",
      v.role,
      v.support,
      v.score,
    ]);
    expect(decided).to.deep.equal([
      // 0.5 + 0.30 rewardRate increase + 0.15 keywords (gpu, provider, reward, staking; at most 0.15)
      ["rewards", "Provider", 1, 0.95],
      ["rewards", "Consumer", 0, 0.55], // + 0.05 rewardRate increase
      ["rewards", "Builder", 0, 0.5],
      ["rewards", "Coordinator", 0, 0.6], // + 0.05 rewardRate + 0.05 Protocol
      ["grant", "Provider", 0, 0.6], // + 0.10 Resource
      ["grant", "Consumer", 0, 0.55], // + 0.05 Resource
      ["grant", "Builder", 1, 0.85], // 0.5 + 0.20 small grant + 0.15 keywords
      ["grant", "Coordinator", 0, 0.6], // + 0.10 Resource
    ]);
    // On-chain: the wallets voted (not the agent keys), with their vested power and the explanation.
    const casts = await voteCasts();
    expect(casts).to.have.length(8);
    for (const [i, cast] of casts.entries()) {
      const w = fx.wallets[i % 4]!;
      expect(cast.args.voter).to.equal(w.wallet);
      expect(cast.args.weight).to.equal(BigInt(10 + (i % 4)) * 1_000_000n * 10n ** 18n);
      expect(cast.args.reason.startsWith(`${w.role} agent: `)).to.equal(true);
    }
    expect(casts[0]!.args.reason).to.equal(
      "Provider agent: +0.30 rewardRate increase; +0.15 provider keywords: gpu, provider, reward, staking; score 0.950 > threshold 0.7: vote For",
    );
    expect(lines.some((l) => /^Provider agent 0x[0-9a-fA-F]{40} votes For on proposal .* \(Protocol\) "Raise GPU provider rewards/.test(l))).to.equal(true); // prettier-ignore
    expect(lines).to.include("    +0.30 rewardRate increase");
    store.close();
  });

  it("a restart on the same store votes nothing twice; a vote sent before a crash is found on-chain", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    await openVoting(fx.dao);
    const store = openStore(":memory:");
    const first = voterOn(fx, store, []);
    first.start();
    await first.caughtUp();
    expect(await first.round()).to.have.length(8);
    await first.stop();
    // The crash: the vote of the Builder on the grant was sent, its record lost.
    store.db.prepare("DELETE FROM voter_votes WHERE wallet = ? AND proposal_id = ?").run(fx.wallets[2]!.wallet.toLowerCase(), fx.grantId.toString()); // prettier-ignore
    const head = await publicClient.getBlockNumber();
    const lines: string[] = [];
    const second = voterOn(fx, store, lines);
    second.start();
    await second.caughtUp();
    const again = await second.round();
    await second.stop();
    expect(await publicClient.getBlockNumber()).to.equal(head); // no transaction sent
    expect(again.map((v) => [v.role, v.support, v.score, v.weight])).to.deep.equal([["Builder", 1, 0.85, 12_000_000n * 10n ** 18n]]); // prettier-ignore
    expect(lines.some((l) => l.includes("had already voted For") && l.includes("(found on-chain)"))).to.equal(
      true,
    );
    expect(second.votes()).to.have.length(8);
    store.close();
  });

  it("a frozen wallet's vote is refused and retried in the next round; other agents are not held up", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    await openVoting(fx.dao);
    const coordinator = await ethers.getContractAt("AgentWallet", fx.wallets[3]!.wallet);
    await coordinator.connect(fx.owner).setFrozen(true);
    const store = openStore(":memory:");
    const lines: string[] = [];
    const voter = voterOn(fx, store, lines);
    voter.start();
    await voter.caughtUp();
    const firstRound = await voter.round();
    expect(firstRound.map((v) => v.role)).to.deep.equal(["Provider", "Consumer", "Builder", "Provider", "Consumer", "Builder"]); // prettier-ignore
    expect(
      lines.filter((l) => l.includes("could not vote") && l.endsWith("AgentWalletFrozen")),
    ).to.have.length(2);
    expect(await fx.dao.governor.hasVoted(fx.rewardsId, fx.wallets[3]!.wallet)).to.equal(false);
    await coordinator.connect(fx.owner).setFrozen(false);
    const secondRound = await voter.round();
    await voter.stop();
    expect(secondRound.map((v) => [v.role, v.support])).to.deep.equal([["Coordinator", 0], ["Coordinator", 0]]); // prettier-ignore
    // Voting over: the proposals are closed and not read again.
    await networkHelpers.time.increase(7 * DAY + 1);
    expect(await voter.round()).to.deep.equal([]);
    expect(
      store.db.prepare("SELECT COUNT(*) AS n FROM voter_proposals WHERE closed = 1").get(),
    ).to.deep.equal({ n: 2 });
    store.close();
  });
});
