/**
 * `toAgentWalletAccount`: the AgentWallet as a viem `SmartAccount` (EntryPoint v0.8), so that viem's
 * `createBundlerClient` and permissionless' `createSmartAccountClient` drive it unchanged.
 */
import {
  hashMessage,
  hashTypedData,
  type Chain,
  type Client,
  type Hex,
  type JsonRpcAccount,
  type LocalAccount,
  type Transport,
  type TypedDataDefinition,
} from "viem";
import {
  entryPoint08Abi,
  getUserOperationHash,
  toSmartAccount,
  type SmartAccount,
  type SmartAccountImplementation,
} from "viem/account-abstraction";
import { getChainId } from "viem/actions";
import { createNonceManager } from "viem/nonce";

import { entryPointAbi } from "../abis/entryPoint.js";
import {
  encodeCreateAgentWallet,
  getAgentWalletAddress,
  type AgentWalletIdentity,
} from "../actions/wallet.js";
import { contractAddress } from "../deployments.js";
import { AitbcError } from "../errors/base.js";
import { InvalidParameterError } from "../errors/validation.js";
import { read } from "../utils/client.js";
import {
  agentWalletMessageDigest,
  agentWalletStubSignature,
  decodeAgentWalletCalls,
  encodeAgentWalletCalls,
  encodeAgentWalletSignature,
  getAgentWalletPeriodIndex,
  type AgentWalletKeyType,
} from "./agentWalletEncoding.js";

/**
 * The wallet does not accept an ERC-1271 signature of this key: session keys never sign messages for the
 * wallet (its `isValidSignature` accepts the owner, and the agent key only towards verifiers the owner
 * allowed).
 */
export class AgentWalletSignatureNotSupportedError extends AitbcError {
  override name = "AgentWalletSignatureNotSupportedError";
  /** The key type that tried to sign. */
  readonly keyType: AgentWalletKeyType;

  /**
   * @param keyType The signing key's type.
   */
  constructor(keyType: AgentWalletKeyType) {
    super(`An AgentWallet ${keyType} key cannot sign messages for the wallet (ERC-1271).`, {
      details:
        "isValidSignature accepts the owner, and the agent key only towards verifiers the owner allowed",
    });
    this.keyType = keyType;
  }
}

/** Parameters of {@link toAgentWalletAccount}. */
export interface ToAgentWalletAccountParameters extends AgentWalletIdentity {
  /**
   * A viem client on the wallet's chain (reads the factory, the EntryPoint's nonce and the wallet's ether-limit
   * period; `client.chain.id` or `eth_chainId` gives the chain id the operations are signed for).
   */
  client: Client<Transport, Chain | undefined, JsonRpcAccount | LocalAccount | undefined>;
  /**
   * The key that signs: the owner, the agent key or a session key, as a viem `LocalAccount` that signs raw
   * hashes (`privateKeyToAccount`, or `toAccount({ address, sign, ... })` for a contract owner checked by
   * ERC-1271, e.g. a Safe: the 20-byte prefix is its `address`).
   */
  signer: LocalAccount;
  /**
   * The signer's type. Default: `"owner"` if `signer` is the identity's `owner`, `"agent"` if it is its
   * `agentKey`, otherwise `"session"` (the agent key and session keys sign UserOperations alike; they differ
   * in ERC-1271, where session keys cannot sign). Pass `"agent"` for an agent key the owner set after creation.
   */
  keyType?: AgentWalletKeyType;
}

/** What the account adds to viem's `SmartAccount`. */
export interface AgentWalletAccountExtension {
  /** Who signs for the wallet through this account. */
  keyType: AgentWalletKeyType;
  /** The signing key. */
  signer: LocalAccount;
}

/** The `SmartAccountImplementation` {@link toAgentWalletAccount} builds (EntryPoint v0.8). */
export type AgentWalletAccountImplementation = SmartAccountImplementation<
  typeof entryPoint08Abi,
  "0.8",
  AgentWalletAccountExtension,
  false
>;

/** Return type of {@link toAgentWalletAccount}: a viem `SmartAccount` plus `keyType` and `signer`. */
export type ToAgentWalletAccountReturnType = SmartAccount<AgentWalletAccountImplementation>;

/**
 * The AgentWallet as a viem `SmartAccount` for EntryPoint v0.8 (the deployment's `EntryPoint`), for one
 * signing key: the owner, the agent key or a session key. With it, `createBundlerClient` (viem) and
 * `createSmartAccountClient` (permissionless) prepare, estimate, sign and send the wallet's UserOperations
 * through any ERC-4337 bundler:
 *
 * - **address**: the factory's counterfactual address of (owner, agentKey, role, salt); the first operation
 *   deploys it with `AgentWalletFactory.createAccount(owner, agentKey, role, salt)` (`getFactoryArgs`); only
 *   the owner can sign that one (the agent's gas is counted against an ether limit the wallet does not have yet);
 * - **calls**: one call is `execute(to, value, data)`, several `executeBatch(calls)` (all or nothing); the
 *   agent and session keys' are wrapped as `executeUserOp.selector ‖ …`, so the wallet runs them as that key,
 *   within the spending limits (`decodeCalls` reverses both);
 * - **nonce**: the EntryPoint's nonce of key 0 (sequential; a `key` passed to `getNonce` is used as given);
 * - **signature**: `signer (20 bytes) ‖ ECDSA over the EntryPoint's userOpHash (65)`, and for agent and
 *   session keys `‖ the index of the wallet's current ether-limit period (6)`: without a paymaster the
 *   operation's worst-case gas cost, `(verificationGasLimit + callGasLimit + preVerificationGas) × maxFeePerGas`
 *   wei, is counted against the wallet's ether limit in that period, so the owner must have set one
 *   (`setSpendingLimit(…, token: NATIVE_TOKEN, …)`); `getStubSignature` has the same length, for estimation;
 * - **gas**: estimated by the bundler with the stub signature, for every key (the wallet's validation takes the
 *   real path for a stub of the agent or a session key and fails it only at the end, see
 *   contracts/wallet/README.md); gas limits the caller gives are kept;
 * - **messages** (`signMessage`, `signTypedData`): ERC-1271 signatures `signer ‖ ECDSA over the wallet's
 *   messageDigest(hash)` (EIP-712, domain "AgentWallet" "1" of this wallet); the owner's are valid everywhere,
 *   the agent key's only towards verifiers the owner allowed (`setSignatureVerifier`); session keys cannot sign
 *   ({@link AgentWalletSignatureNotSupportedError}). Before deployment viem wraps them in ERC-6492.
 *
 * @param parameters See {@link ToAgentWalletAccountParameters}.
 * @returns A viem `SmartAccount` (plus `keyType`, `signer`).
 * @throws {InvalidParameterError} if the signer cannot sign raw hashes; {InvalidAddressError} for a malformed
 *   identity; {ContractRevertError} if the factory cannot be read.
 * @example
 * ```ts
 * import { createBundlerClient } from "viem/account-abstraction";
 * const account = await toAgentWalletAccount({ client, contracts, owner, agentKey: agent.address,
 *   role: AgentRole.Consumer, signer: agent });
 * const bundler = createBundlerClient({ account, client, transport: http(bundlerUrl) });
 * const hash = await bundler.sendUserOperation({ calls: [{ to: token, data: transferData }] });
 * const { receipt } = await bundler.waitForUserOperationReceipt({ hash });
 * ```
 */
export async function toAgentWalletAccount(
  parameters: ToAgentWalletAccountParameters,
): Promise<ToAgentWalletAccountReturnType> {
  const { client, signer, contracts } = parameters;
  const sign = signer.sign;
  if (sign === undefined) {
    throw new InvalidParameterError({
      what: "signer",
      reason: "a LocalAccount that can sign raw hashes is required",
    });
  }
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const keyType: AgentWalletKeyType =
    parameters.keyType ??
    (same(signer.address, parameters.owner)
      ? "owner"
      : same(signer.address, parameters.agentKey)
        ? "agent"
        : "session");
  if (!["owner", "agent", "session"].includes(keyType)) {
    throw new InvalidParameterError({
      what: "keyType",
      reason: `expected owner, agent or session, got ${keyType}`,
    });
  }
  const identity: AgentWalletIdentity = {
    contracts,
    owner: parameters.owner,
    agentKey: parameters.agentKey,
    role: parameters.role,
    ...(parameters.salt === undefined ? {} : { salt: parameters.salt }),
  };
  const entryPoint = {
    abi: entryPoint08Abi,
    address: contractAddress(contracts, "EntryPoint"),
    version: "0.8",
  } as const;
  const factoryArgs = encodeCreateAgentWallet(identity);
  const address = await getAgentWalletAddress(client, identity);
  let chainId: number | undefined = client.chain?.id;
  const getChain = async () => (chainId ??= await getChainId(client));

  /** ERC-1271: `signer ‖ ECDSA over messageDigest(hash)`; owner and agent key only. */
  const signForWallet = async (hash: Hex): Promise<Hex> => {
    if (keyType === "session") throw new AgentWalletSignatureNotSupportedError(keyType);
    const digest = agentWalletMessageDigest({ chainId: await getChain(), wallet: address, hash });
    return encodeAgentWalletSignature({ signer: signer.address, signature: await sign({ hash: digest }) });
  };

  return toSmartAccount({
    client,
    entryPoint,
    extend: { keyType, signer },
    // Sequential nonces of key 0 (viem's default picks a new key per operation, each first use costing a
    // zero-to-nonzero storage write in the EntryPoint).
    nonceKeyManager: createNonceManager({ source: { get: () => 0, set: () => {} } }),
    async getAddress() {
      return address;
    },
    async getFactoryArgs() {
      return factoryArgs;
    },
    async encodeCalls(calls) {
      return encodeAgentWalletCalls(calls, keyType);
    },
    async decodeCalls(data) {
      return decodeAgentWalletCalls(data);
    },
    async getNonce(args) {
      return read(client, {
        address: entryPoint.address,
        abi: entryPointAbi,
        functionName: "getNonce",
        args: [address, args?.key ?? 0n],
      });
    },
    async getStubSignature() {
      return agentWalletStubSignature(signer.address, keyType);
    },
    async signUserOperation(args) {
      const { chainId: opChainId, ...userOperation } = args;
      const hash = getUserOperationHash({
        chainId: opChainId ?? (await getChain()),
        entryPointAddress: entryPoint.address,
        entryPointVersion: entryPoint.version,
        userOperation: { ...userOperation, sender: address },
      });
      // Agent and session keys name the ether-limit period their gas is counted in (0 before deployment: an
      // undeployed wallet has no limit, so only a paymaster-sponsored operation could pass, which ignores it).
      const periodIndex =
        keyType === "owner" ? null : ((await getAgentWalletPeriodIndex(client, { wallet: address })) ?? 0n);
      return encodeAgentWalletSignature({
        signer: signer.address,
        signature: await sign({ hash }),
        periodIndex,
      });
    },
    async signMessage({ message }) {
      return signForWallet(hashMessage(message));
    },
    async signTypedData(typedData) {
      return signForWallet(hashTypedData(typedData as TypedDataDefinition));
    },
  });
}
