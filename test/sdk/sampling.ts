/**
 * The SDK's mirror of the public sampling rule (`IMarketPolicy.isSampled`): pinned draws computed with
 * another library (ethers' ABI coder), its boundaries and input checks, the seed taken from the block that
 * included a transaction on a real Hardhat chain, and the analytic catch probability.
 */
import { expect } from "chai";
import { AbiCoder, keccak256 as ethersKeccak, zeroPadValue, toBeHex } from "ethers";
import { network } from "hardhat";
import type { Hex } from "viem";

import {
  catchProbability,
  DeploymentNotFoundError,
  getSampleRateBps,
  InvalidAmountError,
  InvalidParameterError,
  isSampled,
  jobKeyOfJobId,
  sampleDraw,
  SampleSeedNotFoundError,
  sampleSeedOf,
} from "../../sdk/src/index.js";
import { rejection, viemClients } from "./helpers.js";

const word = (n: bigint) => zeroPadValue(toBeHex(n), 32) as Hex;
/** The rule computed with ethers (an implementation independent of the SDK's viem one). */
const ethersDraw = (seed: Hex, key: Hex) =>
  Number(
    BigInt(ethersKeccak(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [seed, key]))) % 10_000n,
  );

describe("sdk: the sampling rule (isSampled, sampleSeedOf)", function () {
  it("draws uint256(keccak256(abi.encode(seed, jobKey))) % 10000: pinned values", () => {
    expect(sampleDraw(word(1n), word(2n))).to.equal(9_136);
    expect(sampleDraw(word(0n), word(0n))).to.equal(4_117);
    expect(sampleDraw(word(2n ** 255n), word(7n))).to.equal(3_512);
  });

  it("agrees with an independent implementation on 300 pseudo-random pairs", () => {
    let x = 0x1234n;
    for (let i = 0; i < 300; i++) {
      x = BigInt(ethersKeccak(word(x)));
      const seed = word(x);
      const key = word(BigInt(ethersKeccak(seed)) >> BigInt(i % 200));
      expect(sampleDraw(seed, key), `pair ${i}`).to.equal(ethersDraw(seed, key));
    }
  });

  it("samples iff the draw is below the rate (strict), 0 never, 10000 always", () => {
    const seed = word(1n);
    const key = word(2n); // draw 9136
    expect(isSampled({ seed, jobKey: key, sampleRateBps: 9_137 })).to.equal(true);
    expect(isSampled({ seed, jobKey: key, sampleRateBps: 9_136 })).to.equal(false);
    expect(isSampled({ seed, jobKey: key, sampleRateBps: 9_136n + 1n })).to.equal(true);
    expect(isSampled({ seed, jobKey: key, sampleRateBps: 0 })).to.equal(false);
    expect(isSampled({ seed, jobKey: key, sampleRateBps: 10_000 })).to.equal(true);
    expect(isSampled({ seed: word(0n), jobKey: word(0n), sampleRateBps: 1_000 })).to.equal(false); // 4117
  });

  it("rejects rates outside [0, 10000], non-integers and malformed words", () => {
    for (const rate of [10_001, -1, 1.5, Number.NaN, 10_001n])
      expect(
        () => isSampled({ seed: word(1n), jobKey: word(2n), sampleRateBps: rate }),
        String(rate),
      ).to.throw(InvalidParameterError);
    expect(() => isSampled({ seed: "0x01", jobKey: word(2n), sampleRateBps: 1 })).to.throw();
    expect(() => sampleDraw(word(1n), "0xzz" as Hex)).to.throw(InvalidParameterError);
  });

  it("keys a JobEscrow job by bytes32(jobId)", () => {
    expect(jobKeyOfJobId(1n)).to.equal("0x0000000000000000000000000000000000000000000000000000000000000001");
    expect(jobKeyOfJobId(0x1234n)).to.equal(
      "0x0000000000000000000000000000000000000000000000000000000000001234",
    );
    expect(() => jobKeyOfJobId(-1n)).to.throw(InvalidAmountError);
    expect(() => jobKeyOfJobId(2n ** 256n)).to.throw(InvalidAmountError);
  });

  it("takes the seed from the block that included a transaction (real chain), by hash, number or block hash", async () => {
    const connection = await network.create();
    const { publicClient, walletFor } = viemClients(connection);
    const [from, to] = (await connection.ethers.getSigners()).map((s) => s.address);
    const hash = await walletFor(from!).sendTransaction({ to: to as Hex, value: 1n, chain: null });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await sampleSeedOf(publicClient, { transactionHash: hash })).to.equal(block.hash);
    expect(await sampleSeedOf(publicClient, { blockNumber: receipt.blockNumber })).to.equal(block.hash);
    expect(await sampleSeedOf(publicClient, { blockHash: block.hash })).to.equal(block.hash);
    // A later block has another hash: the seed is the including block's, not "the latest".
    await connection.provider.request({ method: "evm_mine", params: [] });
    expect((await publicClient.getBlock()).hash).to.not.equal(block.hash);
    expect(await sampleSeedOf(publicClient, { transactionHash: hash })).to.equal(block.hash);

    const unknownTx = await rejection(sampleSeedOf(publicClient, { transactionHash: word(0xdeadn) }));
    expect(unknownTx).to.be.instanceOf(SampleSeedNotFoundError);
    const future = await rejection(sampleSeedOf(publicClient, { blockNumber: 10n ** 9n }));
    expect(future).to.be.instanceOf(SampleSeedNotFoundError);
    expect(future.cause).to.not.equal(undefined);
    expect(await rejection(getSampleRateBps(publicClient, { contracts: {} }))).to.be.instanceOf(
      DeploymentNotFoundError,
    );
  });

  it("equals MarketPolicy.isSampled on 200 pairs at 1,000 (default), 100 and 10,000 bps; getSampleRateBps reads the policy", async () => {
    const connection = await network.create();
    const { publicClient } = viemClients(connection);
    const [admin, treasury] = await connection.ethers.getSigners();
    const policy = await connection.ethers.deployContract("MarketPolicy", [
      admin!.address,
      treasury!.address,
    ]);
    const contracts = { MarketPolicy: (await policy.getAddress()) as Hex };
    let x = 0xabcdefn;
    for (const rate of [1_000, 100, 10_000]) {
      if (rate !== 1_000) await policy.setSampleRateBps(rate);
      expect(await getSampleRateBps(publicClient, { contracts })).to.equal(rate);
      let sampled = 0;
      for (let i = 0; i < 200; i++) {
        x = BigInt(ethersKeccak(word(x)));
        const seed = word(x);
        const jobKey = i % 2 === 0 ? jobKeyOfJobId(BigInt(i + 1)) : word(BigInt(ethersKeccak(seed)));
        const onChain = await policy.isSampled(seed, jobKey);
        expect(isSampled({ seed, jobKey, sampleRateBps: rate }), `rate ${rate} pair ${i}`).to.equal(onChain);
        if (onChain) sampled++;
      }
      // The pairs are a fixed keccak chain, so these counts are fixed: both outcomes occur at each rate.
      expect(sampled).to.equal({ 1_000: 26, 100: 1, 10_000: 200 }[rate]);
    }
  });

  it("gives the analytic catch probability 1 − (1 − rate)^k", () => {
    expect(catchProbability(1_000, 0)).to.equal(0);
    expect(Math.abs(catchProbability(1_000, 1) - 0.1)).to.be.below(1e-12);
    expect(Math.abs(catchProbability(1_000, 10) - 0.6513215599)).to.be.below(1e-9);
    expect(Math.abs(catchProbability(1_000, 50) - 0.9948462247)).to.be.below(1e-9);
    expect(catchProbability(10_000, 1)).to.equal(1);
    expect(() => catchProbability(10_001, 1)).to.throw(InvalidParameterError);
    expect(() => catchProbability(1_000, -1)).to.throw(InvalidParameterError);
  });
});
