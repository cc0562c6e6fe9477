/**
 * The miner claims its staking rewards: once the DAO streams rewards (`setRewardRate` by the
 * timelock, `fundRewards` by anyone), a poll of the miner claims what is pending, through the SDK's
 * `claimRewards`, and not again while nothing is pending.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import type { Address, EIP1193Provider } from "viem";

import { ChainAdapter } from "../../node/shared/chain.js";
import { startRelay, type Relay } from "../../node/coordinator/relay.js";
import { Miner } from "../../node/miner/miner.js";
import { BuiltinBackend } from "../../node/backends/backend.js";
import { AITBC, DAY, deployMarket, SECRET_1, type Market, marketAddresses } from "../helpers/market.js";

describe("miner: staking rewards", function () {
  let market: Market;
  let relay: Relay;
  let miner: Miner;
  let dir: string;

  before(async () => {
    const connection = await network.create();
    market = await deployMarket(connection);
    relay = await startRelay();
    dir = mkdtempSync(join(tmpdir(), "aitbc-rewards-"));
    const chain = new ChainAdapter({
      rpc: connection.provider as unknown as EIP1193Provider,
      account: market.provider1.address as Address,
      addresses: await marketAddresses(market),
      pollingIntervalMs: 20,
    });
    // rewardsEveryMs: 1 → every poll checks (the default is once a minute)
    miner = new Miner({ chain, backend: new BuiltinBackend(), relayUrl: relay.url, secret: SECRET_1, journalPath: join(dir, "m.jsonl"), gpu: { model: "x", vramGb: 1, throughput: 1, source: "flags" }, rewardsEveryMs: 1, log: () => undefined }); // prettier-ignore
    await miner.ensureRegistered(); // registered and staked by deployMarket: sends nothing
  });

  after(async () => {
    miner.journal.close();
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("claims nothing while no rewards stream", async () => {
    await miner.tick();
    expect(miner.rewardsClaimed).to.equal(0n);
    expect(miner.chain.gas.has("claimRewards")).to.equal(false);
  });

  it("claims the pending rewards once the DAO streams them, then nothing more is pending", async () => {
    const { staking, token, governance, ecosystem, provider1, networkHelpers } = market;
    await token.connect(ecosystem).approve(await staking.getAddress(), 1_000_000n * AITBC);
    await staking.connect(ecosystem).fundRewards(1_000_000n * AITBC);
    await staking.connect(governance).setRewardRate(AITBC / 10n); // 0.1 AITBC per second
    await networkHelpers.time.increase(DAY);
    const before = await token.balanceOf(provider1.address);
    await new Promise((resolve) => setTimeout(resolve, 5)); // past rewardsEveryMs
    await miner.tick();
    expect(miner.rewardsClaimed > 0n).to.equal(true);
    expect(miner.chain.gas.get("claimRewards")?.count).to.equal(1);
    expect(await token.balanceOf(provider1.address)).to.equal(before + miner.rewardsClaimed);
    // two providers with equal weight share the stream: about half of a day at 0.1 AITBC/s
    const halfDay = (BigInt(DAY) * (AITBC / 10n)) / 2n;
    expect(miner.rewardsClaimed >= (halfDay * 99n) / 100n && miner.rewardsClaimed <= (halfDay * 101n) / 100n).to.equal(true); // prettier-ignore
    expect(await staking.pendingRewards(provider1.address)).to.be.lessThan(AITBC); // at most a few blocks' worth
  });
});
