/**
 * The DAO walkthrough (`npm run demo:dao`; the full main job is `npm run demo`, scripts/main.ts).
 * On the embedded Hardhat chain: deploy the OpenClaw DAO with its Ignition module (AITBC token,
 * vesting wallets, TimelockController holding the 40% treasury, governor, bond escrow, and a real
 * Safe 1.5 3-of-5 security council), record the addresses in `deployments/<chainId>.json`, print
 * the genesis distribution, show the flash-loan defence of counted voting power, and run one
 * treasury proposal through its whole life with the SDK's governance actions (viem). The steps are
 * in `scripts/lib/main/dao-walkthrough.ts`; then a milestone grant (`scripts/lib/main/grants-walkthrough.ts`).
 */
import { network } from "hardhat";

import { toContracts, viemClients } from "./lib/main/clients.js";
import { daoAccounts, demoGrant, deployDao, flashLoanDefence, printCouncil, printGenesis } from "./lib/main/dao-walkthrough.js"; // prettier-ignore
import { runMilestoneGrant } from "./lib/main/grants-walkthrough.js";

const connection = await network.create();
const { ethers, ignition, networkHelpers } = connection;
const { time } = networkHelpers;
const accounts = await daoAccounts(ethers);
const clients = viemClients(connection);
const { chainId } = await ethers.provider.getNetwork();
console.log(
  `Embedded chain: Hardhat ${connection.networkName} network (in-process EVM), chain id ${chainId}`,
);

const addresses = await deployDao(ignition, accounts, chainId, BigInt(await time.latest()));
await printCouncil(ethers, addresses, accounts.deployer.address);
await printGenesis(clients, addresses, accounts);
const day0 = await flashLoanDefence(ethers, time, clients, addresses, accounts);
await demoGrant(time, clients, addresses, accounts, day0);
await runMilestoneGrant({
  clients,
  contracts: toContracts(addresses),
  time,
  proposer: accounts.proposer.address,
  voters: [accounts.alice.address, accounts.bob.address],
  councilOwners: accounts.councilOwners.map((owner) => owner.address),
  grantee: accounts.grantee.address,
  keeper: accounts.holder.address,
});
