/**
 * Paths that change who may act or move funds and that the rest of the suite left uncovered
 * (found with `npm run coverage`): the council replaced only by a full critical proposal; the
 * wallet's execution-time checks — an `executeUserOp` the EntryPoint hands over without having
 * validated it, an agent operation whose key the owner replaced earlier in the same bundle, an
 * owner-signed `executeUserOp` of an owner function (run as the wallet's self-call), a spending
 * limit removed by the owner (the token is then out of the keys' reach); and the owner's own
 * refusals (withdraw to the zero address, the owner as agent key). Each asserts the exact error and
 * that nothing moved.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { deployOpenClaw, execute, passProposal, ProposalType } from "../helpers/openclaw.js";
import { DAILY_TOKEN_LIMIT, TOKEN, asKey, deployWallet, handleOps, signedOp } from "../helpers/wallet.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function daoFixture() {
  return deployOpenClaw(connection);
}

async function walletFixture() {
  return deployWallet(connection);
}

describe("security: authority paths", function () {
  describe("the council is replaced only by a critical proposal the council approved", function () {
    it("setCouncil from a stranger fails; through propose → council → vote → timelock it takes effect", async function () {
      const dao = await networkHelpers.loadFixture(daoFixture);
      const newCouncil = dao.outsider.address;
      await expect(dao.governor.connect(dao.outsider).setCouncil(newCouncil))
        .to.be.revertedWithCustomError(dao.governor, "GovernorOnlyExecutor")
        .withArgs(dao.outsider.address);
      const actions = {
        targets: [await dao.governor.getAddress()],
        values: [0n],
        calldatas: [dao.governor.interface.encodeFunctionData("setCouncil", [newCouncil])],
        description: "Replace the security council",
      };
      // Critical whatever is declared (a call to the governor); derived Protocol, so it needs the council.
      expect(
        await dao.governor.isCritical(
          actions.targets,
          actions.values,
          actions.calldatas,
          ProposalType.Community,
        ),
      ).to.equal(true);
      const before = await dao.governor.council();
      await passProposal(dao, actions, ProposalType.Protocol);
      await expect(execute(dao, actions)).to.emit(dao.governor, "CouncilSet").withArgs(before, newCouncil);
      expect(await dao.governor.council()).to.equal(newCouncil);
      // The old Safe can no longer approve anything.
      const oldSafe = await dao.council.getAddress();
      await networkHelpers.impersonateAccount(oldSafe);
      await networkHelpers.setBalance(oldSafe, 10n ** 18n);
      await expect(
        dao.governor.connect(await ethers.getSigner(oldSafe)).approveProposal(1n, dao.proposer.address),
      )
        .to.be.revertedWithCustomError(dao.governor, "GovernanceOnlyCouncil")
        .withArgs(oldSafe);
      await networkHelpers.stopImpersonatingAccount(oldSafe);
    });
  });

  describe("AgentWallet: what execution checks after validation", function () {
    it("executeUserOp acts as the key its signature names, never more: a stranger's prefix is refused, the agent's stays within the agent's reach", async function () {
      // Only the EntryPoint can call executeUserOp, and it passes the operation it validated in the same handleOps
      // (it is trusted as the owner in every other call too). Even called without validation, the actor is the
      // signature's signer prefix, re-checked here: nobody gets more than the key it names.
      const fx = await networkHelpers.loadFixture(walletFixture);
      const entryPoint = await fx.entryPoint.getAddress();
      await networkHelpers.impersonateAccount(entryPoint);
      await networkHelpers.setBalance(entryPoint, 10n ** 18n);
      const asEntryPoint = await ethers.getSigner(entryPoint);
      const transfer = fx.token.interface.encodeFunctionData("transfer", [fx.stranger.address, TOKEN]);
      const op = await signedOp(
        fx,
        fx.ownerKey,
        asKey(fx, "execute", [await fx.token.getAddress(), 0n, transfer]),
      );
      const hash = await fx.entryPoint.getUserOpHash(op);
      const balance = await fx.token.balanceOf(fx.walletAddress);
      const asStranger = { ...op, signature: fx.stranger.address + op.signature.slice(42) };
      await expect(fx.wallet.connect(asEntryPoint).executeUserOp(asStranger, hash))
        .to.be.revertedWithCustomError(fx.wallet, "AgentWalletUnauthorized")
        .withArgs(fx.stranger.address);
      const raise = fx.wallet.interface.encodeFunctionData("setSpendingLimit", [await fx.token.getAddress(), 10n ** 30n, 86_400n]); // prettier-ignore
      const asAgent = {
        ...op,
        callData: asKey(fx, "execute", [fx.walletAddress, 0n, raise]),
        signature: fx.agent.address + op.signature.slice(42),
      };
      await expect(
        fx.wallet.connect(asEntryPoint).executeUserOp(asAgent, hash),
      ).to.be.revertedWithCustomError(fx.wallet, "AgentWalletSelfCallForbidden");
      expect(await fx.token.balanceOf(fx.walletAddress)).to.equal(balance);
      await networkHelpers.stopImpersonatingAccount(entryPoint);
    });

    it("an agent operation after the owner replaced the agent key in the same bundle is refused", async function () {
      const fx = await networkHelpers.loadFixture(walletFixture);
      const token = await fx.token.getAddress();
      const transfer = fx.token.interface.encodeFunctionData("transfer", [fx.stranger.address, TOKEN]);
      const replaceKey = fx.wallet.interface.encodeFunctionData("setAgentKey", [fx.other.address]);
      const ownerOp = await signedOp(fx, fx.ownerKey, replaceKey);
      const agentOp = await signedOp(fx, fx.agentKey, asKey(fx, "execute", [token, 0n, transfer]), {
        nonce: (await fx.entryPoint.getNonce(fx.walletAddress, 0n)) + 1n,
      });
      const balance = await fx.token.balanceOf(fx.walletAddress);
      const tx = await fx.entryPoint
        .connect(fx.beneficiary)
        .handleOps([ownerOp, agentOp], fx.beneficiary.address);
      const receipt = (await tx.wait())!;
      const reasons = receipt.logs
        .map((log) => fx.entryPoint.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "UserOperationRevertReason")
        .map((parsed) => fx.wallet.interface.parseError(parsed!.args.revertReason as string));
      expect(reasons.map((e) => [e?.name, ...(e?.args ?? [])])).to.deep.equal([
        ["AgentWalletUnauthorized", fx.agent.address],
      ]);
      expect(await fx.wallet.agentKey()).to.equal(fx.other.address);
      expect(await fx.token.balanceOf(fx.walletAddress)).to.equal(balance);
      expect((await fx.wallet.spendingLimit(token)).spent).to.equal(0n);
    });

    it("an owner-signed executeUserOp of an owner function runs; removing a limit puts the token out of the keys' reach", async function () {
      const fx = await networkHelpers.loadFixture(walletFixture);
      const token = await fx.token.getAddress();
      expect((await fx.wallet.spendingLimit(token)).amount).to.equal(DAILY_TOKEN_LIMIT);
      const removal = await signedOp(fx, fx.ownerKey, asKey(fx, "setSpendingLimit", [token, 0n, 0n]));
      const outcome = await handleOps(fx, [removal]);
      expect(outcome.success, JSON.stringify(outcome.revert)).to.equal(true);
      const limit = await fx.wallet.spendingLimit(token);
      expect([limit.amount, limit.period, limit.spent]).to.deep.equal([0n, 0n, 0n]);

      const balance = await fx.token.balanceOf(fx.walletAddress);
      const transfer = fx.token.interface.encodeFunctionData("transfer", [fx.stranger.address, 1n]);
      await expect(fx.wallet.connect(fx.agent).execute(token, 0n, transfer))
        .to.be.revertedWithCustomError(fx.wallet, "AgentWalletSpendingLimitExceeded")
        .withArgs(token, 1n, 0n); // 1 wei would be spent of a limit of 0
      expect(await fx.token.balanceOf(fx.walletAddress)).to.equal(balance);
      // The owner is not limited.
      await fx.wallet.connect(fx.owner).execute(token, 0n, transfer);
      expect(await fx.token.balanceOf(fx.walletAddress)).to.equal(balance - 1n);
    });

    it("the owner cannot withdraw to the zero address nor make itself the agent key", async function () {
      const fx = await networkHelpers.loadFixture(walletFixture);
      const token = await fx.token.getAddress();
      const balance = await fx.token.balanceOf(fx.walletAddress);
      await expect(fx.wallet.connect(fx.owner).withdraw(token, ethers.ZeroAddress, TOKEN))
        .to.be.revertedWithCustomError(fx.wallet, "AgentWalletInvalidKey")
        .withArgs(ethers.ZeroAddress);
      await expect(fx.wallet.connect(fx.owner).setAgentKey(fx.owner.address))
        .to.be.revertedWithCustomError(fx.wallet, "AgentWalletInvalidKey")
        .withArgs(fx.owner.address);
      expect(await fx.token.balanceOf(fx.walletAddress)).to.equal(balance);
      expect(await fx.wallet.agentKey()).to.equal(fx.agent.address);
    });
  });
});
