/**
 * Deploys the OpenClaw DAO (deploy/modules/openclaw.ts) with Hardhat Ignition and merges the
 * addresses into deployments/<chainId>.json.
 *
 *   hardhat run scripts/deploy-openclaw.ts                      # the embedded chain
 *   AITBC_DEPLOY_PARAMETERS=deploy/parameters/example.json \
 *     hardhat run --network rpc scripts/deploy-openclaw.ts      # any network, with parameters
 *
 * Parameters (JSON, `{ "OpenClawDAO": { "councilOwner1": "0x...", ... } }`) are optional on the
 * embedded chain, where Hardhat accounts 1–5 are the council owners.
 */
import { readFile } from "node:fs/promises";
import { network } from "hardhat";

import OpenClawModule, { openClawAddresses } from "../deploy/modules/openclaw.js";
import { writeDeployment } from "./lib/deployments.js";

const parametersPath = process.env.AITBC_DEPLOY_PARAMETERS;
const parameters = parametersPath ? JSON.parse(await readFile(parametersPath, "utf8")) : undefined;

const { ethers, ignition } = await network.create();
const chainId = (await ethers.provider.getNetwork()).chainId;
const deployed = await ignition.deploy(OpenClawModule, parameters ? { parameters } : {});

const contracts = await openClawAddresses(deployed as Record<string, { getAddress(): Promise<string> }>);
const record = await writeDeployment(chainId, contracts);
console.log(JSON.stringify(record, null, 2));
