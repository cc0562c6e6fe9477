/**
 * Attacks on the OpenClaw DAO, each run against the real stack (Ignition-deployed Safe 1.5 council,
 * timelock, token, governor, bond escrow and, where it matters, the market and the agent wallets):
 * the market seizure by a Community proposal, the council cancelling a queued operation, the
 * front-run of a council-approved emergency proposal, the ABI sweep of every protocol function
 * through `isCritical`, the measured limits of the 5% cap, and the classic governance attacks
 * (flash loans, buy-then-wait, low turnout, proposal swap, one-block takeover).
 *
 * The design's numbers are pinned here as literals (threshold 100 AITBC, bond 1,000 AITBC, challenge
 * period 48 h, voting 7 d / 3 d, quorum 10%, cap 5%, timelock 2 d), not read from the code.
 */
import { readFileSync } from "node:fs";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { Interface, Wallet, ZeroAddress, type FunctionFragment } from "ethers";
import { network } from "hardhat";

import { BUILTIN_MODEL_DIGEST, buildMarketModule, MARKET_ROLES } from "../../deploy/modules/market.js";
import { TIMELOCK_ROLES } from "../../deploy/modules/openclaw.js";
import { buildAgentWalletModule } from "../../deploy/modules/wallet.js";
import { ABI_SOURCES } from "../../sdk/scripts/abi-sources.js";
import { identityCommitment } from "../../sdk/src/zk/receipt.js";
import { GPU, MODEL, SECRET_1 } from "../helpers/market.js";
import {
  ProposalType,
  State,
  Vote,
  councilApprove,
  councilCall,
  deployOpenClaw,
  descriptionHash,
  passProposal,
  proposalIdOf,
  propose,
  stateBitmap,
  timelockOperationId,
  treasuryTransfer,
  type OpenClaw,
  type ProposalActions,
} from "../helpers/openclaw.js";

// ---------------------------------------------------------------- the design's numbers, as literals
const AITBC = 10n ** 18n;
const HOUR = 3600;
const DAY = 24 * HOUR;
const TOTAL_SUPPLY = 1_000_000_000n * AITBC;
const THRESHOLD = 100n * AITBC;
const BOND = 1_000n * AITBC;
const CHALLENGE_PERIOD = 48 * HOUR;
const VOTING_PERIOD = 7 * DAY;
const EMERGENCY_VOTING_PERIOD = 3 * DAY;
const QUORUM = 100_000_000n * AITBC; // 10% of supply
const CAP = 50_000_000n * AITBC; // 5% of supply
const TIMELOCK_DELAY = 2 * DAY;

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const daoFixture = () => deployOpenClaw(connection);

/**
 * The DAO with the market (ReceiptVerifier, InferenceVerifier, MarketPolicy, TopicClassifierChecker,
 * ReputationRegistry, GPUStaking, JobEscrow, admin: the timelock), the agent wallets (EntryPoint,
 * AgentWalletFactory and its AgentWallet implementation); a provider (`staker`) registered with 200,000 AITBC staked.
 */
async function marketFixture() {
  const dao = await deployOpenClaw(connection);
  const { ignition } = dao;
  const market = await ignition.deploy(
    buildMarketModule({
      token: await dao.token.getAddress(),
      timelock: await dao.timelock.getAddress(),
      council: await dao.council.getAddress(),
    }),
  );
  const wallets = await ignition.deploy(buildAgentWalletModule(undefined, "SecurityAgentWallets"));
  const staking = await ethers.getContractAt("GPUStaking", await market.staking.getAddress());
  const jobEscrow = await ethers.getContractAt("JobEscrow", await market.escrow.getAddress());
  const policy = await ethers.getContractAt("MarketPolicy", await market.policy.getAddress());
  const batchEscrow = await ethers.getContractAt("BatchEscrow", await market.batchEscrow.getAddress());
  const reputation = await ethers.getContractAt("ReputationRegistry", await market.reputation.getAddress());
  const receiptVerifier = await ethers.getContractAt(
    "ReceiptVerifier",
    await market.receiptVerifier.getAddress(),
  );
  const factory = await ethers.getContractAt("AgentWalletFactory", await wallets.factory.getAddress());
  const walletImplementation = await ethers.getContractAt("AgentWallet", await factory.implementation());
  const inferenceVerifier = await ethers.getContractAt(
    "InferenceVerifier",
    await market.inferenceVerifier.getAddress(),
  );
  const checker = await ethers.getContractAt("TopicClassifierChecker", await market.checker.getAddress());

  const staker = (await ethers.getSigners())[19]!;
  await dao.token.connect(dao.ecosystem).transfer(staker.address, 200_000n * AITBC);
  await staking.connect(staker).register(identityCommitment(SECRET_1), GPU, [MODEL]);
  await dao.token.connect(staker).approve(await staking.getAddress(), 200_000n * AITBC);
  await staking.connect(staker).stake(200_000n * AITBC, 0);
  return {
    ...dao,
    staking,
    jobEscrow,
    policy,
    batchEscrow,
    reputation,
    receiptVerifier,
    factory,
    walletImplementation,
    inferenceVerifier,
    checker,
    staker,
  };
}

/**
 * Creates each of `actions` by `signer` with the plain OpenZeppelin `propose` (the governor derives the
 * type); alice and bob (5% each) vote For; ends the vote.
 */
async function passVoteOnly(dao: OpenClaw, signer: HardhatEthersSigner, actions: ProposalActions[]) {
  const ids: bigint[] = [];
  for (const action of actions) ids.push((await propose(dao, signer, action)).id);
  await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
  for (const id of ids) {
    await dao.governor.connect(dao.alice).castVote(id, Vote.For);
    await dao.governor.connect(dao.bob).castVote(id, Vote.For);
  }
  await networkHelpers.time.increase(VOTING_PERIOD);
  for (const id of ids) expect(await dao.governor.state(id)).to.equal(State.Succeeded);
  return ids;
}

function queue(dao: OpenClaw, actions: ProposalActions) {
  return dao.governor.queue(
    actions.targets,
    actions.values,
    actions.calldatas,
    descriptionHash(dao, actions),
  );
}

function execute(dao: OpenClaw, actions: ProposalActions) {
  return dao.governor.execute(
    actions.targets,
    actions.values,
    actions.calldatas,
    descriptionHash(dao, actions),
  );
}

/** Moves every liquid AITBC (60% of supply at genesis) into a flash lender. */
async function fundLender(dao: OpenClaw) {
  const lender = await ethers.deployContract("ERC3156FlashLenderMock");
  const lenderAddress = await lender.getAddress();
  await dao.vesting.connect(dao.contributor)["release(address)"](await dao.token.getAddress());
  const holders = [
    dao.ecosystem,
    dao.development,
    dao.liquidity,
    dao.contributor,
    dao.alice,
    dao.bob,
    dao.carol,
    dao.whale,
    dao.proposer,
    dao.challenger,
  ];
  for (const holder of holders) {
    const balance = await dao.token.balanceOf(holder.address);
    if (balance > 0n) await dao.token.connect(holder).transfer(lenderAddress, balance);
  }
  return lender;
}

/** A harmless Community action on the deploy-time allowlist: release the vested contributor tokens. */
async function releaseVesting(dao: OpenClaw, description: string): Promise<ProposalActions> {
  return {
    targets: [await dao.vesting.getAddress()],
    values: [0n],
    calldatas: [dao.vesting.interface.encodeFunctionData("release(address)", [await dao.token.getAddress()])],
    description,
  };
}

describe("security: governance attacks", function () {
  describe("market seizure by a 10% holder (alice + bob, 5% each) without the council", function () {
    it("every market setter and grantRole on staking, escrow and reputation is critical: not queueable, nothing moves", async function () {
      const dao = await networkHelpers.loadFixture(marketFixture);
      const {
        staking,
        jobEscrow,
        policy,
        batchEscrow,
        reputation,
        governor,
        staker,
        outsider: attacker,
      } = dao;
      const [s, e, r, p, b] = [
        await staking.getAddress(),
        await jobEscrow.getAddress(),
        await reputation.getAddress(),
        await policy.getAddress(),
        await batchEscrow.getAddress(),
      ];
      const calls: [string, string][] = [
        [s, staking.interface.encodeFunctionData("grantRole", [MARKET_ROLES.ESCROW_ROLE, attacker.address])],
        [s, staking.interface.encodeFunctionData("grantRole", [MARKET_ROLES.DEFAULT_ADMIN_ROLE, attacker.address])], // prettier-ignore
        [
          e,
          jobEscrow.interface.encodeFunctionData("grantRole", [MARKET_ROLES.ARBITER_ROLE, attacker.address]),
        ],
        [
          r,
          reputation.interface.encodeFunctionData("grantRole", [MARKET_ROLES.ORACLE_ROLE, attacker.address]),
        ],
        [s, staking.interface.encodeFunctionData("setRewardRate", [10n ** 30n])],
        [s, staking.interface.encodeFunctionData("setMinStake", [1n])],
        [s, staking.interface.encodeFunctionData("setUnbondingPeriod", [1n])],
        [s, staking.interface.encodeFunctionData("setMaxSlashBps", [10_000n])],
        [s, staking.interface.encodeFunctionData("setLockOption", [0n, 1n, 100_000n])],
        [p, policy.interface.encodeFunctionData("setTreasury", [attacker.address])],
        [p, policy.interface.encodeFunctionData("setProtocolFeeBps", [1_000n])],
        [p, policy.interface.encodeFunctionData("setChallengeWindow", [3_600n])],
        [p, policy.interface.encodeFunctionData("setDisputeBond", [AITBC])],
        [p, policy.interface.encodeFunctionData("setDisputeSlashBps", [5_000n])],
        [p, policy.interface.encodeFunctionData("setDeadlineSlashBps", [1_000n])],
        [p, policy.interface.encodeFunctionData("setSlashRewardBps", [9_000n])],
        [p, policy.interface.encodeFunctionData("setMinPenaltyWindow", [60n])],
        [p, policy.interface.encodeFunctionData("setRevealWindow", [3_600n])],
        [p, policy.interface.encodeFunctionData("setSampleRateBps", [100n])],
        [p, policy.interface.encodeFunctionData("setModelVerification", [BUILTIN_MODEL_DIGEST, ZeroAddress])],
        [
          p,
          policy.interface.encodeFunctionData("grantRole", [
            MARKET_ROLES.DEFAULT_ADMIN_ROLE,
            attacker.address,
          ]),
        ],
        [b, batchEscrow.interface.encodeFunctionData("grantRole", [MARKET_ROLES.ARBITER_ROLE, attacker.address])], // prettier-ignore
      ];
      const actions = calls.map(([target, calldata], index) => ({
        targets: [target],
        values: [0n],
        calldatas: [calldata],
        description: `Community: routine market maintenance #${index}`,
      }));
      for (const action of actions) {
        expect(
          await governor.isCritical(action.targets, action.values, action.calldatas, ProposalType.Community),
          action.calldatas[0]!.slice(0, 10),
        ).to.equal(true);
      }
      const ids = await passVoteOnly(dao, dao.proposer, actions);
      for (const [index, action] of actions.entries()) {
        expect((await governor.proposalExtras(ids[index]!)).critical).to.equal(true);
        await expect(queue(dao, action))
          .to.be.revertedWithCustomError(governor, "GovernanceCouncilApprovalRequired")
          .withArgs(ids[index]!);
        expect(await governor.state(ids[index]!)).to.equal(State.Succeeded);
      }
      for (const role of [MARKET_ROLES.ESCROW_ROLE, MARKET_ROLES.DEFAULT_ADMIN_ROLE]) {
        expect(await staking.hasRole(role, attacker.address)).to.equal(false);
      }
      expect(await jobEscrow.hasRole(MARKET_ROLES.ARBITER_ROLE, attacker.address)).to.equal(false);
      expect(await reputation.hasRole(MARKET_ROLES.ORACLE_ROLE, attacker.address)).to.equal(false);
      expect(await policy.treasury()).to.equal(await dao.timelock.getAddress());
      expect(await policy.hasRole(MARKET_ROLES.DEFAULT_ADMIN_ROLE, attacker.address)).to.equal(false);
      expect(await batchEscrow.hasRole(MARKET_ROLES.ARBITER_ROLE, attacker.address)).to.equal(false);
      expect(await policy.checkerOf(BUILTIN_MODEL_DIGEST)).to.not.equal(ZeroAddress);
      await expect(staking.connect(attacker).slash(staker.address, 1_000n))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, MARKET_ROLES.ESCROW_ROLE);
      expect(await staking.stakeOf(staker.address)).to.equal(200_000n * AITBC);
    });
  });

  describe("every protocol function is critical (ABI sweep of the compiled artifacts)", function () {
    it("a call with any selector of any protocol contract, any role change and any outflow needs the council", async function () {
      const dao = await networkHelpers.loadFixture(marketFixture);
      const { governor } = dao;
      const deployed: Record<string, string> = {
        AITBCToken: await dao.token.getAddress(),
        OpenClawGovernor: await governor.getAddress(),
        OpenClawTimelock: await dao.timelock.getAddress(),
        ProposalBondEscrow: await dao.escrow.getAddress(),
        GPUStaking: await dao.staking.getAddress(),
        JobEscrow: await dao.jobEscrow.getAddress(),
        ReputationRegistry: await dao.reputation.getAddress(),
        AgentWalletFactory: String(dao.factory.target),
        AgentWallet: await dao.walletImplementation.getAddress(),
        ReceiptVerifier: await dao.receiptVerifier.getAddress(),
        InferenceVerifier: await dao.inferenceVerifier.getAddress(),
        MarketPolicy: await dao.policy.getAddress(),
        BatchEscrow: await dao.batchEscrow.getAddress(),
        TopicClassifierChecker: await dao.checker.getAddress(),
      };
      const slipped: string[] = [];
      let checked = 0;
      for (const [name, address] of Object.entries(deployed)) {
        const artifact = JSON.parse(readFileSync(`artifacts/${ABI_SOURCES[name]!}`, "utf8")) as {
          abi: ConstructorParameters<typeof Interface>[0];
        };
        const functions: FunctionFragment[] = [];
        new Interface(artifact.abi).forEachFunction((fragment) => functions.push(fragment));
        const nonView = functions.filter((f) => f.stateMutability !== "view" && f.stateMutability !== "pure");
        // Verifiers have only views: sweep those too (a call to them is as unknown as any other).
        for (const fragment of nonView.length > 0 ? nonView : functions) {
          const calldata = fragment.selector + "00".repeat(64);
          for (const type of [ProposalType.Community, ProposalType.Resource]) {
            checked += 1;
            if (await governor.isCritical([address], [0n], [calldata], type)) continue;
            if (!(await governor.isCallAllowed(address, fragment.selector))) {
              slipped.push(`${name}.${fragment.format()} (type ${type})`);
            }
          }
        }
      }
      expect(slipped).to.deep.equal([]);
      expect(checked).to.be.greaterThan(200); // 116 functions × 2 types when written

      // Role changes on any target, protocol or not, and treasury outflows to anyone.
      const accessControl = new Interface([
        "function grantRole(bytes32,address)",
        "function revokeRole(bytes32,address)",
        "function renounceRole(bytes32,address)",
      ]);
      const anyTargets = [...Object.values(deployed), await dao.vesting.getAddress(), dao.outsider.address];
      for (const target of anyTargets) {
        for (const fn of ["grantRole", "revokeRole", "renounceRole"]) {
          const data = accessControl.encodeFunctionData(fn, [
            TIMELOCK_ROLES.PROPOSER_ROLE,
            dao.outsider.address,
          ]);
          expect(await governor.isCritical([target], [0n], [data], ProposalType.Community), fn).to.equal(
            true,
          );
        }
      }
      const assets = new Interface([
        "function transfer(address,uint256)",
        "function transferFrom(address,address,uint256)",
        "function approve(address,uint256)",
        "function increaseAllowance(address,uint256)",
        "function setApprovalForAll(address,bool)",
        "function safeTransferFrom(address,address,uint256)",
      ]);
      const stranger = Wallet.createRandom().address; // e.g. a token contract the attacker deployed
      for (const fn of [
        "transfer",
        "transferFrom",
        "approve",
        "increaseAllowance",
        "setApprovalForAll",
        "safeTransferFrom",
      ]) {
        // prettier-ignore
        const fragment = assets.getFunction(fn)!;
        const data = fragment.selector + "00".repeat(32 * fragment.inputs.length);
        for (const target of [stranger, deployed.AITBCToken!]) {
          expect(await governor.isCritical([target], [0n], [data], ProposalType.Community), fn).to.equal(
            true,
          );
        }
      }
      // Ether to anyone, with or without calldata, and an unknown target with any selector.
      expect(await governor.isCritical([stranger], [1n], ["0x"], ProposalType.Community)).to.equal(true);
      expect(await governor.isCritical([stranger], [0n], ["0x"], ProposalType.Community)).to.equal(true);
      expect(await governor.isCritical([stranger], [0n], ["0x12345678"], ProposalType.Resource)).to.equal(
        true,
      );
      // The allowlist itself: changing it targets the governor, so it is critical.
      const allow = governor.interface.encodeFunctionData("setCallAllowed", [stranger, "0x12345678", true]);
      expect(await governor.isCritical([deployed.OpenClawGovernor!], [0n], [allow], 2)).to.equal(true);
    });

    it("the allowlist refuses protocol targets, role changes and asset moves, even from governance", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor } = dao;
      const classifier = await ethers.deployContract("ProposalClassifier");
      const factory = await ethers.getContractFactory("OpenClawGovernor", {
        libraries: { ProposalClassifier: await classifier.getAddress() },
      });
      const token = await dao.token.getAddress();
      const base = [token, await dao.timelock.getAddress(), await dao.council.getAddress(), THRESHOLD, 10n, BOND, BOND] as const; // prettier-ignore
      const grantRole = dao.timelock.interface.getFunction("grantRole")!.selector;
      const transfer = dao.token.interface.getFunction("transfer")!.selector;
      const someone = dao.outsider.address;
      for (const [target, selector] of [
        [token, "0x12345678"],
        [await dao.timelock.getAddress(), "0x12345678"],
        [someone, grantRole],
        [someone, transfer],
      ] as const) {
        await expect(factory.deploy(...base, [{ target, selector }], []))
          .to.be.revertedWithCustomError(governor, "GovernanceCallNotAllowable")
          .withArgs(target, selector);
      }
      // A passed, council-approved proposal cannot allowlist them either.
      const actions: ProposalActions = {
        targets: [await governor.getAddress()],
        values: [0n],
        calldatas: [governor.interface.encodeFunctionData("setCallAllowed", [token, transfer, true])],
        description: "Protocol: let Community proposals pay from the treasury",
      };
      await passProposal(dao, actions, ProposalType.Protocol);
      await expect(execute(dao, actions))
        .to.be.revertedWithCustomError(governor, "GovernanceCallNotAllowable")
        .withArgs(token, transfer);
      expect(await governor.isCallAllowed(token, transfer)).to.equal(false);
    });
  });

  describe("the council cancels a queued operation through the Safe", function () {
    it("a queued malicious proposal is cancelled by 3 of 5 and can never execute; others cannot cancel", async function () {
      const dao = await networkHelpers.loadFixture(marketFixture);
      const { governor, timelock, staking, council, owners, outsider: attacker } = dao;
      const actions: ProposalActions = {
        targets: [await staking.getAddress()],
        values: [0n],
        calldatas: [
          staking.interface.encodeFunctionData("grantRole", [MARKET_ROLES.ESCROW_ROLE, attacker.address]),
        ],
        description: "Protocol: staking integration for the new escrow",
      };
      const [id] = await passVoteOnly(dao, dao.proposer, [actions]);
      // The council was deceived into approving it (e.g. the address looked like the new escrow's).
      await councilApprove(dao, id!);
      await queue(dao, actions);
      expect(await governor.state(id!)).to.equal(State.Queued);
      const operation = await timelockOperationId(dao, actions);
      expect(await timelock.isOperationPending(operation)).to.equal(true);

      const cancel = timelock.interface.encodeFunctionData("cancel", [operation]);
      await expect(timelock.connect(attacker).cancel(operation))
        .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, TIMELOCK_ROLES.CANCELLER_ROLE);
      await expect(councilCall(dao, owners.slice(0, 2), await timelock.getAddress(), cancel)).to.be.revertedWith("GS020"); // prettier-ignore
      await expect(councilCall(dao, owners.slice(2, 5), await timelock.getAddress(), cancel))
        .to.emit(timelock, "Cancelled")
        .withArgs(operation);
      expect(await governor.state(id!)).to.equal(State.Canceled);

      await networkHelpers.time.increase(TIMELOCK_DELAY);
      await expect(execute(dao, actions))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id!, State.Canceled, stateBitmap(State.Queued));
      expect(await staking.hasRole(MARKET_ROLES.ESCROW_ROLE, attacker.address)).to.equal(false);
      expect(await staking.stakeOf(dao.staker.address)).to.equal(200_000n * AITBC);
      // The governor keeps its own canceller role.
      const timelockAddress = await timelock.getAddress();
      expect(await timelock.hasRole(TIMELOCK_ROLES.CANCELLER_ROLE, await governor.getAddress())).to.equal(
        true,
      );
      expect(await timelock.hasRole(TIMELOCK_ROLES.CANCELLER_ROLE, await council.getAddress())).to.equal(
        true,
      );
      expect(await timelock.hasRole(TIMELOCK_ROLES.PROPOSER_ROLE, await council.getAddress())).to.equal(
        false,
      );
      expect(await timelock.hasRole(TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, timelockAddress)).to.equal(true);
    });
  });

  describe("front-running a council-approved emergency proposal", function () {
    it("the approval is bound to its proposer: an attacker proposing the same id is refused and gets no bond", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, escrow, proposer, challenger: attacker, outsider } = dao;
      const actions = await treasuryTransfer(
        dao,
        outsider.address,
        7n * AITBC,
        "Emergency: pay the responder",
      );
      const id = await proposalIdOf(dao, actions);
      await councilApprove(dao, id, dao.owners.slice(0, 3), proposer.address);
      expect((await governor.proposalExtras(id)).councilApproved).to.equal(true);

      const before = await token.balanceOf(attacker.address);
      await token.connect(attacker).approve(await escrow.getAddress(), BOND);
      for (const type of [ProposalType.Emergency, ProposalType.Community]) {
        await expect(
          governor
            .connect(attacker)
            .proposeTyped(actions.targets, actions.values, actions.calldatas, actions.description, type),
        )
          .to.be.revertedWithCustomError(governor, "GovernanceApprovedForOtherProposer")
          .withArgs(id, attacker.address, proposer.address);
      }
      expect(await token.balanceOf(attacker.address)).to.equal(before);
      expect((await escrow.proposalBondOf(id)).proposer).to.equal(ethers.ZeroAddress);

      // The approved proposer's emergency proposal goes through as planned.
      const created = await propose(dao, proposer, actions, ProposalType.Emergency);
      expect(created.id).to.equal(id);
      expect(await governor.proposalProposer(id)).to.equal(proposer.address);
      expect(await governor.proposalDeadline(id)).to.equal(
        created.createdAt + BigInt(CHALLENGE_PERIOD + EMERGENCY_VOTING_PERIOD),
      );
      expect((await escrow.proposalBondOf(id)).amount).to.equal(BOND);
      // Approving an existing proposal names its actual proposer.
      const other = await propose(dao, proposer, await treasuryTransfer(dao, outsider.address, 1n, "Grant"));
      await expect(councilApprove(dao, other.id, dao.owners.slice(0, 3), attacker.address))
        .to.be.revertedWithCustomError(governor, "GovernanceApprovedForOtherProposer")
        .withArgs(other.id, attacker.address, proposer.address);
      expect((await governor.proposalExtras(other.id)).councilApproved).to.equal(false);
    });
  });

  describe("the 5% cap is per address: what splitting does (measured)", function () {
    /**
     * The 20% whale splits 200,000,000 AITBC into `parts` fresh addresses (each below the cap), waits
     * for the 7-day vesting, and votes For; alice, bob and carol (5%, 5%, 5% − 1 wei) vote Against.
     */
    async function splitVote(dao: OpenClaw, parts: number) {
      const { token, governor, whale } = dao;
      const share = (200_000_000n * AITBC) / BigInt(parts);
      const wallets = Array.from({ length: parts }, () => Wallet.createRandom().connect(ethers.provider));
      for (const wallet of wallets) {
        await networkHelpers.setBalance(wallet.address, 10n ** 18n);
        await token.connect(whale).transfer(wallet.address, share);
        await token.connect(wallet).delegate(wallet.address);
      }
      await networkHelpers.time.increase(8 * DAY);
      const { id, createdAt } = await propose(
        dao,
        dao.proposer,
        await releaseVesting(dao, `Split into ${parts}`),
      );
      let counted = 0n;
      for (const wallet of wallets) counted += await token.getPastVotingPower(wallet.address, createdAt);
      await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
      for (const wallet of wallets) await governor.connect(wallet).castVote(id, Vote.For);
      for (const voter of [dao.alice, dao.bob, dao.carol])
        await governor.connect(voter).castVote(id, Vote.Against);
      await networkHelpers.time.increase(VOTING_PERIOD);
      const [against, forVotes] = await governor.proposalVotes(id);
      return { id, createdAt, counted, against, forVotes, state: await governor.state(id) };
    }

    it("unsplit: the 20% whale counts 5%, below quorum, and loses to three capped holders", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, whale } = dao;
      const { id, createdAt } = await propose(dao, dao.proposer, await releaseVesting(dao, "Unsplit"));
      expect(await token.getPastVotingPower(whale.address, createdAt)).to.equal(CAP);
      await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
      await governor.connect(whale).castVote(id, Vote.For);
      for (const voter of [dao.alice, dao.bob, dao.carol])
        await governor.connect(voter).castVote(id, Vote.Against);
      await networkHelpers.time.increase(VOTING_PERIOD);
      const [against, forVotes] = await governor.proposalVotes(id);
      expect(forVotes).to.equal(50_000_000n * AITBC);
      expect(against).to.equal(150_000_000n * AITBC - 1n);
      expect(forVotes < QUORUM).to.equal(true);
      expect(await governor.state(id)).to.equal(State.Defeated);
    });

    for (const parts of [5, 40]) {
      it(`split into ${parts} addresses: counts 200,000,000 AITBC, reaches quorum alone and wins 57.1%`, async function () {
        const dao = await networkHelpers.loadFixture(daoFixture);
        const result = await splitVote(dao, parts);
        expect(result.counted).to.equal(200_000_000n * AITBC);
        expect(result.forVotes).to.equal(200_000_000n * AITBC);
        expect(result.against).to.equal(150_000_000n * AITBC - 1n);
        expect(await dao.governor.quorum(result.createdAt)).to.equal(QUORUM);
        expect(result.forVotes >= QUORUM).to.equal(true); // quorum reached by the split whale alone
        expect((result.forVotes * 1000n) / (result.forVotes + result.against)).to.equal(571n); // 57.1% For
        expect(result.state).to.equal(State.Succeeded);
        // What still defends: a critical proposal won this way still needs the council.
        const grab = await treasuryTransfer(dao, dao.whale.address, 1n, `Split whale's grab (${parts})`);
        expect(await dao.governor.isCritical(grab.targets, grab.values, grab.calldatas, 2)).to.equal(true);
      });
    }
  });

  describe("classic attacks", function () {
    it("a one-transaction flash loan of 60% of supply cannot reach the 100 AITBC proposal threshold", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const lender = await fundLender(dao);
      const loan = await dao.token.balanceOf(await lender.getAddress());
      expect(loan).to.equal((TOTAL_SUPPLY * 60n) / 100n);
      const attacker = await ethers.deployContract("FlashGovernanceAttackerMock", [
        await dao.governor.getAddress(),
      ]);
      await expect(attacker.attackPropose(await lender.getAddress(), await dao.token.getAddress(), loan))
        .to.be.revertedWithCustomError(dao.governor, "GovernorInsufficientProposerVotes")
        .withArgs(await attacker.getAddress(), 0n, THRESHOLD);
      expect(await dao.token.balanceOf(await attacker.getAddress())).to.equal(0n);
      expect(await dao.token.balanceOf(await lender.getAddress())).to.equal(loan);
    });

    it("a flash loan of the whole liquid supply votes with zero weight; holders keep their snapshot power", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, alice } = dao;
      const actions = await treasuryTransfer(dao, dao.outsider.address, 1n, "Target of the flash attack");
      const { id, createdAt } = await propose(dao, dao.proposer, actions);
      const alicePower = await token.getPastVotingPower(alice.address, createdAt);
      const lender = await fundLender(dao); // everyone deposits after the snapshot
      const loan = await token.balanceOf(await lender.getAddress());
      expect((loan * 10_000n) / TOTAL_SUPPLY).to.equal(5_999n); // 60% minus the escrowed 1,000 AITBC bond
      await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);

      const attacker = await ethers.deployContract("FlashGovernanceAttackerMock", [
        await governor.getAddress(),
      ]);
      await expect(attacker.attackVote(await lender.getAddress(), await token.getAddress(), loan, id))
        .to.emit(governor, "VoteCast")
        .withArgs(await attacker.getAddress(), id, Vote.For, 0n, "");
      expect(await attacker.countedWeight()).to.equal(0n);
      const [against, forVotes] = await governor.proposalVotes(id);
      expect([against, forVotes]).to.deep.equal([0n, 0n]);

      // alice deposited everything into the lender but still votes with her power at creation.
      await expect(governor.connect(alice).castVote(id, Vote.Against))
        .to.emit(governor, "VoteCast")
        .withArgs(alice.address, id, Vote.Against, alicePower, "");
      expect(alicePower).to.equal(CAP);
      await networkHelpers.time.increase(VOTING_PERIOD);
      expect(await governor.state(id)).to.equal(State.Defeated);
      expect(await token.balanceOf(dao.outsider.address)).to.equal(0n);
    });

    it("buy-then-wait: 50,000,000 AITBC bought counts 297,619 after 1 h, 7,142,857 after 1 day, the cap after 7 days", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, escrow, liquidity, timelock, proposer } = dao;
      const buyer = (await ethers.getSigners())[18]!;
      await token.connect(liquidity).transfer(buyer.address, 50_000_000n * AITBC);
      await token.connect(buyer).delegate(buyer.address);
      const boughtAt = await networkHelpers.time.latest();
      const treasury = await token.balanceOf(await timelock.getAddress());
      await token.connect(proposer).approve(await escrow.getAddress(), BOND * 3n);

      const proposals: { after: number; id: bigint; actions: ProposalActions; power: bigint }[] = [];
      for (const after of [HOUR, DAY, 7 * DAY]) {
        const actions = await treasuryTransfer(
          dao,
          buyer.address,
          1_000_000n * AITBC,
          `Bought ${after} s ago`,
        );
        await networkHelpers.time.setNextBlockTimestamp(boughtAt + after);
        await governor
          .connect(proposer)
          .proposeTyped(actions.targets, actions.values, actions.calldatas, actions.description, 1);
        await networkHelpers.mine();
        const id = await proposalIdOf(dao, actions);
        expect(await governor.proposalSnapshot(id)).to.equal(BigInt(boughtAt + after));
        const power = await token.getPastVotingPower(buyer.address, boughtAt + after);
        proposals.push({ after, id, actions, power });
      }
      // Counted power = min(votes, 24 h average, 7-day average, cap): a purchase vests linearly over 7 days.
      expect(proposals.map((p) => p.power / AITBC)).to.deep.equal([297_619n, 7_142_857n, 50_000_000n]);
      await networkHelpers.time.increase(CHALLENGE_PERIOD + 1); // voting is open on all three
      for (const p of proposals) {
        await expect(governor.connect(buyer).castVote(p.id, Vote.For))
          .to.emit(governor, "VoteCast")
          .withArgs(buyer.address, p.id, Vote.For, p.power, "");
      }
      await networkHelpers.time.increase(VOTING_PERIOD);
      for (const p of proposals) {
        expect(p.power < QUORUM).to.equal(true);
        await expect(queue(dao, p.actions))
          .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
          .withArgs(p.id, State.Defeated, stateBitmap(State.Succeeded));
      }
      expect(await token.balanceOf(await timelock.getAddress())).to.equal(treasury);
      expect(await token.balanceOf(buyer.address)).to.equal(50_000_000n * AITBC);
    });

    it("low turnout: a proposal voted only by its backers (10% − 1 wei) fails below quorum", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, alice, carol, timelock } = dao;
      const treasury = await token.balanceOf(await timelock.getAddress());
      const actions = await treasuryTransfer(dao, alice.address, 10_000_000n * AITBC, "Quiet weekend grant");
      const { id, createdAt } = await propose(dao, dao.proposer, actions);
      await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
      await governor.connect(alice).castVote(id, Vote.For);
      await governor.connect(carol).castVote(id, Vote.For);
      await networkHelpers.time.increase(VOTING_PERIOD);
      const [against, forVotes] = await governor.proposalVotes(id);
      expect([against, forVotes]).to.deep.equal([0n, QUORUM - 1n]);
      expect(await governor.quorum(createdAt)).to.equal(QUORUM);
      expect(await governor.state(id)).to.equal(State.Defeated);
      await expect(queue(dao, actions))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id, State.Defeated, stateBitmap(State.Succeeded));
      expect(await token.balanceOf(await timelock.getAddress())).to.equal(treasury);
    });

    it("proposal swap: the same description with other calls is another proposal; a used id cannot be re-proposed", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, timelock, alice } = dao;
      const treasury = await token.balanceOf(await timelock.getAddress());
      const voted = await releaseVesting(dao, "Release the contributor vesting");
      const [id] = await passVoteOnly(dao, dao.proposer, [voted]);
      // Queue or execute the votes of `voted` with other calls under the same description.
      const swapped = await treasuryTransfer(dao, alice.address, 10_000_000n * AITBC, voted.description);
      const swappedId = await proposalIdOf(dao, swapped);
      expect(swappedId).to.not.equal(id);
      await expect(queue(dao, swapped))
        .to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal")
        .withArgs(swappedId);
      await expect(execute(dao, swapped))
        .to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal")
        .withArgs(swappedId);
      // Proposed in its own right, the swap starts from zero votes and is critical.
      const { id: fresh } = await propose(dao, dao.proposer, swapped);
      expect(fresh).to.equal(swappedId);
      expect([...(await governor.proposalVotes(fresh))]).to.deep.equal([0n, 0n, 0n]);
      expect((await governor.proposalExtras(fresh)).critical).to.equal(true);

      // The voted proposal runs; re-proposing its id afterwards is refused.
      await queue(dao, voted);
      await networkHelpers.time.increase(TIMELOCK_DELAY);
      await execute(dao, voted);
      await token.connect(dao.proposer).approve(await dao.escrow.getAddress(), BOND);
      const balance = await token.balanceOf(dao.proposer.address);
      await expect(
        governor
          .connect(dao.proposer)
          .proposeTyped(
            voted.targets,
            voted.values,
            voted.calldatas,
            voted.description,
            ProposalType.Community,
          ),
      )
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id!, State.Executed, ethers.ZeroHash);
      expect(await token.balanceOf(dao.proposer.address)).to.equal(balance);
      expect(await token.balanceOf(await timelock.getAddress())).to.equal(treasury);
    });

    it("a whale with 20% of supply counts 5% and cannot reach the 10% quorum alone", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, whale, alice } = dao;
      const actions = await treasuryTransfer(dao, whale.address, 1n, "Whale's grant");
      const { id, createdAt } = await propose(dao, dao.proposer, actions);
      const breakdown = await token.getPastVotingPowerBreakdown(whale.address, createdAt);
      expect(breakdown.votes).to.equal(200_000_000n * AITBC);
      expect(breakdown.power).to.equal(CAP);
      await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
      await expect(governor.connect(whale).castVote(id, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(whale.address, id, Vote.For, CAP, "");
      await networkHelpers.time.increase(VOTING_PERIOD);
      expect(await governor.quorum(createdAt)).to.equal(QUORUM);
      expect(await governor.state(id)).to.equal(State.Defeated);

      // With one more capped voter the quorum is met.
      const again = await treasuryTransfer(dao, whale.address, 2n, "Whale's grant, with friends");
      const second = await propose(dao, dao.proposer, again);
      await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
      await governor.connect(whale).castVote(second.id, Vote.For);
      await governor.connect(alice).castVote(second.id, Vote.For);
      await networkHelpers.time.increase(VOTING_PERIOD);
      expect(await governor.state(second.id)).to.equal(State.Succeeded);
    });

    it("a proposer who sells after proposing: votes stay as at creation, the buyer gains nothing", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, proposer, outsider, escrow } = dao;
      const actions = await treasuryTransfer(dao, proposer.address, 1n, "Proposer sells after proposing");
      const { id, createdAt } = await propose(dao, proposer, actions);
      const power = await token.getPastVotingPower(proposer.address, createdAt);
      expect(power).to.be.greaterThan(0n);

      await token.connect(proposer).transfer(outsider.address, await token.balanceOf(proposer.address));
      await token.connect(outsider).delegate(outsider.address);
      await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
      await expect(governor.connect(proposer).castVote(id, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(proposer.address, id, Vote.For, power, "");
      await expect(governor.connect(outsider).castVote(id, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(outsider.address, id, Vote.For, 0n, "");
      const [, forVotes] = await governor.proposalVotes(id);
      expect(forVotes).to.equal(power);
      // The bond stays escrowed regardless of the sale and is refunded after the vote.
      await networkHelpers.time.increase(VOTING_PERIOD);
      await expect(escrow.claimProposalBond(id)).to.emit(escrow, "ProposalBondRefunded").withArgs(id, proposer.address, BOND); // prettier-ignore
    });

    it("a council with only two signatures cannot approve; a non-owner's third signature does not count", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, owners, outsider, proposer } = dao;
      const actions = await treasuryTransfer(dao, outsider.address, 1n, "Needs the council");
      const { id } = await propose(dao, proposer, actions);
      await expect(councilApprove(dao, id, owners.slice(0, 2))).to.be.revertedWith("GS020");
      await expect(councilApprove(dao, id, [owners[0]!, owners[1]!, outsider])).to.be.revertedWith("GS026");
      expect((await governor.proposalExtras(id)).councilApproved).to.equal(false);
      await expect(governor.connect(owners[0]!).approveProposal(id, proposer.address))
        .to.be.revertedWithCustomError(governor, "GovernanceOnlyCouncil")
        .withArgs(owners[0]!.address);
      await councilApprove(dao, id, [owners[4]!, owners[2]!, owners[3]!]);
      expect((await governor.proposalExtras(id)).councilApproved).to.equal(true);
      await expect(councilApprove(dao, id))
        .to.be.revertedWithCustomError(governor, "GovernanceAlreadyApproved")
        .withArgs(id);
    });

    it("nothing is created, voted and executed in one block (Beanstalk)", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const { governor, token, proposer, alice, bob } = dao;
      const actions = await releaseVesting(dao, "One-block takeover");
      const hash = ethers.id(actions.description);
      await token.connect(proposer).approve(await dao.escrow.getAddress(), 10n ** 24n);
      await ethers.provider.send("evm_setAutomine", [false]);
      const gasLimit = 3_000_000n;
      const sent = [
        await governor
          .connect(proposer)
          .proposeTyped(actions.targets, actions.values, actions.calldatas, actions.description, 2, {
            gasLimit,
          }),
      ];
      const id = await governor.getProposalId(actions.targets, actions.values, actions.calldatas, hash);
      sent.push(await governor.connect(alice).castVote(id, Vote.For, { gasLimit }));
      sent.push(await governor.connect(bob).castVote(id, Vote.For, { gasLimit }));
      sent.push(await governor.queue(actions.targets, actions.values, actions.calldatas, hash, { gasLimit }));
      sent.push(
        await governor.execute(actions.targets, actions.values, actions.calldatas, hash, { gasLimit }),
      );
      await networkHelpers.mine();
      await ethers.provider.send("evm_setAutomine", [true]);
      const statuses = await Promise.all(
        sent.map(async (tx) => (await ethers.provider.getTransactionReceipt(tx.hash))!.status),
      );
      expect(statuses).to.deep.equal([1, 0, 0, 0, 0]);
      expect(await governor.state(id)).to.equal(State.Pending);
    });
  });
});
