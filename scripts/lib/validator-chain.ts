/**
 * The chain side of the watcher and coordinator programs, from their flags: the key's signer on
 * `--rpc-url` (SDK actions only, transactions queued per account) and the deployment's contracts.
 */
import type { AitbcContracts } from "@aitbc/sdk";
import { signerFromKey, type ChainSigner } from "../../node/watcher/signer.js";
import { deploymentContracts, type ChainFlags } from "./cli.js";
import { parsePrivateKey } from "./options.js";

/**
 * The signer and contracts of a watcher or coordinator.
 * @param flags `--rpc-url`, `--private-key`, `--deployment`.
 * @param required Contract names the program cannot run without.
 * @throws Error "a private key is required…" without a key; "no <name> address in the deployment…".
 * @example
 * ```ts
 * const { signer, contracts } = await validatorChain(flags, ["AITBCToken", "JobEscrow"]);
 * ```
 */
export async function validatorChain(
  flags: ChainFlags,
  required: readonly string[],
): Promise<{ signer: ChainSigner; contracts: AitbcContracts }> {
  if (!flags.privateKey) throw new Error("a private key is required: --private-key 0x… or AITBC_PRIVATE_KEY");
  const privateKey = parsePrivateKey(flags.privateKey, "--private-key (or AITBC_PRIVATE_KEY)");
  const contracts = (await deploymentContracts(flags)) as AitbcContracts;
  for (const name of required)
    if (!contracts[name])
      throw new Error(`no ${name} address in the deployment (deploy the market first, or pass --deployment <file>)`); // prettier-ignore
  return { signer: signerFromKey({ rpcUrl: flags.rpcUrl, privateKey }), contracts };
}
