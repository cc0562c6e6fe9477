import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Shape of `deployments/<chainId>.json`, read by the SDK and the programs in scripts/. */
export interface DeploymentRecord {
  /** EIP-155 chain id. */
  chainId: number;
  /** Contract name → address (checksummed). */
  contracts: Record<string, string>;
}

/** The repository's `deployments/` folder. */
export const DEPLOYMENTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "deployments");

/** Path of the record of `chainId` in `dir` (default {@link DEPLOYMENTS_DIR}). */
export function deploymentPath(chainId: number | bigint, dir = DEPLOYMENTS_DIR): string {
  return join(dir, `${chainId}.json`);
}

/**
 * Reads `deployments/<chainId>.json`, or returns an empty record when there is none yet.
 *
 * @param chainId EIP-155 chain id
 * @param dir folder holding the files (default: the repository's `deployments/`)
 * @throws SyntaxError when the file exists but is not valid JSON
 */
export async function readDeployment(
  chainId: number | bigint,
  dir = DEPLOYMENTS_DIR,
): Promise<DeploymentRecord> {
  const id = Number(chainId);
  try {
    const parsed = JSON.parse(await readFile(deploymentPath(id, dir), "utf8")) as DeploymentRecord;
    return { chainId: id, contracts: { ...parsed.contracts } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { chainId: id, contracts: {} };
    throw error;
  }
}

/**
 * Merges `contracts` into `deployments/<chainId>.json` (existing names are overwritten, others
 * kept) and writes it atomically (temporary file + rename), so a crash never leaves half a file.
 *
 * @param chainId EIP-155 chain id
 * @param contracts contract name → address
 * @param dir folder holding the files (default: the repository's `deployments/`)
 * @returns the merged record, as written
 * @example
 * await writeDeployment(31337, { AITBCToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3" });
 */
export async function writeDeployment(
  chainId: number | bigint,
  contracts: Record<string, string>,
  dir = DEPLOYMENTS_DIR,
): Promise<DeploymentRecord> {
  const id = Number(chainId);
  const current = await readDeployment(id, dir);
  const merged = { ...current.contracts, ...contracts };
  const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
  const file = deploymentPath(id, dir);
  await mkdir(dir, { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify({ chainId: id, contracts: sorted }, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return { chainId: id, contracts: sorted };
}
