/**
 * Gas figures of the AITBC token (issue 2), each next to plain OpenZeppelin ERC20Votes
 * (contracts/mocks/PlainVotesToken.sol) deployed and exercised identically in the same run.
 */
import { network } from "hardhat";

import type { BenchRow, BenchSection } from "./lib.js";
import { median } from "./lib.js";

const AITBC = 10n ** 18n;

/**
 * Measures: `getPastVotingPower` for a holder with 1, 100 and 1,000 checkpoints (a recent snapshot
 * and one in the middle of the history, next to OpenZeppelin `getPastVotes` with as many
 * checkpoints), a transfer between two delegated holders, and a first delegation.
 * View-call figures are `eth_estimateGas` of a transaction calling the view: they include the
 * 21,000 intrinsic gas and calldata. Transaction figures are receipts' `gasUsed`.
 */
export async function benchToken(): Promise<BenchSection> {
  const { ethers, networkHelpers } = await network.create();
  const { time } = networkHelpers;
  const [deployer, faucet, a, b, holder] = await ethers.getSigners();
  const token = await ethers.deployContract("AITBCToken", [
    deployer!.address,
    faucet!.address,
    faucet!.address,
    faucet!.address,
    [deployer!.address],
    [100_000_000n * AITBC],
    { votingPowerCapBps: 500n, shortAverageWindow: 86_400n, longAverageWindow: 604_800n },
  ]);
  const plain = await ethers.deployContract("PlainVotesToken", [], faucet!);
  const contracts = [
    ["AITBCToken", token],
    ["ERC20Votes", plain],
  ] as const;
  const rows: BenchRow[] = [];

  // First delegation of a funded account, and transfers between two delegated holders.
  const delegateGas: Record<string, number> = {};
  const transferGas: Record<string, number[]> = {};
  for (const [name, contract] of contracts) {
    await (await contract.connect(faucet!).transfer(a!.address, 1_000_000n * AITBC)).wait();
    await (await contract.connect(faucet!).transfer(b!.address, 1_000_000n * AITBC)).wait();
    const receipt = await (await contract.connect(a!).delegate(a!.address)).wait();
    delegateGas[name] = Number(receipt!.gasUsed);
    await (await contract.connect(b!).delegate(b!.address)).wait();
    transferGas[name] = [];
    for (let i = 0; i < 11; i++) {
      await time.increase(60); // a new timestamp: both holders get a new checkpoint
      const [from, to] = i % 2 === 0 ? [a!, b!] : [b!, a!];
      const tx = await (await contract.connect(from).transfer(to.address, 1_000n * AITBC)).wait();
      transferGas[name]!.push(Number(tx!.gasUsed));
    }
  }
  rows.push({
    name: "transfer between two delegated holders",
    value: median(transferGas.AITBCToken!),
    unit: "gas",
    runs: transferGas.AITBCToken!.length,
    anchor: { name: "OpenZeppelin ERC20Votes transfer", value: median(transferGas.ERC20Votes!) },
    note: "each transfer at a new timestamp, so both holders' checkpoints are written",
  });
  rows.push({
    name: "delegate (first delegation of a funded holder)",
    value: delegateGas.AITBCToken!,
    unit: "gas",
    anchor: { name: "OpenZeppelin ERC20Votes delegate", value: delegateGas.ERC20Votes! },
  });

  // getPastVotingPower with 1, 100 and 1,000 checkpoints: the holder receives one transfer per second.
  for (const [, contract] of contracts) {
    await (await contract.connect(holder!).delegate(holder!.address)).wait();
  }
  const timepoints: number[] = [];
  let checkpoints = 0;
  for (const target of [1, 100, 1000]) {
    while (checkpoints < target) {
      await (await token.connect(faucet!).transfer(holder!.address, AITBC)).wait();
      await (await plain.connect(faucet!).transfer(holder!.address, AITBC)).wait();
      timepoints.push(await time.latest());
      checkpoints++;
    }
    await time.increase(8 * 24 * 3600); // recent snapshots see a steady holder
    const recent = (await time.latest()) - 1;
    const middle = timepoints[Math.floor(timepoints.length / 2)]!;
    const count = Number(await token.numVotingPowerCheckpoints(holder!.address));
    const power = Number(await token.getPastVotingPower.estimateGas(holder!.address, recent));
    const plainVotes = Number(await plain.getPastVotes.estimateGas(holder!.address, recent));
    const powerMiddle = Number(await token.getPastVotingPower.estimateGas(holder!.address, middle));
    const plainMiddle = Number(await plain.getPastVotes.estimateGas(holder!.address, middle));
    rows.push({
      name: `getPastVotingPower, ${count} checkpoint(s), recent snapshot`,
      value: power,
      unit: "gas",
      anchor: { name: "OpenZeppelin getPastVotes, same history", value: plainVotes },
      note: "eth_estimateGas of a call: includes 21,000 intrinsic gas and calldata",
    });
    rows.push({
      name: `getPastVotingPower, ${count} checkpoint(s), snapshot mid-history`,
      value: powerMiddle,
      unit: "gas",
      anchor: { name: "OpenZeppelin getPastVotes, same history", value: plainMiddle },
      note: "eth_estimateGas of a call: includes 21,000 intrinsic gas and calldata",
    });
  }
  return { title: "AITBC token (gas, vs plain OpenZeppelin ERC20Votes in the same run)", rows };
}
