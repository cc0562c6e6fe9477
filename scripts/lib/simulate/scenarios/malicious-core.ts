/**
 * `malicious-core`: proposals that try to reach a core contract (give an attacker the timelock's
 * proposer role, or lower the proposal threshold) dressed as a Community or Resource proposal — the
 * call itself, the call relayed through the governor's `relay`, the call nested in a Safe
 * `MultiSendCallOnly` batch, a treasury `transfer` with trailing bytes, and a core call mixed with an
 * allowlisted one. Measured for each: the type the governor derives (the disguised `proposeTyped` is
 * refused with `GovernanceProposalTypeMismatch(declared, derived)` before any bond moves), and, proposed
 * with the derived type and voted through by holders above the quorum, that it cannot be queued without
 * the council (`GovernanceCouncilApprovalRequired`) and nothing changed.
 *
 * And the call nested in the allowlisted target itself: the vesting wallet's `release(token)` with an
 * attacker's token (`CallbackTokenMock`) whose `transfer` calls `timelock.grantRole`. The allowlist is by
 * (target, selector), so this one *is* Community and executes without the council; measured: the nested
 * call is made by the attacker's token (called by the vesting wallet), never by the timelock, and is
 * refused; nothing is granted.
 */
import {
  decodeErrorResult,
  encodeFunctionData,
  encodePacked,
  parseAbi,
  size,
  toFunctionSelector,
  type Address,
  type Hex,
} from "viem";

import {
  aitbcTokenAbi,
  openClawGovernorAbi,
  openClawTimelockAbi,
  executeProposal,
  protocolErrorsAbi,
  ProposalType,
  queueProposal,
  VoteSupport,
  type ProposalActions,
  type ProposalTypeValue,
} from "@aitbc/sdk";

import type { AttackOutcome, Scenario, SimulationWorld } from "../types.js";
import {
  Ballot,
  advance,
  balanceOf,
  claimBonds,
  closeVoting,
  delegatedAccount,
  formatRefusal,
  governanceNumbers,
  openVoting,
  outcome,
  proposeAs,
  recordAttack,
  refusalOf,
  stateOf,
  vestedProposer,
  Funding,
  proposerStake,
} from "./attack-kit.js";

const NAME = "malicious-core";
const TYPE_NAMES = ["Protocol", "Resource", "Community", "Emergency"] as const;

/** Safe 1.5 `MultiSendCallOnly.multiSend`: packed (operation, to, value, data length, data) entries. */
const multiSendAbi = parseAbi(["function multiSend(bytes transactions) payable"]);
/** OpenZeppelin `VestingWallet.release(address token)`, the deployment's allowlisted call. */
const vestingAbi = parseAbi(["function release(address token)"]);

/** One disguise: the calls, and the type the attacker declares for them. */
interface Disguise {
  label: string;
  declared: ProposalTypeValue;
  actions: ProposalActions;
}

/** Measures each disguise; one {@link AttackOutcome} per disguise. */
export async function runMaliciousCore(world: SimulationWorld): Promise<AttackOutcome[]> {
  const { contracts } = world;
  const { publicClient } = world.clients;
  const numbers = await governanceNumbers(world);
  const voterCount = (numbers.quorum + numbers.cap - 1n) / numbers.cap; // ceil(quorum / cap)
  const attacker = await world.account(`${NAME}: attacker`);
  const governor = contracts.OpenClawGovernor!;
  const timelock = contracts.OpenClawTimelock!;
  const token = contracts.AITBCToken!;
  const proposerRole = await publicClient.readContract({ address: timelock, abi: openClawTimelockAbi, functionName: "PROPOSER_ROLE" }); // prettier-ignore
  const grantRole = encodeFunctionData({ abi: openClawTimelockAbi, functionName: "grantRole", args: [proposerRole, attacker] }); // prettier-ignore
  const lowerThreshold = encodeFunctionData({ abi: openClawGovernorAbi, functionName: "setProposalThreshold", args: [10n ** 18n] }); // prettier-ignore
  const thresholdBefore = numbers.threshold;

  const disguises: Disguise[] = [];
  const add = (label: string, declared: ProposalTypeValue, targets: Address[], calldatas: Hex[]) =>
    disguises.push({
      label,
      declared,
      actions: { targets, values: targets.map(() => 0n), calldatas, description: `${NAME}: ${label}` },
    });
  add("timelock.grantRole(PROPOSER_ROLE, attacker) declared Community", ProposalType.Community, [timelock], [grantRole]); // prettier-ignore
  add(
    "the same grantRole relayed through governor.relay, declared Resource",
    ProposalType.Resource,
    [governor],
    [
      encodeFunctionData({
        abi: openClawGovernorAbi,
        functionName: "relay",
        args: [timelock, 0n, grantRole],
      }),
    ],
  );
  const multiSend = contracts.MultiSendCallOnly;
  if (multiSend !== undefined) {
    const packed = encodePacked(
      ["uint8", "address", "uint256", "uint256", "bytes"],
      [0, timelock, 0n, BigInt(size(grantRole)), grantRole],
    );
    add(
      "the same grantRole nested in a Safe MultiSendCallOnly batch, declared Community",
      ProposalType.Community,
      [multiSend],
      [encodeFunctionData({ abi: multiSendAbi, functionName: "multiSend", args: [packed] })],
    );
  }
  const transfer = encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [attacker, numbers.cap] }); // prettier-ignore
  add(
    "a treasury transfer to the attacker with 32 trailing bytes, declared Resource",
    ProposalType.Resource,
    [token],
    [`${transfer}${"00".repeat(31)}01` as Hex],
  );
  const vesting = contracts.EarlyContributorVesting0;
  if (vesting !== undefined) {
    const release = encodeFunctionData({ abi: vestingAbi, functionName: "release", args: [token] });
    add(
      "an allowlisted vesting release mixed with governor.setProposalThreshold(1 AITBC), declared Community",
      ProposalType.Community,
      [vesting, governor],
      [release, lowerThreshold],
    );
  }

  const funding = new Funding(world, NAME);
  // The nested call through the allowlisted target itself: `release(token)` of the vesting wallet is
  // allowlisted by (target, selector), its argument is free — here an attacker's token whose `transfer`
  // (made by the wallet while releasing) calls timelock.grantRole. Community, so no council.
  const releaseSelector = toFunctionSelector("release(address)");
  const nestedAllowed =
    vesting !== undefined &&
    (await publicClient.readContract({ address: governor, abi: openClawGovernorAbi, functionName: "isCallAllowed", args: [vesting, releaseSelector] })); // prettier-ignore
  let nested:
    { actions: ProposalActions; token: Awaited<ReturnType<typeof deployCallbackToken>> } | undefined;
  if (nestedAllowed && vesting !== undefined) {
    const callback = await deployCallbackToken(world);
    await (await callback.arm(timelock, grantRole)).wait();
    const callbackAddress = (await callback.getAddress()) as Address;
    nested = {
      token: callback,
      actions: {
        targets: [vesting],
        values: [0n],
        calldatas: [
          encodeFunctionData({ abi: vestingAbi, functionName: "release", args: [callbackAddress] }),
        ],
        description: `${NAME}: release an attacker's token from the vesting wallet (its transfer calls timelock.grantRole)`,
      },
    };
  }
  const proposals = disguises.length + (nested === undefined ? 0 : 1);
  await funding.require(numbers.cap * voterCount + proposerStake(numbers.threshold) + numbers.bond * BigInt(proposals)); // prettier-ignore
  const voters: Address[] = [];
  for (let i = 0n; i < voterCount; i++) voters.push(await delegatedAccount(world, funding, `${NAME}: backer #${i}`, numbers.cap)); // prettier-ignore
  const proposer = await vestedProposer(world, funding, `${NAME}: proposer`, proposals, numbers.longWindow + 3_600); // prettier-ignore
  const treasuryBefore = await balanceOf(world, timelock);

  // 1. The disguised type is refused; nothing moves.
  const measured = [];
  for (const d of disguises) {
    const derived = await publicClient.readContract({ address: governor, abi: openClawGovernorAbi, functionName: "deriveProposalType", args: [d.actions.targets, d.actions.values, d.actions.calldatas] }); // prettier-ignore
    const balance = await balanceOf(world, proposer);
    const disguiseRefusal = await refusalOf(() => proposeAs(world, proposer, d.actions, d.declared));
    const bondMoved = balance - (await balanceOf(world, proposer));
    measured.push({ d, derived, disguiseRefusal, bondMoved });
  }
  // 2. Proposed with the derived type, voted through above the quorum.
  const ballots: Ballot[] = [];
  for (const m of measured) ballots.push(new Ballot(await proposeAs(world, proposer, m.d.actions)));
  const nestedBallot =
    nested === undefined ? undefined : new Ballot(await proposeAs(world, proposer, nested.actions));
  if (nestedBallot !== undefined) ballots.push(nestedBallot);
  await openVoting(world, ballots.at(-1)!.proposal.proposalId); // the last created opens last
  for (const ballot of ballots) for (const voter of voters) await ballot.cast(world, voter, VoteSupport.For);
  await closeVoting(world, ballots.at(-1)!.proposal.proposalId);

  const outcomes: AttackOutcome[] = [];
  for (const [i, m] of measured.entries()) {
    const ballot = ballots[i]!;
    const voteState = await stateOf(world, ballot.proposal.proposalId);
    const queueRefusal = await refusalOf(() => queueProposal(world.clients.walletFor(attacker), { contracts, ...m.d.actions })); // prettier-ignore
    await recordAttack(world, ballot, m.d.actions.description, TYPE_NAMES[m.derived]!, voters);
    const roleGranted = await publicClient.readContract({ address: timelock, abi: openClawTimelockAbi, functionName: "hasRole", args: [proposerRole, attacker] }); // prettier-ignore
    const threshold = await publicClient.readContract({ address: governor, abi: openClawGovernorAbi, functionName: "proposalThreshold" }); // prettier-ignore
    const treasuryMoved = treasuryBefore - (await balanceOf(world, timelock));
    const mismatch = m.disguiseRefusal?.errorName === "GovernanceProposalTypeMismatch";
    outcomes.push(
      outcome({
        name: NAME,
        description: `A core call dressed as ${TYPE_NAMES[m.d.declared]}: ${m.d.label}.`,
        expected:
          "The classifier derives Protocol, the disguise is refused (GovernanceProposalTypeMismatch), and the Protocol proposal cannot be queued without the council (GovernanceCouncilApprovalRequired).",
        succeeded: m.disguiseRefusal === null || queueRefusal === null || roleGranted || threshold !== thresholdBefore || treasuryMoved !== 0n, // prettier-ignore
        asExpected:
          m.derived === ProposalType.Protocol &&
          mismatch &&
          m.disguiseRefusal!.args[0] === m.d.declared &&
          m.disguiseRefusal!.args[1] === ProposalType.Protocol &&
          m.bondMoved === 0n &&
          ballot.proposal.critical &&
          voteState === "Succeeded" &&
          queueRefusal?.errorName === "GovernanceCouncilApprovalRequired" &&
          !roleGranted &&
          threshold === thresholdBefore &&
          treasuryMoved === 0n,
        magnitude:
          `declared ${TYPE_NAMES[m.d.declared]}, derived ${TYPE_NAMES[m.derived]}: disguise refused with ${m.disguiseRefusal?.errorName ?? "nothing (accepted!)"}; ` +
          `as ${TYPE_NAMES[m.derived]} the vote ${voteState}, queue refused with ${queueRefusal?.errorName ?? "nothing (queued!)"}; nothing changed`,
        details: {
          declared: TYPE_NAMES[m.d.declared]!,
          derived: TYPE_NAMES[m.derived]!,
          disguiseRefusal: formatRefusal(m.disguiseRefusal),
          bondMovedOnRefusal: m.bondMoved.toString(),
          critical: ballot.proposal.critical,
          voteState,
          forVotes: ballot.weights.reduce((a, b) => a + b, 0n).toString(),
          queueRefusal: formatRefusal(queueRefusal),
          roleGranted,
          thresholdChanged: threshold !== thresholdBefore,
          treasuryMoved: treasuryMoved.toString(),
        },
      }),
    );
  }
  if (nested !== undefined && nestedBallot !== undefined) outcomes.push(await nestedOutcome(world, nested, nestedBallot, voters, attacker, proposerRole)); // prettier-ignore
  await claimBonds(
    world,
    ballots.map((b) => b.proposal),
  );
  await funding.settle();
  return outcomes;
}

function deployCallbackToken(world: SimulationWorld) {
  return world.connection.ethers.deployContract("CallbackTokenMock");
}

/**
 * The nested call through the allowlisted vesting wallet: derived Community, so it queues and executes
 * without the council — and the nested `grantRole` is made by the attacker's token (the vesting wallet calls
 * its `transfer`), which holds no role: refused (`AccessControlUnauthorizedAccount(token,
 * DEFAULT_ADMIN_ROLE)`), nothing granted.
 */
async function nestedOutcome(
  world: SimulationWorld,
  nested: { actions: ProposalActions; token: Awaited<ReturnType<typeof deployCallbackToken>> },
  ballot: Ballot,
  voters: readonly Address[],
  attacker: Address,
  proposerRole: Hex,
): Promise<AttackOutcome> {
  const { contracts } = world;
  const { publicClient } = world.clients;
  const sender = world.clients.walletFor(attacker);
  const derived = await publicClient.readContract({ address: contracts.OpenClawGovernor!, abi: openClawGovernorAbi, functionName: "deriveProposalType", args: [nested.actions.targets, nested.actions.values, nested.actions.calldatas] }); // prettier-ignore
  const voteState = await stateOf(world, ballot.proposal.proposalId);
  const queued = await refusalOf(() => queueProposal(sender, { contracts, ...nested.actions }));
  const delay = await publicClient.readContract({ address: contracts.OpenClawTimelock!, abi: openClawTimelockAbi, functionName: "getMinDelay" }); // prettier-ignore
  await advance(world, delay + 1n);
  const executed = await refusalOf(() => executeProposal(sender, { contracts, ...nested.actions }));
  await recordAttack(world, ballot, nested.actions.description, TYPE_NAMES[derived]!, voters);
  const caller = (await nested.token.lastCaller()) as Address;
  const nestedSucceeded = await nested.token.lastCallSucceeded();
  const returned = (await nested.token.lastReturnData()) as Hex;
  let nestedError: string;
  try {
    const e = decodeErrorResult({ abi: protocolErrorsAbi, data: returned });
    nestedError = `${e.errorName}(${(e.args ?? []).map(String).join(", ")})`;
  } catch {
    nestedError = nestedSucceeded ? "none" : `undecodable ${returned}`;
  }
  const roleGranted = await publicClient.readContract({ address: contracts.OpenClawTimelock!, abi: openClawTimelockAbi, functionName: "hasRole", args: [proposerRole, attacker] }); // prettier-ignore
  const vesting = nested.actions.targets[0]!;
  const tokenAddress = (await nested.token.getAddress()) as Address;
  return outcome({
    name: NAME,
    description:
      "A core call nested in the allowlisted target itself: the vesting wallet's release(token) with an attacker's token whose transfer calls timelock.grantRole.",
    expected:
      "The allowlist is by (target, selector), so it is Community and executes without the council; the timelock never makes the nested call — the vesting wallet calls the token, the token calls grantRole, holds no role and is refused: nothing is granted.",
    succeeded: roleGranted || nestedSucceeded,
    asExpected:
      derived === ProposalType.Community &&
      !ballot.proposal.critical &&
      voteState === "Succeeded" &&
      queued === null &&
      executed === null &&
      caller.toLowerCase() === vesting.toLowerCase() &&
      !nestedSucceeded &&
      nestedError
        .toLowerCase()
        .startsWith(`AccessControlUnauthorizedAccount(${tokenAddress}`.toLowerCase()) &&
      !roleGranted,
    magnitude: `derived ${TYPE_NAMES[derived]}: queued and executed without the council; the vesting wallet called the token, whose grantRole was refused with ${nestedError.split("(")[0]}; role granted: ${roleGranted ? "yes" : "no"}`, // prettier-ignore
    details: {
      declared: "Community",
      derived: TYPE_NAMES[derived]!,
      critical: ballot.proposal.critical,
      voteState,
      queue: formatRefusal(queued),
      execute: formatRefusal(executed),
      nestedCaller: caller,
      attackerToken: tokenAddress,
      nestedCallSucceeded: nestedSucceeded,
      nestedError,
      roleGranted,
    },
  });
}

/** The `malicious-core` scenario. */
export const maliciousCoreScenario: Scenario = {
  name: NAME,
  description: "Core calls (a role grant, a parameter change, a treasury outflow) dressed as Community or Resource, nested calls included: the derived type and the council gate.", // prettier-ignore
  run: runMaliciousCore,
};
