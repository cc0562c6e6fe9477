import { expect } from "chai";
import { network } from "hardhat";
import { encodeFunctionData, type Address } from "viem";

import {
  aitbcTokenAbi,
  approveProposalByCouncil,
  buildCouncilApproval,
  castVote,
  castVoteBySig,
  claimProposalBond,
  challengeProposal,
  ContractRevertError,
  delegate,
  encodeCouncilApproval,
  execSafeTransaction,
  executeProposal,
  getProposal,
  getProposalId,
  getProposalState,
  getSafeTransactionHash,
  hashSafeTransaction,
  getTokenBalance,
  getTotalSupply,
  getVotingPower,
  InvalidAddressError,
  InvalidAmountError,
  InvalidParameterError,
  packSafeSignatures,
  propose,
  ProposalType,
  queueProposal,
  signSafeTransaction,
  signVote,
  transferToken,
  VoteSupport,
  type AitbcContracts,
} from "../../sdk/src/index.js";
import {
  CAP,
  CHALLENGE_PERIOD,
  deployOpenClaw,
  TIMELOCK_DELAY,
  TOTAL_SUPPLY,
  VOTING_PERIOD,
} from "../helpers/openclaw.js";
import { rejection, viemClients } from "./helpers.js";

describe("sdk: token and governance actions", function () {
  let dao: Awaited<ReturnType<typeof deployOpenClaw>>;
  let contracts: AitbcContracts;
  let clients: ReturnType<typeof viemClients>;
  const addr = (s: { address: string }) => s.address as Address;

  before(async function () {
    const connection = await network.create();
    dao = await deployOpenClaw(connection);
    contracts = {
      AITBCToken: (await dao.token.getAddress()) as Address,
      OpenClawGovernor: (await dao.governor.getAddress()) as Address,
      ProposalBondEscrow: (await dao.escrow.getAddress()) as Address,
      OpenClawTimelock: (await dao.timelock.getAddress()) as Address,
      SecurityCouncil: (await dao.council.getAddress()) as Address,
    };
    clients = viemClients(connection);
  });

  it("reads supply, balances and the voting-power breakdown", async function () {
    expect(await getTotalSupply(clients.publicClient, { contracts })).to.equal(TOTAL_SUPPLY);
    const balance = await getTokenBalance(clients.publicClient, { contracts, account: addr(dao.alice) });
    expect(balance.balance).to.equal(CAP);
    expect(balance.delegate).to.equal(addr(dao.alice));
    const whale = await getVotingPower(clients.publicClient, { contracts, account: addr(dao.whale) });
    expect(whale.votes).to.equal(200_000_000n * 10n ** 18n);
    expect(whale.cap).to.equal(CAP);
    expect(whale.power).to.equal(CAP);
    expect(whale.vested).to.be.greaterThan(0n);
  });

  it("validates inputs before any request", async function () {
    const err = await rejection(
      getVotingPower(clients.publicClient, { contracts, account: "0x123" as Address }),
    );
    expect(err).to.be.instanceOf(InvalidAddressError);
    const neg = await rejection(
      transferToken(clients.walletFor(dao.alice.address), { contracts, to: addr(dao.bob), amount: -1n }),
    );
    expect(neg).to.be.instanceOf(InvalidAmountError);
    expect(neg.shortMessage).to.match(/negative/);
    const frac = await rejection(
      transferToken(clients.walletFor(dao.alice.address), {
        contracts,
        to: addr(dao.bob),
        amount: 1.5 as unknown as bigint,
      }),
    );
    expect(frac).to.be.instanceOf(InvalidAmountError);
    expect(frac.shortMessage).to.match(/not an integer/);
  });

  it("decodes a future lookup into ERC5805FutureLookup", async function () {
    const err = await rejection<ContractRevertError>(
      getVotingPower(clients.publicClient, { contracts, account: addr(dao.alice), timepoint: 10n ** 12n }),
    );
    expect(err).to.be.instanceOf(ContractRevertError);
    expect(err.errorName).to.equal("ERC5805FutureLookup");
    expect(err.args[0]).to.equal(10n ** 12n);
  });

  it("delegates, proposes with approval and permit, challenges, votes, approves through the council, queues and executes", async function () {
    const outsider = clients.walletFor(dao.outsider.address);
    await transferToken(clients.walletFor(dao.ecosystem.address), {
      contracts,
      to: addr(dao.outsider),
      amount: 10n,
    });
    await delegate(outsider, { contracts, delegatee: addr(dao.outsider) });
    expect(
      (await getTokenBalance(clients.publicClient, { contracts, account: addr(dao.outsider) })).votes,
    ).to.equal(10n);

    const proposer = clients.walletFor(dao.proposer.address);
    const grant = {
      targets: [contracts.AITBCToken!],
      values: [0n],
      calldatas: [
        encodeFunctionData({
          abi: aitbcTokenAbi,
          functionName: "transfer",
          args: [addr(dao.outsider), 1000n],
        }),
      ],
      description: "SDK test: grant 1000 wei to the outsider",
    };
    const created = await propose(proposer, { contracts, ...grant, proposalType: ProposalType.Resource });
    expect(created.proposalId).to.equal(getProposalId(grant));
    expect(created.bond).to.equal(1000n * 10n ** 18n);
    expect(created.critical).to.equal(true);

    // A second proposal, bonded by permit, then challenged.
    const other = { ...grant, description: "SDK test: challenged proposal" };
    const permitted = await propose(proposer, { contracts, ...other, bond: "permit" });
    expect(permitted.proposalId).to.equal(getProposalId(other));
    const challenged = await challengeProposal(clients.walletFor(dao.challenger.address), {
      contracts,
      proposalId: permitted.proposalId,
    });
    expect(challenged.receipt.status).to.equal("success");

    // Voting is not open during the challenge period: the revert is decoded.
    const early = await rejection<ContractRevertError>(
      castVote(clients.walletFor(dao.alice.address), {
        contracts,
        proposalId: created.proposalId,
        support: VoteSupport.For,
      }),
    );
    expect(early.errorName).to.equal("GovernorUnexpectedProposalState");
    await dao.networkHelpers.time.increase(CHALLENGE_PERIOD + 1);

    const vote = await castVote(clients.walletFor(dao.alice.address), {
      contracts,
      proposalId: created.proposalId,
      support: VoteSupport.For,
      reason: "good grant",
    });
    expect(vote.weight).to.equal(CAP);
    const ballot = await signVote(clients.walletFor(dao.bob.address), {
      contracts,
      proposalId: created.proposalId,
      support: VoteSupport.For,
    });
    const relayed = await castVoteBySig(clients.walletFor(dao.outsider.address), { contracts, ...ballot });
    expect(relayed.weight).to.equal(CAP);
    const again = await rejection<ContractRevertError>(
      castVote(clients.walletFor(dao.bob.address), { contracts, proposalId: created.proposalId, support: 0 }),
    );
    expect(again.errorName).to.equal("GovernorAlreadyCastVote");

    let proposal = await getProposal(clients.publicClient, { contracts, proposalId: created.proposalId });
    expect(proposal.state).to.equal("Active");
    expect(proposal.votes.for).to.equal(2n * CAP);
    expect(proposal.quorum).to.equal(TOTAL_SUPPLY / 10n);

    await dao.networkHelpers.time.increase(VOTING_PERIOD);
    const notApproved = await rejection<ContractRevertError>(
      queueProposal(proposer, { contracts, ...grant }),
    );
    expect(notApproved.errorName).to.equal("GovernanceCouncilApprovalRequired");

    // Before creation the proposer must be named (the approval is bound to it).
    const unknown = await rejection<InvalidParameterError>(
      buildCouncilApproval(clients.publicClient, { contracts, proposalId: 1n }),
    );
    expect(unknown.name).to.equal("InvalidParameterError");
    const tx = await buildCouncilApproval(clients.publicClient, {
      contracts,
      proposalId: created.proposalId,
    });
    expect(tx.data).to.equal(encodeCouncilApproval(created.proposalId, dao.proposer.address as Address));
    const sigs = await Promise.all(
      dao.owners
        .slice(0, 3)
        .map((o) => signSafeTransaction(clients.walletFor(o.address), { transaction: tx })),
    );
    const tooFew = await rejection<ContractRevertError>(
      execSafeTransaction(proposer, { transaction: tx, signatures: sigs.slice(0, 2) }),
    );
    expect(tooFew.errorName).to.equal("Error");
    expect(tooFew.args[0]).to.equal("GS020");
    await execSafeTransaction(proposer, { transaction: tx, signatures: sigs });
    proposal = await getProposal(clients.publicClient, { contracts, proposalId: created.proposalId });
    expect(proposal.councilApproved).to.equal(true);
    expect(proposal.approvedProposer).to.equal(dao.proposer.address);
    expect(proposal.state).to.equal("Succeeded");

    await queueProposal(proposer, { contracts, ...grant });
    await dao.networkHelpers.time.increase(TIMELOCK_DELAY);
    const before = (await getTokenBalance(clients.publicClient, { contracts, account: addr(dao.outsider) }))
      .balance;
    const executed = await executeProposal(proposer, { contracts, ...grant });
    expect(executed.proposalId).to.equal(created.proposalId);
    expect(
      (await getTokenBalance(clients.publicClient, { contracts, account: addr(dao.outsider) })).balance,
    ).to.equal(before + 1000n);
    expect(
      (await getProposal(clients.publicClient, { contracts, proposalId: created.proposalId })).state,
    ).to.equal("Executed");
  });
  it("hashes Safe transactions as the Safe does, packs owners' signatures sorted, and approves through the council in one call", async function () {
    const proposer = clients.walletFor(dao.proposer.address);
    const actions = {
      targets: [contracts.AITBCToken!],
      values: [0n],
      calldatas: [
        encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [addr(dao.outsider), 7n] }),
      ],
      description: "SDK test: approved through approveProposalByCouncil",
    };
    const { proposalId } = await propose(proposer, { contracts, ...actions });
    // Readable in the creating block (getProposal's quorum is not).
    expect(await getProposalState(clients.publicClient, { contracts, proposalId })).to.equal("Pending");
    const tx = await buildCouncilApproval(clients.publicClient, { contracts, proposalId });
    expect(hashSafeTransaction(tx)).to.equal(
      await getSafeTransactionHash(clients.publicClient, { transaction: tx }),
    );
    expect(hashSafeTransaction({ ...tx, nonce: tx.nonce + 1n })).to.not.equal(hashSafeTransaction(tx));
    const sigs = await Promise.all(
      dao.owners.map((o) => signSafeTransaction(clients.walletFor(o.address), { transaction: tx })),
    );
    const ascending = [...sigs].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
    const packed = packSafeSignatures([...sigs].reverse());
    expect(packed).to.equal(`0x${ascending.map((x) => x.signature.slice(2)).join("")}`);
    const twice = await rejection(Promise.resolve().then(() => packSafeSignatures([sigs[0]!, sigs[0]!])));
    expect(twice).to.be.instanceOf(InvalidParameterError);

    const owners = dao.owners.map((o) => clients.walletFor(o.address));
    const tooFew = await rejection<ContractRevertError>(
      approveProposalByCouncil(proposer, { contracts, proposalId, owners: owners.slice(0, 2) }),
    );
    expect([tooFew.errorName, tooFew.args[0]]).to.deep.equal(["Error", "GS020"]);
    const notOwner = await rejection<ContractRevertError>(
      approveProposalByCouncil(proposer, {
        contracts,
        proposalId,
        owners: [...owners.slice(0, 2), clients.walletFor(dao.outsider.address)],
      }),
    );
    expect([notOwner.errorName, notOwner.args[0]]).to.deep.equal(["Error", "GS026"]);
    const approved = await approveProposalByCouncil(proposer, {
      contracts,
      proposalId,
      owners: owners.slice(2),
    });
    expect(approved.receipt.status).to.equal("success");
    expect(approved.safeTxHash).to.equal(hashSafeTransaction(approved.transaction));
    const proposal = await getProposal(clients.publicClient, { contracts, proposalId });
    expect(proposal.councilApproved).to.equal(true);
    expect(proposal.approvedProposer).to.equal(dao.proposer.address);

    // The bond is not refundable while the proposal is pending.
    const early = await rejection<ContractRevertError>(
      claimProposalBond(proposer, { contracts, proposalId }),
    );
    expect(early.errorName).to.equal("BondNotRefundable");
    expect(early.args).to.deep.equal([proposalId, 0]);
  });
});
