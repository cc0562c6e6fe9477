import { expect } from "chai";
import { network } from "hardhat";

import { toAccount } from "viem/accounts";

import {
  AgentRole,
  DAILY_ETH_LIMIT,
  DAILY_TOKEN_LIMIT,
  DAY,
  NATIVE,
  TOKEN,
  asKey,
  defaultOpMaxCost,
  deployWallet,
  handleOps,
  localAccount,
  signedOp,
} from "../helpers/wallet.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = () => deployWallet(connection);

const ERC1271_MAGIC = "0x1626ba7e";

describe("AgentWallet: factory", function () {
  it("creates the wallet at the predicted CREATE2 address, once, with its configuration", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { factory, wallet, walletAddress, owner, agent, salt } = fx;
    expect(await ethers.provider.getCode(walletAddress)).to.not.equal("0x");
    expect(await wallet.owner()).to.equal(owner.address);
    expect(await wallet.agentKey()).to.equal(agent.address);
    expect(await wallet.role()).to.equal(AgentRole.Consumer);
    expect(await wallet.entryPoint()).to.equal(await fx.entryPoint.getAddress());
    // Idempotent: the same parameters return the same wallet and create nothing.
    await expect(factory.createAccount(owner.address, agent.address, AgentRole.Consumer, salt)).to.not.emit(
      factory,
      "AgentWalletCreated",
    );
    // Another salt or role gives another address.
    const other = await factory.getFunction("getAddress")(
      owner.address,
      agent.address,
      AgentRole.Provider,
      salt,
    );
    expect(other).to.not.equal(walletAddress);
    await expect(factory.createAccount(owner.address, agent.address, AgentRole.Provider, salt))
      .to.emit(factory, "AgentWalletCreated")
      .withArgs(other, owner.address, agent.address, AgentRole.Provider, salt);
    // Neither the implementation nor a clone can be initialised again.
    const implementation = await ethers.getContractAt("AgentWallet", await factory.implementation());
    await expect(
      implementation.initialize(owner.address, agent.address, AgentRole.Builder),
    ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
    await expect(
      wallet.initialize(fx.stranger.address, fx.stranger.address, 0),
    ).to.be.revertedWithCustomError(wallet, "InvalidInitialization");
    // A zero owner is refused.
    await expect(factory.createAccount(ethers.ZeroAddress, agent.address, 0, 1n))
      .to.be.revertedWithCustomError(wallet, "AgentWalletInvalidKey")
      .withArgs(ethers.ZeroAddress);
  });

  it("a first UserOperation can create the wallet through initCode", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { factory, entryPoint, owner, agent, deployer } = fx;
    const sender: string = await factory.getFunction("getAddress")(owner.address, agent.address, 3, 99n);
    expect(await ethers.provider.getCode(sender)).to.equal("0x");
    await deployer.sendTransaction({ to: sender, value: 10n ** 18n });
    const initCode = ethers.concat([
      factory.target as string,
      factory.interface.encodeFunctionData("createAccount", [owner.address, agent.address, 3, 99n]),
    ]);
    const op = await signedOp(fx, fx.ownerKey, "0x", { sender, initCode, verificationGasLimit: 1_000_000n });
    await expect(entryPoint.handleOps([op], fx.beneficiary.address))
      .to.emit(entryPoint, "AccountDeployed")
      .withArgs(await entryPoint.getUserOpHash(op), sender, factory.target as string, ethers.ZeroAddress);
    const created = await ethers.getContractAt("AgentWallet", sender);
    expect(await created.role()).to.equal(AgentRole.Coordinator);
  });
});

describe("AgentWallet: UserOperations and spending limits", function () {
  it("the agent key transfers within its daily limit through handleOps", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { token, wallet, recipient, agentKey } = fx;
    const tokenAddress = await token.getAddress();
    const data = token.interface.encodeFunctionData("transfer", [recipient.address, 400n * TOKEN]);
    const op = await signedOp(fx, agentKey, asKey(fx, "execute", [tokenAddress, 0n, data]));
    const outcome = await handleOps(fx, [op]);
    expect(outcome.success).to.equal(true);
    expect(await token.balanceOf(recipient.address)).to.equal(400n * TOKEN);
    const limit = await wallet.spendingLimit(tokenAddress);
    expect(limit.spent).to.equal(400n * TOKEN);
    expect(limit.amount).to.equal(DAILY_TOKEN_LIMIT);
  });

  it("a UserOperation over the daily limit fails in execution with the limit error", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { token, wallet, recipient, agentKey } = fx;
    const tokenAddress = await token.getAddress();
    const transfer = (amount: bigint) =>
      token.interface.encodeFunctionData("transfer", [recipient.address, amount]);

    const over = await handleOps(fx, [
      await signedOp(
        fx,
        agentKey,
        asKey(fx, "execute", [tokenAddress, 0n, transfer(DAILY_TOKEN_LIMIT + 1n)]),
      ),
    ]);
    expect(over.success).to.equal(false);
    expect(over.revert).to.deep.equal({
      name: "AgentWalletSpendingLimitExceeded",
      args: [tokenAddress, DAILY_TOKEN_LIMIT + 1n, DAILY_TOKEN_LIMIT],
    });
    expect(await token.balanceOf(recipient.address)).to.equal(0n);

    // Cumulative: 600 then 500 in the same day.
    expect(
      (
        await handleOps(fx, [
          await signedOp(fx, agentKey, asKey(fx, "execute", [tokenAddress, 0n, transfer(600n * TOKEN)])),
        ])
      ).success,
    ).to.equal(true);
    const second = await handleOps(fx, [
      await signedOp(fx, agentKey, asKey(fx, "execute", [tokenAddress, 0n, transfer(500n * TOKEN)])),
    ]);
    expect(second.revert?.name).to.equal("AgentWalletSpendingLimitExceeded");
    expect(second.revert?.args).to.deep.equal([tokenAddress, 1_100n * TOKEN, DAILY_TOKEN_LIMIT]);
    expect((await wallet.spendingLimit(tokenAddress)).spent).to.equal(600n * TOKEN);
  });

  it("counters reset exactly when the next period starts (fixed period start)", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { token, wallet, recipient, agent } = fx;
    const tokenAddress = await token.getAddress();
    const transfer = (amount: bigint) =>
      token.interface.encodeFunctionData("transfer", [recipient.address, amount]);
    const byOp = async (amount: bigint) =>
      handleOps(fx, [
        await signedOp(fx, fx.agentKey, asKey(fx, "execute", [tokenAddress, 0n, transfer(amount)])),
      ]);

    expect((await byOp(DAILY_TOKEN_LIMIT)).success).to.equal(true);
    const { periodEnd } = await wallet.spendingLimit(tokenAddress);
    // One second before the period ends: still exhausted (direct call by the agent key counts the same).
    await networkHelpers.time.setNextBlockTimestamp(periodEnd - 1n);
    await expect(wallet.connect(agent).execute(tokenAddress, 0n, transfer(1n)))
      .to.be.revertedWithCustomError(wallet, "AgentWalletSpendingLimitExceeded")
      .withArgs(tokenAddress, DAILY_TOKEN_LIMIT + 1n, DAILY_TOKEN_LIMIT);
    // At the period end the counter is zero again, and the whole limit is available.
    await networkHelpers.time.setNextBlockTimestamp(periodEnd);
    await networkHelpers.mine();
    expect((await wallet.spendingLimit(tokenAddress)).spent).to.equal(0n);
    // The ether limit (which the operation's gas counts against) was configured one second later, so its period
    // turns one second later too: let it turn before signing for the new period.
    await networkHelpers.mine();
    expect((await byOp(DAILY_TOKEN_LIMIT)).success).to.equal(true);
    expect((await byOp(1n)).revert?.name).to.equal("AgentWalletSpendingLimitExceeded");
    expect(await token.balanceOf(recipient.address)).to.equal(2n * DAILY_TOKEN_LIMIT);
  });

  it("batches, approvals, transferFrom from the wallet and ether all count against the same limits", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { token, wallet, recipient, agent, other } = fx;
    const tokenAddress = await token.getAddress();
    const batch = [
      {
        target: tokenAddress,
        value: 0n,
        data: token.interface.encodeFunctionData("transfer", [recipient.address, 600n * TOKEN]),
      },
      {
        target: tokenAddress,
        value: 0n,
        data: token.interface.encodeFunctionData("approve", [other.address, 500n * TOKEN]),
      },
    ];
    const failed = await handleOps(fx, [await signedOp(fx, fx.agentKey, asKey(fx, "executeBatch", [batch]))]);
    expect(failed.revert?.args).to.deep.equal([tokenAddress, 1_100n * TOKEN, DAILY_TOKEN_LIMIT]);
    expect(await token.allowance(fx.walletAddress, other.address)).to.equal(0n); // all or nothing

    batch[1]!.data = token.interface.encodeFunctionData("approve", [other.address, 400n * TOKEN]);
    expect(
      (await handleOps(fx, [await signedOp(fx, fx.agentKey, asKey(fx, "executeBatch", [batch]))])).success,
    ).to.equal(true);
    expect((await wallet.spendingLimit(tokenAddress)).spent).to.equal(1_000n * TOKEN);
    // Revoking an approval spends nothing; increaseAllowance or a pull from the wallet does.
    await wallet
      .connect(agent)
      .execute(tokenAddress, 0n, token.interface.encodeFunctionData("approve", [other.address, 0n]));
    const pull = token.interface.encodeFunctionData("transferFrom", [
      fx.walletAddress,
      recipient.address,
      1n,
    ]);
    await expect(wallet.connect(agent).execute(tokenAddress, 0n, pull)).to.be.revertedWithCustomError(
      wallet,
      "AgentWalletSpendingLimitExceeded",
    );
    const increase = ethers.concat([
      "0x39509351",
      ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [other.address, 1n]),
    ]);
    await expect(wallet.connect(agent).execute(tokenAddress, 0n, increase)).to.be.revertedWithCustomError(
      wallet,
      "AgentWalletSpendingLimitExceeded",
    );

    // Ether: 1 ether per day, of which the two UserOperations' worst-case gas is already counted.
    const gasCounted = (await wallet.spendingLimit(NATIVE)).spent;
    expect(gasCounted).to.equal(2n * (await defaultOpMaxCost(fx)));
    const left = DAILY_ETH_LIMIT - gasCounted;
    await expect(wallet.connect(agent).execute(recipient.address, left + 1n, "0x"))
      .to.be.revertedWithCustomError(wallet, "AgentWalletSpendingLimitExceeded")
      .withArgs(NATIVE, DAILY_ETH_LIMIT + 1n, DAILY_ETH_LIMIT);
    await expect(wallet.connect(agent).execute(recipient.address, left, "0x")).to.changeEtherBalance(
      ethers,
      recipient,
      left,
    );
    // A token without a configured limit cannot be spent by the agent at all.
    const otherToken = await ethers.deployContract("PlainVotesToken");
    await otherToken.transfer(fx.walletAddress, 10n);
    await expect(
      wallet
        .connect(agent)
        .execute(
          await otherToken.getAddress(),
          0n,
          otherToken.interface.encodeFunctionData("transfer", [recipient.address, 1n]),
        ),
    )
      .to.be.revertedWithCustomError(wallet, "AgentWalletSpendingLimitExceeded")
      .withArgs(await otherToken.getAddress(), 1n, 0n);
    // A malformed transfer cannot slip through uncounted.
    await expect(
      wallet.connect(agent).execute(tokenAddress, 0n, "0xa9059cbb00"),
    ).to.be.revertedWithCustomError(wallet, "AgentWalletMalformedCall");
  });

  it("the owner is not limited; the agent cannot reach owner functions or call the wallet itself", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { token, wallet, recipient, agent } = fx;
    const tokenAddress = await token.getAddress();
    // Owner-signed UserOperation calling execute directly: no limit.
    const ownerOp = await signedOp(
      fx,
      fx.ownerKey,
      wallet.interface.encodeFunctionData("execute", [
        tokenAddress,
        0n,
        token.interface.encodeFunctionData("transfer", [recipient.address, 5_000n * TOKEN]),
      ]),
    );
    expect((await handleOps(fx, [ownerOp])).success).to.equal(true);
    expect(await token.balanceOf(recipient.address)).to.equal(5_000n * TOKEN);
    expect((await wallet.spendingLimit(tokenAddress)).spent).to.equal(0n);

    // The agent key may not sign an operation that skips executeUserOp (validation fails: AA24).
    const sneaky = await signedOp(
      fx,
      fx.agentKey,
      wallet.interface.encodeFunctionData("setSpendingLimit", [tokenAddress, 10n ** 30n, DAY]),
    );
    await expect(fx.entryPoint.handleOps([sneaky], fx.beneficiary.address))
      .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
      .withArgs(0n, "AA24 signature error");
    // Nor through executeUserOp: the agent key may sign only execute, executeBatch, delegateVotes, castVote and
    // payInto there, so validation refuses an owner function (AA24) before anything runs.
    const viaExecute = await signedOp(
      fx,
      fx.agentKey,
      asKey(fx, "setSpendingLimit", [tokenAddress, 10n ** 30n, DAY]),
    );
    await expect(fx.entryPoint.handleOps([viaExecute], fx.beneficiary.address))
      .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
      .withArgs(0n, "AA24 signature error");
    // Nor can it make the wallet call itself.
    const selfCall = await handleOps(fx, [
      await signedOp(
        fx,
        fx.agentKey,
        asKey(fx, "execute", [
          fx.walletAddress,
          0n,
          wallet.interface.encodeFunctionData("setSpendingLimit", [tokenAddress, 10n ** 30n, DAY]),
        ]),
      ),
    ]);
    expect(selfCall.revert?.name).to.equal("AgentWalletSelfCallForbidden");
    await expect(wallet.connect(agent).setFrozen(false))
      .to.be.revertedWithCustomError(wallet, "AgentWalletUnauthorized")
      .withArgs(agent.address);
    await expect(wallet.connect(fx.stranger).execute(recipient.address, 1n, "0x"))
      .to.be.revertedWithCustomError(wallet, "AgentWalletUnauthorized")
      .withArgs(fx.stranger.address);
    // A signature by an unknown key, or a malformed one, fails validation without reverting the account.
    for (const signature of [
      (await signedOp(fx, fx.strangerKey, asKey(fx, "execute", [recipient.address, 1n, "0x"]))).signature,
      "0x1234",
      ethers.concat([fx.agent.address, "0x" + "11".repeat(65)]),
    ]) {
      const op = {
        ...(await signedOp(fx, fx.agentKey, asKey(fx, "execute", [recipient.address, 1n, "0x"]))),
        signature,
      };
      await expect(fx.entryPoint.handleOps([op], fx.beneficiary.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA24 signature error");
    }
  });

  it("the agent's UserOperation gas counts against the ether limit, in the period its signature names", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { wallet, owner, recipient, entryPoint, agent } = fx;
    const callData = asKey(fx, "execute", [recipient.address, 0n, "0x"]);
    const opCost = await defaultOpMaxCost(fx);
    expect((await handleOps(fx, [await signedOp(fx, fx.agentKey, callData)])).success).to.equal(true);
    expect((await wallet.spendingLimit(NATIVE)).spent).to.equal(opCost);

    // Without the period index, or naming a future period, the operation is refused.
    const op = await signedOp(fx, fx.agentKey, callData);
    await expect(
      entryPoint.handleOps([{ ...op, signature: op.signature.slice(0, -12) }], fx.beneficiary.address),
    )
      .to.be.revertedWithCustomError(entryPoint, "FailedOp")
      .withArgs(0n, "AA24 signature error");
    const future = ethers.concat([op.signature.slice(0, -12), ethers.toBeHex(1n, 6)]);
    await expect(entryPoint.handleOps([{ ...op, signature: future }], fx.beneficiary.address))
      .to.be.revertedWithCustomError(entryPoint, "FailedOp")
      .withArgs(0n, "AA22 expired or not due");

    // When the rest of the ether limit cannot cover the worst-case gas, validation reverts with the limit error.
    const left = DAILY_ETH_LIMIT - opCost;
    await wallet.connect(agent).execute(recipient.address, left - opCost + 1n, "0x");
    const tooExpensive = await signedOp(fx, fx.agentKey, callData);
    const inner = wallet.interface.encodeErrorResult("AgentWalletSpendingLimitExceeded", [
      NATIVE,
      DAILY_ETH_LIMIT + 1n,
      DAILY_ETH_LIMIT,
    ]);
    await expect(entryPoint.handleOps([tooExpensive], fx.beneficiary.address))
      .to.be.revertedWithCustomError(entryPoint, "FailedOpWithRevert")
      .withArgs(0n, "AA23 reverted", inner);
    // A cheaper operation (lower fee cap) still fits; the owner's operations are never counted.
    const cheap = await signedOp(fx, fx.agentKey, callData, {
      maxFeePerGas: 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    expect((await handleOps(fx, [cheap])).success).to.equal(true);
    const spent = (await wallet.spendingLimit(NATIVE)).spent;
    const ownerOp = await signedOp(
      fx,
      fx.ownerKey,
      wallet.interface.encodeFunctionData("setFrozen", [false]),
    );
    expect((await handleOps(fx, [ownerOp])).success).to.equal(true);
    expect((await wallet.spendingLimit(NATIVE)).spent).to.equal(spent);
    expect(await wallet.owner()).to.equal(owner.address);
  });

  it("an operation cannot be replayed (EntryPoint nonce) and is bound to its wallet", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { token, recipient, entryPoint } = fx;
    const data = token.interface.encodeFunctionData("transfer", [recipient.address, 1n]);
    const op = await signedOp(fx, fx.agentKey, asKey(fx, "execute", [await token.getAddress(), 0n, data]));
    expect((await handleOps(fx, [op])).success).to.equal(true);
    await expect(entryPoint.handleOps([op], fx.beneficiary.address))
      .to.be.revertedWithCustomError(entryPoint, "FailedOp")
      .withArgs(0n, "AA25 invalid account nonce");
  });
});

describe("AgentWallet: session keys", function () {
  async function withSession(validFor = DAY) {
    const fx = await networkHelpers.loadFixture(fixture);
    const { wallet, token, owner, session, recipient } = fx;
    const tokenAddress = await token.getAddress();
    const now = await networkHelpers.time.latest();
    const validUntil = now + validFor;
    await expect(
      wallet.connect(owner).addSessionKey(
        session.address,
        validUntil,
        [
          { target: tokenAddress, selector: token.interface.getFunction("transfer")!.selector },
          { target: recipient.address, selector: "0x00000000" },
        ],
        [
          { token: tokenAddress, amount: 300n * TOKEN, period: DAY },
          { token: NATIVE, amount: 10n ** 17n, period: DAY },
        ],
      ),
    )
      .to.emit(wallet, "SessionKeyAdded")
      .withArgs(session.address, validUntil, 1);
    const transfer = (amount: bigint) =>
      asKey(fx, "execute", [
        tokenAddress,
        0n,
        token.interface.encodeFunctionData("transfer", [recipient.address, amount]),
      ]);
    return { ...fx, tokenAddress, validUntil, transfer };
  }

  it("a session key calls its allowed target and selector within its own cap", async function () {
    const fx = await withSession();
    const { wallet, token, recipient, session, tokenAddress } = fx;
    expect(
      (await handleOps(fx, [await signedOp(fx, fx.sessionKey, fx.transfer(200n * TOKEN))])).success,
    ).to.equal(true);
    expect(await token.balanceOf(recipient.address)).to.equal(200n * TOKEN);
    expect((await wallet.sessionCap(session.address, tokenAddress)).spent).to.equal(200n * TOKEN);
    expect((await wallet.spendingLimit(tokenAddress)).spent).to.equal(200n * TOKEN);
    // Its own cap (300) binds before the wallet's (1,000).
    const over = await handleOps(fx, [await signedOp(fx, fx.sessionKey, fx.transfer(101n * TOKEN))]);
    expect(over.revert).to.deep.equal({
      name: "AgentWalletSessionCapExceeded",
      args: [session.address, tokenAddress, 301n * TOKEN, 300n * TOKEN],
    });
    // Ether to the allowed recipient, within the session's 0.1 ether cap, directly from the session key.
    await expect(wallet.connect(session).execute(recipient.address, 10n ** 17n, "0x")).to.changeEtherBalance(
      ethers,
      recipient,
      10n ** 17n,
    );
  });

  it("a disallowed selector or target fails; the agent key's spending shares the wallet limit", async function () {
    const fx = await withSession();
    const { wallet, token, recipient, session, tokenAddress, agent, other } = fx;
    const approve = token.interface.encodeFunctionData("approve", [other.address, 1n]);
    const outcome = await handleOps(fx, [
      await signedOp(fx, fx.sessionKey, asKey(fx, "execute", [tokenAddress, 0n, approve])),
    ]);
    expect(outcome.success).to.equal(false);
    expect(outcome.revert).to.deep.equal({
      name: "AgentWalletCallNotAllowed",
      args: [session.address, tokenAddress, "0x095ea7b3"],
    });
    await expect(wallet.connect(session).execute(other.address, 1n, "0x"))
      .to.be.revertedWithCustomError(wallet, "AgentWalletCallNotAllowed")
      .withArgs(session.address, other.address, "0x00000000");
    // The agent spends 900 of the 1,000: the session key then has only 100 left of the wallet limit.
    await wallet
      .connect(agent)
      .execute(
        tokenAddress,
        0n,
        token.interface.encodeFunctionData("transfer", [recipient.address, 900n * TOKEN]),
      );
    const over = await handleOps(fx, [await signedOp(fx, fx.sessionKey, fx.transfer(101n * TOKEN))]);
    expect(over.revert).to.deep.equal({
      name: "AgentWalletSpendingLimitExceeded",
      args: [tokenAddress, 1_001n * TOKEN, DAILY_TOKEN_LIMIT],
    });
  });

  it("a session key past its expiry fails validation (AA22) and direct calls", async function () {
    const fx = await withSession(3600);
    const { wallet, session, recipient, entryPoint, validUntil } = fx;
    await networkHelpers.time.increaseTo(validUntil + 1);
    const op = await signedOp(fx, fx.sessionKey, fx.transfer(1n));
    await expect(entryPoint.handleOps([op], fx.beneficiary.address))
      .to.be.revertedWithCustomError(entryPoint, "FailedOp")
      .withArgs(0n, "AA22 expired or not due");
    await expect(wallet.connect(session).execute(recipient.address, 1n, "0x"))
      .to.be.revertedWithCustomError(wallet, "AgentWalletSessionKeyExpired")
      .withArgs(session.address, validUntil);
  });

  it("the owner revokes a session key at once; a new grant does not revive old permissions", async function () {
    const fx = await withSession();
    const { wallet, owner, session, entryPoint, tokenAddress, token } = fx;
    await expect(wallet.connect(owner).revokeSessionKey(session.address))
      .to.emit(wallet, "SessionKeyRevoked")
      .withArgs(session.address);
    const op = await signedOp(fx, fx.sessionKey, fx.transfer(1n));
    await expect(entryPoint.handleOps([op], fx.beneficiary.address))
      .to.be.revertedWithCustomError(entryPoint, "FailedOp")
      .withArgs(0n, "AA24 signature error");
    await expect(wallet.connect(session).execute(fx.recipient.address, 1n, "0x"))
      .to.be.revertedWithCustomError(wallet, "AgentWalletUnauthorized")
      .withArgs(session.address);
    // Re-granted without permissions: the earlier transfer permission is gone.
    await wallet
      .connect(owner)
      .addSessionKey(session.address, (await networkHelpers.time.latest()) + DAY, [], []);
    expect(
      await wallet.sessionCanCall(
        session.address,
        tokenAddress,
        token.interface.getFunction("transfer")!.selector,
      ),
    ).to.equal(false);
    // Invalid grants.
    await expect(wallet.connect(owner).addSessionKey(fx.agent.address, 2n ** 40n, [], []))
      .to.be.revertedWithCustomError(wallet, "AgentWalletInvalidKey")
      .withArgs(fx.agent.address);
    await expect(wallet.connect(owner).addSessionKey(session.address, 1, [], []))
      .to.be.revertedWithCustomError(wallet, "AgentWalletInvalidExpiry")
      .withArgs(1);
    await expect(
      wallet
        .connect(owner)
        .addSessionKey(session.address, 2n ** 40n, [], [{ token: tokenAddress, amount: 1n, period: 0n }]),
    )
      .to.be.revertedWithCustomError(wallet, "AgentWalletInvalidLimit")
      .withArgs(1n, 0n);
  });
});

describe("AgentWallet: owner controls", function () {
  it("freezing stops the agent (validation and direct calls) but never the owner, who recovers funds", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { wallet, owner, agent, token, recipient, entryPoint } = fx;
    const tokenAddress = await token.getAddress();
    await expect(wallet.connect(owner).setFrozen(true)).to.emit(wallet, "FrozenSet").withArgs(false, true);
    const transfer = token.interface.encodeFunctionData("transfer", [recipient.address, 1n]);
    const op = await signedOp(fx, fx.agentKey, asKey(fx, "execute", [tokenAddress, 0n, transfer]));
    await expect(entryPoint.handleOps([op], fx.beneficiary.address))
      .to.be.revertedWithCustomError(entryPoint, "FailedOp")
      .withArgs(0n, "AA24 signature error");
    await expect(wallet.connect(agent).execute(tokenAddress, 0n, transfer)).to.be.revertedWithCustomError(
      wallet,
      "AgentWalletFrozen",
    );
    // The owner still acts, including through a UserOperation, and recovers everything.
    const balance = await token.balanceOf(fx.walletAddress);
    await expect(wallet.connect(owner).withdraw(tokenAddress, owner.address, balance))
      .to.emit(wallet, "FundsRecovered")
      .withArgs(tokenAddress, owner.address, balance);
    expect(await token.balanceOf(owner.address)).to.equal(balance);
    const ownerOp = await signedOp(
      fx,
      fx.ownerKey,
      wallet.interface.encodeFunctionData("withdraw", [NATIVE, owner.address, 10n ** 18n]),
    );
    expect((await handleOps(fx, [ownerOp])).success).to.equal(true);
    await wallet.connect(owner).setFrozen(false);
    await expect(wallet.connect(agent).execute(recipient.address, 1n, "0x")).to.changeEtherBalance(
      ethers,
      recipient,
      1n,
    );
  });

  it("the owner replaces the agent key; the old key loses access at once", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { wallet, owner, agent, stranger, recipient } = fx;
    await expect(wallet.connect(owner).setAgentKey(stranger.address))
      .to.emit(wallet, "AgentKeySet")
      .withArgs(agent.address, stranger.address);
    await expect(wallet.connect(agent).execute(recipient.address, 1n, "0x"))
      .to.be.revertedWithCustomError(wallet, "AgentWalletUnauthorized")
      .withArgs(agent.address);
    const op = await signedOp(fx, fx.strangerKey, asKey(fx, "execute", [recipient.address, 1n, "0x"]));
    expect((await handleOps(fx, [op])).success).to.equal(true);
    await expect(wallet.connect(owner).setRole(AgentRole.Builder))
      .to.emit(wallet, "RoleSet")
      .withArgs(AgentRole.Consumer, AgentRole.Builder);
    await expect(wallet.connect(owner).setSpendingLimit(NATIVE, 2n ** 128n, DAY))
      .to.be.revertedWithCustomError(wallet, "AgentWalletInvalidLimit")
      .withArgs(2n ** 128n, DAY);
  });

  it("the owner hands the wallet over; only the EntryPoint may call executeUserOp", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { wallet, owner, agent, stranger, other } = fx;
    await expect(wallet.connect(owner).setOwner(agent.address))
      .to.be.revertedWithCustomError(wallet, "AgentWalletInvalidKey")
      .withArgs(agent.address);
    await expect(wallet.connect(owner).setOwner(stranger.address))
      .to.emit(wallet, "OwnerSet")
      .withArgs(owner.address, stranger.address);
    await expect(wallet.connect(owner).setFrozen(true))
      .to.be.revertedWithCustomError(wallet, "AgentWalletUnauthorized")
      .withArgs(owner.address);
    await wallet.connect(stranger).setFrozen(true);
    expect(await wallet.frozen()).to.equal(true);
    const op = await signedOp(fx, fx.strangerKey, "0x");
    await expect(wallet.connect(other).executeUserOp(op, ethers.ZeroHash))
      .to.be.revertedWithCustomError(wallet, "AccountUnauthorized")
      .withArgs(other.address);
  });

  it("an ERC-1271 contract owner controls the wallet and signs its UserOperations", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { factory, agent, deployer, recipient, token } = fx;
    const ownerKey = new ethers.Wallet(ethers.id("contract owner key"), ethers.provider);
    await deployer.sendTransaction({ to: ownerKey.address, value: 10n ** 18n });
    const ownerContract = await ethers.deployContract("ERC1271WalletMock", [ownerKey.address]);
    const ownerAddress = await ownerContract.getAddress();
    await factory.createAccount(ownerAddress, agent.address, AgentRole.Provider, 1n);
    const walletAddress: string = await factory.getFunction("getAddress")(
      ownerAddress,
      agent.address,
      AgentRole.Provider,
      1n,
    );
    const wallet = await ethers.getContractAt("AgentWallet", walletAddress);
    await deployer.sendTransaction({ to: walletAddress, value: 10n ** 18n });
    await token.transfer(walletAddress, 10n * TOKEN);
    // Owner call through the owner contract.
    await ownerContract
      .connect(ownerKey)
      .execute(
        walletAddress,
        wallet.interface.encodeFunctionData("setSpendingLimit", [await token.getAddress(), 5n, DAY]),
      );
    expect((await wallet.spendingLimit(await token.getAddress())).amount).to.equal(5n);
    // An owner-signed UserOperation: the owner contract's ERC-1271 check accepts its key's signature.
    // The signer is a viem custom account: the owner contract's address, its key's raw signatures.
    const key = localAccount(ownerKey);
    const signer = toAccount({
      address: ownerAddress as `0x${string}`,
      sign: ({ hash }) => key.sign!({ hash }),
      signMessage: (m) => key.signMessage(m),
      signTransaction: (t) => key.signTransaction(t),
      signTypedData: (t) => key.signTypedData(t),
    });
    const op = await signedOp(
      { ...fx, walletAddress },
      signer,
      wallet.interface.encodeFunctionData("execute", [
        await token.getAddress(),
        0n,
        token.interface.encodeFunctionData("transfer", [recipient.address, 10n * TOKEN]),
      ]),
    );
    // Signed as the owner: `owner ‖ ECDSA`, no period index.
    expect(op.signature.slice(0, 42).toLowerCase()).to.equal(ownerAddress.toLowerCase());
    expect(op.signature.length).to.equal(2 + 2 * (20 + 65));
    expect((await handleOps({ ...fx, wallet }, [op])).success).to.equal(true);
    expect(await token.balanceOf(recipient.address)).to.equal(10n * TOKEN);
  });
});

describe("AgentWallet: ERC-1271 and payments", function () {
  it("owner signatures are valid for this wallet only; agent signatures only towards allowed verifiers", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { wallet, factory, owner, agent, other } = fx;
    const hash = ethers.id("some message");
    const sign = (key: typeof owner, digest: string) =>
      ethers.concat([key.address, key.signingKey.sign(digest).serialized]);
    const ownerSig = sign(owner, await wallet.messageDigest(hash));
    expect(await wallet.isValidSignature(hash, ownerSig)).to.equal(ERC1271_MAGIC);
    expect(await wallet.isValidSignature(ethers.id("other message"), ownerSig)).to.equal("0xffffffff");
    // The same owner's second wallet refuses the first wallet's signature (EIP-712 domain of the wallet).
    await factory.createAccount(owner.address, agent.address, AgentRole.Consumer, 8n);
    const second = await ethers.getContractAt(
      "AgentWallet",
      await factory.getFunction("getAddress")(owner.address, agent.address, AgentRole.Consumer, 8n),
    );
    expect(await second.isValidSignature(hash, ownerSig)).to.equal("0xffffffff");
    // A raw signature over the hash itself is refused too.
    expect(await wallet.isValidSignature(hash, sign(owner, hash))).to.equal("0xffffffff");

    const agentSig = sign(agent, await wallet.messageDigest(hash));
    expect(await wallet.connect(other).isValidSignature(hash, agentSig)).to.equal("0xffffffff");
    await wallet.connect(owner).setSignatureVerifier(other.address, true);
    expect(await wallet.connect(other).isValidSignature(hash, agentSig)).to.equal(ERC1271_MAGIC);
    expect(await wallet.connect(fx.recipient).isValidSignature(hash, agentSig)).to.equal("0xffffffff");
    await wallet.connect(owner).setFrozen(true);
    expect(await wallet.connect(other).isValidSignature(hash, agentSig)).to.equal("0xffffffff");
    expect(await wallet.isValidSignature(hash, "0x12")).to.equal("0xffffffff");
  });

  it("payInto approves, lets the escrow pull, clears the rest, and counts the amount (UserOperation)", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { wallet, token, agent } = fx;
    const tokenAddress = await token.getAddress();
    const escrow = await ethers.deployContract("JobEscrowPullMock");
    const escrowAddress = await escrow.getAddress();
    const jobId = ethers.id("job-1");
    // Pay 300, the escrow pulls 250: 300 counted, no allowance left.
    const data = escrow.interface.encodeFunctionData("openJob", [jobId, tokenAddress, 250n * TOKEN]);
    const outcome = await handleOps(fx, [
      await signedOp(
        fx,
        fx.agentKey,
        asKey(fx, "payInto", [escrowAddress, tokenAddress, 300n * TOKEN, data]),
      ),
    ]);
    expect(outcome.success).to.equal(true);
    expect(await escrow.paid(jobId)).to.equal(250n * TOKEN);
    expect(await escrow.payer(jobId)).to.equal(fx.walletAddress);
    expect(await token.allowance(fx.walletAddress, escrowAddress)).to.equal(0n);
    expect((await wallet.spendingLimit(tokenAddress)).spent).to.equal(300n * TOKEN);
    // Over the limit: reverts before anything moves.
    const big = escrow.interface.encodeFunctionData("openJob", [
      ethers.id("job-2"),
      tokenAddress,
      701n * TOKEN,
    ]);
    await expect(wallet.connect(agent).payInto(escrowAddress, tokenAddress, 701n * TOKEN, big))
      .to.be.revertedWithCustomError(wallet, "AgentWalletSpendingLimitExceeded")
      .withArgs(tokenAddress, 1_001n * TOKEN, DAILY_TOKEN_LIMIT);
    expect(await escrow.paid(ethers.id("job-2"))).to.equal(0n);
  });
});
