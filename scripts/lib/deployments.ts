/**
 * `deployments/<chainId>.json`: the addresses the SDK and the programs read, shaped
 * `{ "chainId": 31337, "contracts": { "Name": "0x..." } }`. Writers merge into the file, so modules
 * deployed at different times (governance, market, ...) end up in one record per chain.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The JSON shape of one chain's deployment record. */
export interface DeploymentRecord {
  chainId: number;
  contracts: Record<string, string>;
}

/** `deployments/` at the repository root. */
export const DEPLOYMENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "deployments");

/** Path of the record of `chainId` (in `dir`, default {@link DEPLOYMENTS_DIR}). */
export function deploymentPath(chainId: number | bigint, dir = DEPLOYMENTS_DIR): string {
  return join(dir, `${chainId}.json`);
}

/** Reads the record of `chainId`, or an empty one when the file does not exist. */
export async function readDeployment(
  chainId: number | bigint,
  dir = DEPLOYMENTS_DIR,
): Promise<DeploymentRecord> {
  try {
    const parsed = JSON.parse(await readFile(deploymentPath(chainId, dir), "utf8")) as DeploymentRecord;
    return { chainId: Number(chainId), contracts: { ...parsed.contracts } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { chainId: Number(chainId), contracts: {} };
    throw error;
  }
}

/**
 * Merges `contracts` (name → address) into `deployments/<chainId>.json`; names already present
 * are overwritten, others kept. Returns the record written.
 */
export async function writeDeployment(
  chainId: number | bigint,
  contracts: Record<string, string>,
  dir = DEPLOYMENTS_DIR,
): Promise<DeploymentRecord> {
  const record = await readDeployment(chainId, dir);
  Object.assign(record.contracts, contracts);
  await mkdir(dir, { recursive: true });
  await writeFile(deploymentPath(chainId, dir), JSON.stringify(record, null, 2) + "\n");
  return record;
}
