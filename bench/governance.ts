/**
 * Gas of the OpenClaw governor next to a plain OpenZeppelin Governor (GovernorVotes +
 * GovernorVotesQuorumFraction + GovernorTimelockControl on a plain ERC20Votes token), both deployed
 * and driven side by side on one fresh embedded chain, with the same delays, the same 100-token
 * threshold, the same voters and the same action (a treasury transfer from the timelock).
 * Figures are `gasUsed` from transaction receipts, medians over `runs` proposals.
 */
import { network } from "hardhat";

import {
  CAP,
  ProposalType,
  TIMELOCK_DELAY,
  VOTING_PERIOD,
  Vote,
  councilApprove,
  deployOpenClaw,
  descriptionHash,
  openVoting,
  treasuryTransfer,
} from "../test/helpers/openclaw.js";
import { median, type BenchRow, type BenchSection } from "./lib.js";

const ANCHOR = "OpenZeppelin Governor (Votes + QuorumFraction + TimelockControl)";
/** Issue 3: castVote at most 1.3 times the plain Governor's. */
const CAST_VOTE_TARGET_RATIO = 1.3;

interface Receiptish {
  wait(): Promise<{ gasUsed: bigint } | null>;
}

async function gasOf(tx: Promise<Receiptish> | Receiptish): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

/**
 * Measures propose (with bond), castVote (first and later voter), queue and execute on both
 * governors, plus the council's Safe approval (OpenClaw only).
 *
 * @param runs proposals per governor; each figure is the median over them
 */
export async function benchGovernance(runs = 5): Promise<BenchSection> {
  const connection = await network.create();
  const dao = await deployOpenClaw(connection);
  const { ethers, networkHelpers } = connection;
  const { deployer, alice, bob, proposer, outsider } = dao;

  // The anchor stack on the same chain.
  const plainToken = await ethers.deployContract("PlainVotesToken");
  const plainTimelock = await ethers.deployContract("TimelockController", [
    TIMELOCK_DELAY,
    [],
    [],
    deployer.address,
  ]);
  const plainGovernor = await ethers.deployContract("PlainGovernorAnchor", [
    await plainToken.getAddress(),
    await plainTimelock.getAddress(),
  ]);
  const plainGovernorAddress = await plainGovernor.getAddress();
  for (const role of ["PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"]) {
    await plainTimelock.grantRole(ethers.id(role), plainGovernorAddress);
  }
  await plainToken.transfer(await plainTimelock.getAddress(), 400_000_000n * 10n ** 18n);
  for (const [holder, amount] of [
    [alice, CAP],
    [bob, CAP],
    [proposer, 1_000_000n * 10n ** 18n],
  ] as const) {
    await plainToken.transfer(holder.address, amount);
    await plainToken.connect(holder).delegate(holder.address);
  }
  await networkHelpers.time.increase(8 * 24 * 3600);
  await dao.token.connect(proposer).approve(await dao.escrow.getAddress(), 10n ** 27n);

  const gas = {
    ours: {
      propose: [] as number[],
      first: [] as number[],
      later: [] as number[],
      queue: [] as number[],
      execute: [] as number[],
    },
    plain: {
      propose: [] as number[],
      first: [] as number[],
      later: [] as number[],
      queue: [] as number[],
      execute: [] as number[],
    },
    council: [] as number[],
    /** propose of the other types (the treasury transfer above is Resource), OpenClaw only. */
    proposeCommunity: [] as number[],
    proposeProtocol: [] as number[],
    proposeEmergency: [] as number[],
  };
  const vestingAddress = await dao.vesting.getAddress();
  const governorAddress = await dao.governor.getAddress();

  for (let run = 0; run < runs; run++) {
    const ours = await treasuryTransfer(
      dao,
      outsider.address,
      BigInt(run + 1),
      `OpenClaw bench proposal ${run}`,
    );
    const plain = {
      targets: [await plainToken.getAddress()],
      values: [0n],
      calldatas: [plainToken.interface.encodeFunctionData("transfer", [outsider.address, BigInt(run + 1)])],
      description: `Plain bench proposal ${run}`,
    };
    const ourHash = descriptionHash(dao, ours);
    const plainHash = ethers.id(plain.description);

    gas.ours.propose.push(
      await gasOf(
        dao.governor
          .connect(proposer)
          .proposeTyped(ours.targets, ours.values, ours.calldatas, ours.description, ProposalType.Resource),
      ),
    );
    // The other types: Community (the allowlisted vesting release), Protocol (a governor setter),
    // Emergency (the same setter, approved by the council beforehand).
    const release = dao.vesting.interface.encodeFunctionData("release(address)", [
      await dao.token.getAddress(),
    ]);
    gas.proposeCommunity.push(
      await gasOf(
        dao.governor
          .connect(proposer)
          .proposeTyped([vestingAddress], [0n], [release], `Community bench ${run}`, ProposalType.Community),
      ),
    );
    const setter = dao.governor.interface.encodeFunctionData("setProposalThreshold", [100n * 10n ** 18n]);
    gas.proposeProtocol.push(
      await gasOf(
        dao.governor
          .connect(proposer)
          .proposeTyped([governorAddress], [0n], [setter], `Protocol bench ${run}`, ProposalType.Protocol),
      ),
    );
    const emergencyDescription = `Emergency bench ${run}`;
    const emergencyId = await dao.governor.getProposalId([governorAddress], [0n], [setter], ethers.id(emergencyDescription)); // prettier-ignore
    await councilApprove(dao, emergencyId, dao.owners.slice(0, 3), proposer.address);
    gas.proposeEmergency.push(
      await gasOf(
        dao.governor
          .connect(proposer)
          .proposeTyped([governorAddress], [0n], [setter], emergencyDescription, ProposalType.Emergency),
      ),
    );
    gas.plain.propose.push(
      await gasOf(
        plainGovernor
          .connect(proposer)
          .propose(plain.targets, plain.values, plain.calldatas, plain.description),
      ),
    );
    const ourId = await dao.governor.getProposalId(ours.targets, ours.values, ours.calldatas, ourHash);
    const plainId = await plainGovernor.getProposalId(
      plain.targets,
      plain.values,
      plain.calldatas,
      plainHash,
    );

    await openVoting(dao);
    gas.ours.first.push(await gasOf(dao.governor.connect(alice).castVote(ourId, Vote.For)));
    gas.plain.first.push(await gasOf(plainGovernor.connect(alice).castVote(plainId, Vote.For)));
    gas.ours.later.push(await gasOf(dao.governor.connect(bob).castVote(ourId, Vote.For)));
    gas.plain.later.push(await gasOf(plainGovernor.connect(bob).castVote(plainId, Vote.For)));
    await networkHelpers.time.increase(VOTING_PERIOD);

    gas.council.push(Number((await councilApprove(dao, ourId)).receipt.gasUsed));
    gas.ours.queue.push(await gasOf(dao.governor.queue(ours.targets, ours.values, ours.calldatas, ourHash)));
    gas.plain.queue.push(
      await gasOf(plainGovernor.queue(plain.targets, plain.values, plain.calldatas, plainHash)),
    );
    await networkHelpers.time.increase(TIMELOCK_DELAY);
    gas.ours.execute.push(
      await gasOf(dao.governor.execute(ours.targets, ours.values, ours.calldatas, ourHash)),
    );
    gas.plain.execute.push(
      await gasOf(plainGovernor.execute(plain.targets, plain.values, plain.calldatas, plainHash)),
    );
  }

  const row = (
    name: string,
    ours: number[],
    plain: number[],
    note: string,
    targetRatio?: number,
  ): BenchRow => {
    const value = median(ours);
    const anchorValue = median(plain);
    return {
      name,
      value,
      unit: "gas",
      anchor: { name: ANCHOR, value: anchorValue },
      ...(targetRatio === undefined
        ? {}
        : { target: { value: Math.floor(anchorValue * targetRatio), comparison: "<=" as const } }),
      runs: ours.length,
      note: `ratio ${(value / anchorValue).toFixed(3)}; ${note}`,
    };
  };

  return {
    title: "OpenClaw governance (gas, vs plain OpenZeppelin Governor in the same run)",
    rows: [
      row(
        "propose (with 1,000 AITBC bond escrowed)",
        gas.ours.propose,
        gas.plain.propose,
        "a Resource proposal (treasury transfer): type derived by the linked ProposalClassifier, allowance and balance checked, the bond's transferFrom into the escrow; both read the proposer's votes for the 100-token threshold",
      ),
      ...(
        [
          ["propose, Community (allowlisted vesting release)", gas.proposeCommunity],
          ["propose, Protocol (a governor setter)", gas.proposeProtocol],
          ["propose, Emergency (council-approved beforehand)", gas.proposeEmergency],
        ] as const
      ).map(([name, values]) => ({
        name,
        value: median(values),
        unit: "gas" as const,
        runs: values.length,
        note: "OpenClaw only; with the 1,000 AITBC bond",
      })),
      row(
        "castVote, first voter of a proposal",
        gas.ours.first,
        gas.plain.first,
        "counted power (24 h and 7-day averages, 5% cap) at creation",
        CAST_VOTE_TARGET_RATIO,
      ),
      row(
        "castVote, later voter",
        gas.ours.later,
        gas.plain.later,
        "counted power at creation",
        CAST_VOTE_TARGET_RATIO,
      ),
      row(
        "queue",
        gas.ours.queue,
        gas.plain.queue,
        "council-approval check, then TimelockController.scheduleBatch",
      ),
      row(
        "execute (treasury transfer)",
        gas.ours.execute,
        gas.plain.execute,
        "council-approval check, then executeBatch",
      ),
      {
        name: "council approval (Safe 1.5 execTransaction, 3 of 5 signatures)",
        value: median(gas.council),
        unit: "gas",
        runs: gas.council.length,
        note: "OpenClaw only: needed for critical proposals",
      },
    ],
  };
}
