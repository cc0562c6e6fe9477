/**
 * Attacks on AgentWallet's authority model: an agent key or a session key (with or without permissions)
 * tries to reach the owner's powers (setOwner, setAgentKey, withdraw, limits, session keys, freeze, role,
 * ERC-1271 verifiers) and the wallet's EntryPoint deposit, by every route found: UserOperations calling owner
 * functions directly or through `executeUserOp`, self-calls through `execute`/`executeBatch`/`payInto`, nested
 * `executeUserOp` whose inner operation names the owner (or 20 zero bytes) as signer, calls to the EntryPoint,
 * direct calls from the key's EOA, NFTs the limits do not price, ERC-1271 and malformed calldata.
 *
 * Every attack asserts the exact refusal (a custom error of the wallet, or the EntryPoint's `FailedOp` where
 * validation refuses the operation) and that nothing moved: wallet tokens, ether, EntryPoint deposit and stake,
 * owner, agent key, limits, session keys, freeze, role, verifiers. Attack operations use `maxFeePerGas = 0`
 * (as the original attack did), so not even gas leaves the wallet.
 */
import { expect } from "chai";
import type { BytesLike, Interface, Wallet } from "ethers";
import { network } from "hardhat";

import { encodeAgentCall, type PackedUserOperation } from "../../sdk/src/index.js";
import { DAY, NATIVE, TOKEN, deployWallet, handleOps, localAccount, signedOp } from "../helpers/wallet.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const DEPOSIT = 5n * 10n ** 17n; // 0.5 ether at the EntryPoint
const STAKE = 10n ** 17n;
const ZERO_FEES = { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n };

async function fixture() {
  const fx = await deployWallet(connection);
  const { wallet, entryPoint, token, owner, session, deployer } = fx;
  const entryPointAddress = await entryPoint.getAddress();
  const tokenAddress = await token.getAddress();
  const nft = await ethers.deployContract("ERC721MintableMock");
  await nft.mint(fx.walletAddress, 0n);
  await nft.mint(fx.walletAddress, 1n);
  // The wallet's EntryPoint deposit, and a stake the owner added (so unlock/withdraw of a stake can be tried).
  await entryPoint.depositTo(fx.walletAddress, { value: DEPOSIT });
  await wallet
    .connect(owner)
    .execute(entryPointAddress, STAKE, entryPoint.interface.encodeFunctionData("addStake", [DAY]));

  // A session key with every permission an attacker would want (even ones the owner should never grant), and a
  // session key without any.
  const bare = new ethers.Wallet(ethers.id("agent-wallet security bare session"), ethers.provider);
  await deployer.sendTransaction({ to: bare.address, value: 10n ** 18n });
  const walletSelectors = [
    "setOwner",
    "setAgentKey",
    "withdraw",
    "setSpendingLimit",
    "addSessionKey",
    "revokeSessionKey",
    "setFrozen",
    "setRole",
    "setSignatureVerifier",
    "execute",
    "executeBatch",
    "executeUserOp",
    "payInto",
  ].map((name) => (wallet.interface as Interface).getFunction(name)!.selector);
  const entryPointSelectors = ["withdrawTo", "addStake", "unlockStake", "withdrawStake", "depositTo"].map(
    (name) => (entryPoint.interface as Interface).getFunction(name)!.selector,
  );
  const validUntil = (await networkHelpers.time.latest()) + DAY;
  await wallet.connect(owner).addSessionKey(
    session.address,
    validUntil,
    [
      { target: tokenAddress, selector: token.interface.getFunction("transfer")!.selector },
      { target: tokenAddress, selector: token.interface.getFunction("approve")!.selector },
      ...walletSelectors.map((selector) => ({ target: fx.walletAddress, selector })),
      ...entryPointSelectors.map((selector) => ({ target: entryPointAddress, selector })),
    ],
    [
      { token: tokenAddress, amount: 300n * TOKEN, period: DAY },
      { token: NATIVE, amount: 10n ** 17n, period: DAY },
    ],
  );
  await wallet.connect(owner).addSessionKey(bare.address, validUntil, [], []);
  return { ...fx, nft, bare, entryPointAddress, tokenAddress, attacker: fx.other.address };
}

type Fx = Awaited<ReturnType<typeof fixture>>;

/** Everything an attack could move or change. */
async function snapshot(fx: Fx) {
  const { wallet, token, entryPoint, walletAddress, nft, attacker } = fx;
  const deposit = await entryPoint.getDepositInfo(walletAddress);
  const limit = async (address: string) => {
    const l = await wallet.spendingLimit(address);
    return [l.amount, l.period, l.spent];
  };
  const sessionState = async (key: string) => {
    const s = await wallet.sessionKey(key);
    return [s.validUntil, s.generation, s.active];
  };
  return {
    owner: await wallet.owner(),
    agentKey: await wallet.agentKey(),
    role: await wallet.role(),
    frozen: await wallet.frozen(),
    tokens: await token.balanceOf(walletAddress),
    allowance: await token.allowance(walletAddress, attacker),
    ether: await ethers.provider.getBalance(walletAddress),
    deposit: [deposit.deposit, deposit.staked, deposit.stake, deposit.unstakeDelaySec, deposit.withdrawTime],
    attackerDeposit: await entryPoint.balanceOf(attacker),
    nftOwners: [await nft.ownerOf(0n), await nft.ownerOf(1n)],
    nftApproved: [await nft.getApproved(0n), await nft.isApprovedForAll(walletAddress, attacker)],
    tokenLimit: await limit(fx.tokenAddress),
    etherLimit: await limit(NATIVE),
    sessions: [
      await sessionState(fx.session.address),
      await sessionState(fx.bare.address),
      await sessionState(attacker),
    ],
    verifier: await wallet.isSignatureVerifier(attacker),
  };
}

/** A UserOperation of the wallet as a bare tuple (for encoding as `executeUserOp`'s argument). */
function innerOp(fx: Fx, callData: BytesLike, signature: BytesLike): PackedUserOperation {
  return {
    sender: fx.walletAddress as `0x${string}`,
    nonce: 0n,
    initCode: "0x",
    callData: ethers.hexlify(callData) as `0x${string}`,
    accountGasLimits: ethers.ZeroHash as `0x${string}`,
    preVerificationGas: 0n,
    gasFees: ethers.ZeroHash as `0x${string}`,
    paymasterAndData: "0x",
    signature: ethers.hexlify(signature) as `0x${string}`,
  };
}

/** Wallet calldata `executeUserOp(inner, 0)`, the inner operation claiming `signer` (owner or 20 zero bytes). */
function nestedExecuteUserOp(fx: Fx, signer: string, innerWalletCalldata: string): string {
  const signature = ethers.concat([signer, "0x" + "11".repeat(65)]);
  return fx.wallet.interface.encodeFunctionData("executeUserOp", [
    innerOp(fx, agentCall(innerWalletCalldata), signature),
    ethers.ZeroHash,
  ]);
}

/** `executeUserOp.selector ‖ walletCalldata` (the SDK's encoding of a key's call). */
const agentCall = (walletCalldata: string) => encodeAgentCall(walletCalldata as `0x${string}`);

const w = (fx: Fx, fn: string, args: readonly unknown[]) =>
  (fx.wallet.interface as Interface).encodeFunctionData(fn, args);

/** The owner-only functions of the wallet, with the arguments an attacker would pass. */
async function ownerOnlyCalls(fx: Fx): Promise<{ name: string; data: string }[]> {
  const { attacker, tokenAddress, session } = fx;
  const balance = await fx.token.balanceOf(fx.walletAddress);
  const later = (await networkHelpers.time.latest()) + DAY;
  const transfer = fx.token.interface.getFunction("transfer")!.selector;
  return [
    { name: "setOwner", data: w(fx, "setOwner", [attacker]) },
    { name: "setAgentKey", data: w(fx, "setAgentKey", [attacker]) },
    { name: "withdraw(tokens)", data: w(fx, "withdraw", [tokenAddress, attacker, balance]) },
    { name: "withdraw(ether)", data: w(fx, "withdraw", [NATIVE, attacker, 10n ** 18n]) },
    { name: "setSpendingLimit", data: w(fx, "setSpendingLimit", [tokenAddress, 2n ** 128n - 1n, DAY]) },
    {
      name: "addSessionKey",
      data: w(fx, "addSessionKey", [attacker, later, [{ target: tokenAddress, selector: transfer }], []]),
    },
    { name: "revokeSessionKey", data: w(fx, "revokeSessionKey", [session.address]) },
    { name: "setFrozen", data: w(fx, "setFrozen", [true]) },
    { name: "setRole", data: w(fx, "setRole", [0]) },
    { name: "setSignatureVerifier", data: w(fx, "setSignatureVerifier", [attacker, true]) },
  ];
}

/** Calls to the EntryPoint that move or lock the wallet's deposit and stake (value in wei). */
function entryPointCalls(fx: Fx): { name: string; value: bigint; data: string }[] {
  const ep = fx.entryPoint.interface as Interface;
  return [
    { name: "withdrawTo", value: 0n, data: ep.encodeFunctionData("withdrawTo", [fx.attacker, DEPOSIT]) },
    { name: "unlockStake", value: 0n, data: ep.encodeFunctionData("unlockStake", []) },
    { name: "withdrawStake", value: 0n, data: ep.encodeFunctionData("withdrawStake", [fx.attacker]) },
    { name: "addStake", value: 10n ** 16n, data: ep.encodeFunctionData("addStake", [2 * DAY]) },
    { name: "depositTo", value: 10n ** 16n, data: ep.encodeFunctionData("depositTo", [fx.attacker]) },
  ];
}

type Key = "agent" | "session" | "bare";
const KEYS: { key: Key; label: string }[] = [
  { key: "agent", label: "the agent key" },
  { key: "session", label: "a session key granted every permission" },
  { key: "bare", label: "a session key without permissions" },
];

function keyOf(fx: Fx, key: Key): Wallet {
  return key === "agent" ? fx.agent : key === "session" ? fx.session : fx.bare;
}

/** The key as the viem local account the SDK signs UserOperations with. */
function digestSignerOf(fx: Fx, key: Key) {
  return localAccount(keyOf(fx, key));
}

type Refusal = { validation: "AA24" } | { revert: string; args?: unknown[] };

/**
 * Submits the key's UserOperation and checks the refusal: either `handleOps` reverts with the EntryPoint's
 * `FailedOp(0, "AA24 signature error")` (validation refused the operation), or the operation is included and its
 * execution reverts with the wallet's custom error.
 */
async function expectOpRefused(fx: Fx, key: Key, callData: string, refusal: Refusal, what: string) {
  const op = await signedOp(fx, digestSignerOf(fx, key), callData, ZERO_FEES);
  if ("validation" in refusal) {
    await expect(fx.entryPoint.handleOps([op], fx.beneficiary.address), what)
      .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
      .withArgs(0n, "AA24 signature error");
    return;
  }
  const outcome = await handleOps(fx, [op]);
  expect(outcome.success, `${what}: operation succeeded`).to.equal(false);
  expect(outcome.revert?.name, what).to.equal(refusal.revert);
  if (refusal.args) expect(outcome.revert?.args, what).to.deep.equal(refusal.args);
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/**
 * Runs `attack` on a fresh fixture and checks that nothing an attacker wants moved (`ownerChanged`: fields the
 * test's own owner actions change on purpose).
 */
async function unchanged(attack: (fx: Fx) => Promise<void>, ownerChanged: (keyof Snapshot)[] = []) {
  const fx = await networkHelpers.loadFixture(fixture);
  const before = await snapshot(fx);
  await attack(fx);
  const after = await snapshot(fx);
  const kept = (s: Snapshot) =>
    Object.fromEntries(
      Object.entries(s).filter(([field]) => !ownerChanged.includes(field as keyof Snapshot)),
    );
  expect(kept(after)).to.deep.equal(kept(before));
}

/** Owner-only wallet calldata `data` wrapped by one route into the UserOperation's callData. */
const ROUTES: { name: string; callData: (fx: Fx, data: string) => string; refusal: Refusal }[] = [
  { name: "as the UserOperation's callData", callData: (_fx, data) => data, refusal: { validation: "AA24" } },
  {
    name: "through executeUserOp",
    callData: (_fx, data) => agentCall(data),
    refusal: { validation: "AA24" },
  },
  {
    name: "through executeUserOp → execute(wallet, …)",
    callData: (fx, data) => agentCall(w(fx, "execute", [fx.walletAddress, 0n, data])),
    refusal: { revert: "AgentWalletSelfCallForbidden" },
  },
  {
    name: "through executeUserOp → executeBatch([wallet …])",
    callData: (fx, data) =>
      agentCall(w(fx, "executeBatch", [[{ target: fx.walletAddress, value: 0n, data }]])),
    refusal: { revert: "AgentWalletSelfCallForbidden" },
  },
  {
    name: "through executeUserOp → executeBatch → execute(self, …)",
    callData: (fx, data) =>
      agentCall(
        w(fx, "executeBatch", [
          [{ target: fx.walletAddress, value: 0n, data: w(fx, "execute", [fx.walletAddress, 0n, data]) }],
        ]),
      ),
    refusal: { revert: "AgentWalletSelfCallForbidden" },
  },
  {
    name: "through executeUserOp → executeBatch containing executeUserOp (inner signer = owner)",
    callData: (fx, data) =>
      agentCall(
        w(fx, "executeBatch", [
          [{ target: fx.walletAddress, value: 0n, data: nestedExecuteUserOp(fx, fx.owner.address, data) }],
        ]),
      ),
    refusal: { revert: "AgentWalletSelfCallForbidden" },
  },
  {
    name: "through payInto(escrow = wallet)",
    callData: (fx, data) => agentCall(w(fx, "payInto", [fx.walletAddress, fx.tokenAddress, 0n, data])),
    refusal: { revert: "AgentWalletSelfCallForbidden" },
  },
  {
    name: "through nested executeUserOp, inner signer = owner",
    callData: (fx, data) => agentCall(nestedExecuteUserOp(fx, fx.owner.address, data)),
    refusal: { validation: "AA24" },
  },
  {
    name: "through nested executeUserOp, inner signer = 20 zero bytes",
    callData: (fx, data) => agentCall(nestedExecuteUserOp(fx, ethers.ZeroAddress, data)),
    refusal: { validation: "AA24" },
  },
  {
    name: "through nested executeUserOp (owner) → executeBatch → execute(self, …)",
    callData: (fx, data) =>
      agentCall(
        nestedExecuteUserOp(
          fx,
          fx.owner.address,
          w(fx, "executeBatch", [
            [{ target: fx.walletAddress, value: 0n, data: w(fx, "execute", [fx.walletAddress, 0n, data]) }],
          ]),
        ),
      ),
    refusal: { validation: "AA24" },
  },
];

describe("Security: AgentWallet nested executeUserOp (the reported attack)", function () {
  for (const signer of ["owner", "zero"] as const) {
    it(`an agent op wrapping executeUserOp(inner signer = ${signer}) cannot withdraw past the limit (maxFeePerGas 0)`, async function () {
      await unchanged(async (fx) => {
        const balance = await fx.token.balanceOf(fx.walletAddress);
        expect(balance).to.be.greaterThan(30n * (await fx.wallet.spendingLimit(fx.tokenAddress)).amount);
        const inner = w(fx, "withdraw", [fx.tokenAddress, fx.attacker, balance]);
        const callData = agentCall(
          nestedExecuteUserOp(fx, signer === "owner" ? fx.owner.address : ethers.ZeroAddress, inner),
        );
        const op = await signedOp(fx, fx.agentKey, callData, ZERO_FEES);
        // Balances first (on a vulnerable wallet the operation goes through and the tokens move), then the refusal.
        const submitted = fx.entryPoint.handleOps([op], fx.beneficiary.address).then(
          (tx) => tx.wait(),
          (error: unknown) => error,
        );
        const result = await submitted;
        expect(await fx.token.balanceOf(fx.attacker), "the attacker received tokens").to.equal(0n);
        expect(await fx.token.balanceOf(fx.walletAddress), "the wallet lost tokens").to.equal(balance);
        expect(result).to.be.instanceOf(Error);
        await expect(fx.entryPoint.handleOps([op], fx.beneficiary.address))
          .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
          .withArgs(0n, "AA24 signature error");
        expect(await fx.token.balanceOf(fx.attacker)).to.equal(0n);
      });
    });
  }

  it("a session key without permissions cannot take the wallet over with a nested executeUserOp", async function () {
    await unchanged(async (fx) => {
      const callData = agentCall(
        nestedExecuteUserOp(fx, ethers.ZeroAddress, w(fx, "setOwner", [fx.attacker])),
      );
      const op = await signedOp(fx, digestSignerOf(fx, "bare"), callData, ZERO_FEES);
      await fx.entryPoint.handleOps([op], fx.beneficiary.address).then(
        (tx) => tx.wait(),
        () => undefined,
      );
      expect(await fx.wallet.owner(), "the session key made the attacker the owner").to.equal(
        fx.owner.address,
      );
      await expectOpRefused(fx, "bare", callData, { validation: "AA24" }, "nested setOwner");
    });
  });
});

describe("Security: AgentWallet owner-only functions are unreachable from agent and session keys", function () {
  for (const { key, label } of KEYS) {
    for (const route of ROUTES) {
      it(`${label}: UserOperation ${route.name}`, async function () {
        const fx = await networkHelpers.loadFixture(fixture);
        for (const call of await ownerOnlyCalls(fx)) {
          await unchanged(async (fresh) => {
            await expectOpRefused(fresh, key, route.callData(fresh, call.data), route.refusal, call.name);
          });
        }
      });
    }

    it(`${label}: direct calls from the key's EOA`, async function () {
      const fx = await networkHelpers.loadFixture(fixture);
      for (const call of await ownerOnlyCalls(fx)) {
        await unchanged(async (fresh) => {
          const k = keyOf(fresh, key);
          const wallet = fresh.wallet.connect(k);
          await expect(k.sendTransaction({ to: fresh.walletAddress, data: call.data }), call.name)
            .to.be.revertedWithCustomError(fresh.wallet, "AgentWalletUnauthorized")
            .withArgs(k.address);
          await expect(
            wallet.execute(fresh.walletAddress, 0n, call.data),
            call.name,
          ).to.be.revertedWithCustomError(fresh.wallet, "AgentWalletSelfCallForbidden");
          await expect(
            wallet.executeBatch([{ target: fresh.walletAddress, value: 0n, data: call.data }]),
            call.name,
          ).to.be.revertedWithCustomError(fresh.wallet, "AgentWalletSelfCallForbidden");
          await expect(
            wallet.payInto(fresh.walletAddress, fresh.tokenAddress, 0n, call.data),
            call.name,
          ).to.be.revertedWithCustomError(fresh.wallet, "AgentWalletSelfCallForbidden");
          const op = innerOp(fresh, agentCall(call.data), ethers.concat([fresh.owner.address, "0x"]));
          await expect(wallet.executeUserOp(op, ethers.ZeroHash), call.name)
            .to.be.revertedWithCustomError(fresh.wallet, "AccountUnauthorized")
            .withArgs(k.address);
        });
      }
    });
  }
});

describe("Security: AgentWallet EntryPoint deposit and stake", function () {
  for (const { key, label } of KEYS) {
    it(`${label} cannot move or unlock the deposit by UserOperation (execute, executeBatch, payInto)`, async function () {
      const fx = await networkHelpers.loadFixture(fixture);
      for (const call of entryPointCalls(fx)) {
        const routes = (f: Fx) => [
          w(f, "execute", [f.entryPointAddress, call.value, call.data]),
          w(f, "executeBatch", [[{ target: f.entryPointAddress, value: call.value, data: call.data }]]),
          w(f, "payInto", [f.entryPointAddress, f.tokenAddress, 0n, call.data]),
        ];
        for (let i = 0; i < 3; i++) {
          await unchanged(async (fresh) => {
            await expectOpRefused(
              fresh,
              key,
              agentCall(routes(fresh)[i]!),
              { revert: "AgentWalletEntryPointCallForbidden", args: [] },
              `${call.name} route ${i}`,
            );
          });
        }
        // Nested: the inner operation names the owner.
        await unchanged(async (fresh) => {
          const inner = w(fresh, "execute", [fresh.entryPointAddress, call.value, call.data]);
          await expectOpRefused(
            fresh,
            key,
            agentCall(nestedExecuteUserOp(fresh, fresh.owner.address, inner)),
            { validation: "AA24" },
            `${call.name} nested`,
          );
        });
      }
    });

    it(`${label} cannot move or unlock the deposit by direct calls`, async function () {
      const fx = await networkHelpers.loadFixture(fixture);
      for (const call of entryPointCalls(fx)) {
        await unchanged(async (fresh) => {
          const wallet = fresh.wallet.connect(keyOf(fresh, key));
          await expect(
            wallet.execute(fresh.entryPointAddress, call.value, call.data),
            call.name,
          ).to.be.revertedWithCustomError(fresh.wallet, "AgentWalletEntryPointCallForbidden");
          await expect(
            wallet.executeBatch([{ target: fresh.entryPointAddress, value: call.value, data: call.data }]),
            call.name,
          ).to.be.revertedWithCustomError(fresh.wallet, "AgentWalletEntryPointCallForbidden");
          await expect(
            wallet.payInto(fresh.entryPointAddress, fresh.tokenAddress, 0n, call.data),
            call.name,
          ).to.be.revertedWithCustomError(fresh.wallet, "AgentWalletEntryPointCallForbidden");
        });
      }
    });
  }

  it("the owner still manages the deposit, by UserOperation and directly", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { wallet, owner, entryPoint, attacker } = fx;
    const attackerEther = await ethers.provider.getBalance(attacker);
    const withdrawTo = entryPoint.interface.encodeFunctionData("withdrawTo", [attacker, DEPOSIT / 2n]);
    const op = await signedOp(
      fx,
      fx.ownerKey,
      w(fx, "execute", [fx.entryPointAddress, 0n, withdrawTo]),
      ZERO_FEES,
    );
    expect((await handleOps(fx, [op])).success).to.equal(true);
    await wallet.connect(owner).execute(fx.entryPointAddress, 0n, withdrawTo);
    expect(await entryPoint.balanceOf(fx.walletAddress)).to.equal(0n);
    expect(await ethers.provider.getBalance(attacker)).to.equal(attackerEther + DEPOSIT);
  });
});

describe("Security: AgentWallet other routes", function () {
  it("NFTs (not priced by any limit) cannot be approved or transferred by the agent or session keys", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const nftAddress = await fx.nft.getAddress();
    const nft = fx.nft.interface;
    const calls = [
      {
        data: nft.encodeFunctionData("setApprovalForAll", [fx.attacker, true]),
        error: "AgentWalletUnaccountedTransfer",
      },
      {
        data: nft.encodeFunctionData("approve", [fx.attacker, 0n]),
        error: "AgentWalletSpendingLimitExceeded",
      },
      {
        data: nft.encodeFunctionData("transferFrom", [fx.walletAddress, fx.attacker, 0n]),
        error: "AgentWalletSpendingLimitExceeded",
      },
      {
        data: nft.encodeFunctionData("safeTransferFrom(address,address,uint256)", [
          fx.walletAddress,
          fx.attacker,
          1n,
        ]),
        error: "AgentWalletUnaccountedTransfer",
      },
      {
        data: nft.encodeFunctionData("safeTransferFrom(address,address,uint256,bytes)", [
          fx.walletAddress,
          fx.attacker,
          1n,
          "0x",
        ]),
        error: "AgentWalletUnaccountedTransfer",
      },
    ];
    for (const call of calls) {
      await unchanged(async (fresh) => {
        await expect(
          fresh.wallet.connect(fresh.agent).execute(nftAddress, 0n, call.data),
        ).to.be.revertedWithCustomError(fresh.wallet, call.error);
        await expectOpRefused(
          fresh,
          "agent",
          agentCall(w(fresh, "execute", [nftAddress, 0n, call.data])),
          { revert: call.error },
          call.data.slice(0, 10),
        );
      });
    }
  });

  it("malformed or short callData is refused in validation; truncated arguments revert", async function () {
    for (const { key } of KEYS) {
      for (const callData of [
        agentCall("0x"),
        agentCall("0xb61d"),
        agentCall("0xdeadbeef"),
        "0x8dd7",
        "0x",
      ]) {
        await unchanged(async (fx) => {
          await expectOpRefused(fx, key, callData, { validation: "AA24" }, callData);
        });
      }
      await unchanged(async (fx) => {
        // execute's selector with truncated arguments: allowed function, undecodable arguments.
        const truncated = agentCall(w(fx, "execute", [fx.attacker, 0n, "0x"]).slice(0, 10 + 64));
        const op = await signedOp(fx, digestSignerOf(fx, key), truncated, ZERO_FEES);
        const outcome = await handleOps(fx, [op]);
        expect(outcome.success).to.equal(false);
      });
    }
  });

  it("ERC-1271: session keys, a zero signer and the agent towards unapproved verifiers sign nothing", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const hash = ethers.id("permit: give everything to the attacker");
    const digest = await fx.wallet.messageDigest(hash);
    const sign = (k: Wallet) => ethers.concat([k.address, k.signingKey.sign(digest).serialized]);
    for (const verifier of [fx.other, fx.recipient]) {
      const wallet = fx.wallet.connect(verifier);
      expect(await wallet.isValidSignature(hash, sign(fx.session))).to.equal("0xffffffff");
      expect(await wallet.isValidSignature(hash, sign(fx.bare))).to.equal("0xffffffff");
      expect(await wallet.isValidSignature(hash, sign(fx.agent))).to.equal("0xffffffff");
      expect(
        await wallet.isValidSignature(hash, ethers.concat([ethers.ZeroAddress, "0x" + "00".repeat(65)])),
      ).to.equal("0xffffffff");
    }
  });

  it("a revoked session key is dead for every route, and a re-grant does not revive old permissions", async function () {
    await unchanged(
      async (fx) => {
        const { wallet, owner, session, tokenAddress, token } = fx;
        await wallet.connect(owner).revokeSessionKey(session.address);
        const transfer = w(fx, "execute", [
          tokenAddress,
          0n,
          token.interface.encodeFunctionData("transfer", [fx.attacker, 1n]),
        ]);
        await expectOpRefused(fx, "session", agentCall(transfer), { validation: "AA24" }, "revoked op");
        await expect(session.sendTransaction({ to: fx.walletAddress, data: transfer }))
          .to.be.revertedWithCustomError(wallet, "AgentWalletUnauthorized")
          .withArgs(session.address);
        // Re-granted without permissions: the earlier (transfer) grant is gone.
        const { validUntil } = await wallet.sessionKey(session.address);
        await wallet.connect(owner).addSessionKey(session.address, validUntil, [], []);
        await expectOpRefused(
          fx,
          "session",
          agentCall(transfer),
          { revert: "AgentWalletCallNotAllowed", args: [session.address, tokenAddress, "0xa9059cbb"] },
          "re-granted",
        );
        // The session's generation moved by the owner's own revoke and grant; everything else must be unchanged.
      },
      ["sessions"],
    );
  });

  it("a frozen wallet refuses agent and session keys even when an owner op in the same bundle freezes it", async function () {
    await unchanged(async (fx) => {
      const { wallet, tokenAddress, token } = fx;
      const transfer = agentCall(
        w(fx, "execute", [
          tokenAddress,
          0n,
          token.interface.encodeFunctionData("transfer", [fx.attacker, 1n]),
        ]),
      );
      const freeze = await signedOp(fx, fx.ownerKey, w(fx, "setFrozen", [true]), ZERO_FEES);
      const agentOp = await signedOp(fx, fx.agentKey, transfer, { ...ZERO_FEES, nonce: freeze.nonce + 1n });
      const tx = await fx.entryPoint.handleOps([freeze, agentOp], fx.beneficiary.address);
      const receipt = (await tx.wait())!;
      const reverts = receipt.logs
        .map((log) => fx.entryPoint.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "UserOperationRevertReason")
        .map((parsed) => wallet.interface.parseError(parsed!.args.revertReason as string)?.name);
      expect(reverts).to.deep.equal(["AgentWalletFrozen"]);
      expect(await wallet.frozen()).to.equal(true);
      await wallet.connect(fx.owner).setFrozen(false);
    });
  });
});
