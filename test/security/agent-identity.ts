/**
 * The agent identity registry (ERC-8004 style) meets the AgentWallet: who may bind a wallet's reputation to an
 * agent, and who may give the wallet's identity away. An agent key must not be able to lend its wallet's trust
 * score to an attacker's agent (the wallet's ERC-1271 accepts agent signatures only towards verifiers the owner
 * allowed), nor hand the wallet's agent NFT to anyone (ERC-721 `transferFrom`/`approve` share the ERC-20
 * selectors, so they count as spending of a token without a limit; `safeTransferFrom` and `setApprovalForAll`
 * are refused outright). Each case asserts the exact error and that nothing changed hands.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { deployWallet } from "../helpers/wallet.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const BINDING_TYPES = {
  AgentWalletSet: [
    { name: "agentId", type: "uint256" },
    { name: "newWallet", type: "address" },
    { name: "owner", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

async function fixture() {
  const fx = await deployWallet(connection);
  const registry = await ethers.deployContract("AgentIdentityRegistry", [fx.stranger.address]);
  // The attacker's own agent (id 1), bound to the attacker's address at registration.
  await registry.connect(fx.stranger).register("ipfs://attacker", []);
  return { ...fx, registry, registryAddress: await registry.getAddress() };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

/** `signer ‖ ECDSA(wallet.messageDigest(binding digest))`: the AgentWallet's ERC-1271 signature shape. */
async function walletBindingSignature(
  fx: Fixture,
  signer: { address: string; signingKey: { sign(d: string): { serialized: string } } },
  agentId: bigint,
  deadline: bigint,
) {
  // prettier-ignore
  const domain = {
    name: "AgentIdentityRegistry",
    version: "1",
    chainId: (await ethers.provider.getNetwork()).chainId,
    verifyingContract: fx.registryAddress,
  };
  const digest = ethers.TypedDataEncoder.hash(domain, BINDING_TYPES, {
    agentId,
    newWallet: fx.walletAddress,
    owner: fx.stranger.address,
    nonce: await fx.registry.walletNonce(fx.walletAddress),
    deadline,
  });
  const inner = signer.signingKey.sign(await fx.wallet.messageDigest(digest)).serialized;
  return ethers.concat([signer.address, inner]);
}

describe("security: agent identity and the AgentWallet", function () {
  it("an agent key cannot bind its wallet's reputation to an attacker's agent; the owner's signature can", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n;
    const byAgent = await walletBindingSignature(fx, fx.agent, 1n, deadline);
    await expect(fx.registry.connect(fx.stranger).setAgentWallet(1n, fx.walletAddress, deadline, byAgent))
      .to.be.revertedWithCustomError(fx.registry, "AgentInvalidWalletSignature")
      .withArgs(1n, fx.walletAddress);
    expect(await fx.registry.getAgentWallet(1n)).to.equal(fx.stranger.address);
    expect(await fx.registry.agentIdOfWallet(fx.walletAddress)).to.equal(0n);
    // The same shape signed by the owner is the wallet's consent (positive control: the refusal above is the key's).
    const byOwner = await walletBindingSignature(fx, fx.owner, 1n, deadline);
    await fx.registry.connect(fx.stranger).setAgentWallet(1n, fx.walletAddress, deadline, byOwner);
    expect(await fx.registry.getAgentWallet(1n)).to.equal(fx.walletAddress);
    // Replayed once used: the wallet's nonce moved.
    await fx.registry.connect(fx.stranger).unsetAgentWallet(1n);
    await expect(fx.registry.connect(fx.stranger).setAgentWallet(1n, fx.walletAddress, deadline, byOwner))
      .to.be.revertedWithCustomError(fx.registry, "AgentInvalidWalletSignature")
      .withArgs(1n, fx.walletAddress);
  });

  it("an agent key may register its wallet as an agent, but cannot give the identity NFT away", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const asAgent = fx.wallet.connect(fx.agent);
    await asAgent.execute(fx.registryAddress, 0n, fx.registry.interface.encodeFunctionData("register", ["ipfs://wallet-agent", []])); // prettier-ignore
    expect(await fx.registry.ownerOf(2n)).to.equal(fx.walletAddress);
    expect(await fx.registry.getAgentWallet(2n)).to.equal(fx.walletAddress);
    const call = (fn: string, args: unknown[]) =>
      fx.registry.interface.encodeFunctionData(fn as "approve", args as never);
    // ERC-721 transferFrom / approve: the ERC-20 selectors, counted as spending of a token with no limit.
    await expect(asAgent.execute(fx.registryAddress, 0n, call("transferFrom", [fx.walletAddress, fx.stranger.address, 2n]))) // prettier-ignore
      .to.be.revertedWithCustomError(fx.wallet, "AgentWalletSpendingLimitExceeded")
      .withArgs(fx.registryAddress, 2n, 0n);
    await expect(asAgent.execute(fx.registryAddress, 0n, call("approve", [fx.stranger.address, 2n])))
      .to.be.revertedWithCustomError(fx.wallet, "AgentWalletSpendingLimitExceeded")
      .withArgs(fx.registryAddress, 2n, 0n);
    // safeTransferFrom and setApprovalForAll: refused whatever the limits.
    const safe = fx.registry.interface.encodeFunctionData("safeTransferFrom(address,address,uint256)", [fx.walletAddress, fx.stranger.address, 2n]); // prettier-ignore
    await expect(asAgent.execute(fx.registryAddress, 0n, safe))
      .to.be.revertedWithCustomError(fx.wallet, "AgentWalletUnaccountedTransfer")
      .withArgs(fx.registryAddress, safe.slice(0, 10));
    const all = call("setApprovalForAll", [fx.stranger.address, true]);
    await expect(asAgent.execute(fx.registryAddress, 0n, all))
      .to.be.revertedWithCustomError(fx.wallet, "AgentWalletUnaccountedTransfer")
      .withArgs(fx.registryAddress, all.slice(0, 10));
    expect(await fx.registry.ownerOf(2n)).to.equal(fx.walletAddress);
    expect(await fx.registry.getApproved(2n)).to.equal(ethers.ZeroAddress);
    expect(await fx.registry.isApprovedForAll(fx.walletAddress, fx.stranger.address)).to.equal(false);
    expect(await fx.registry.getAgentWallet(2n)).to.equal(fx.walletAddress);
    // A stranger cannot move it either.
    await expect(fx.registry.connect(fx.stranger).transferFrom(fx.walletAddress, fx.stranger.address, 2n))
      .to.be.revertedWithCustomError(fx.registry, "ERC721InsufficientApproval")
      .withArgs(fx.stranger.address, 2n);
  });
});
