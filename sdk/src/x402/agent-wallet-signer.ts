/**
 * An x402 payer for an AgentWallet's agent key: the x402 "exact" EVM scheme signs an EIP-3009
 * `TransferWithAuthorization` from the wallet, and the wallet accepts it (ERC-1271) within the agent's spending
 * limit of the token — see contracts/wallet/README.md, "x402 payments".
 */
import {
  concat,
  encodeAbiParameters,
  getAddress,
  hashTypedData,
  type Address,
  type Hex,
  type LocalAccount,
  type TypedDataDefinition,
} from "viem";
import type { ClientEvmSigner } from "@x402/evm";

import { AGENT_WALLET_MESSAGE_TYPES } from "../actions/batches.js";
import { InvalidParameterError } from "../errors/validation.js";
import { assertAddress } from "../utils/validate.js";

/** Parameters of {@link toAgentWalletPaymentSigner}. */
export interface ToAgentWalletPaymentSignerParameters {
  /** The AgentWallet that pays (the authorization's `from`). */
  wallet: Address;
  /** The wallet's agent key, a viem `LocalAccount` (e.g. `privateKeyToAccount`). */
  agentKey: LocalAccount;
  /** The chain id the wallet lives on (its EIP-712 domain). */
  chainId: number;
}

/**
 * An x402 `ClientEvmSigner` that pays from an AgentWallet with its agent key: `address` is the wallet, and
 * `signTypedData` of an EIP-3009 `TransferWithAuthorization` returns the wallet's payment signature
 * `agentKey (20 bytes) ‖ ECDSA (65) over the wallet's messageDigest(hash) ‖ abi.encode(token, to, value,
 * validAfter, validBefore, nonce)` (277 bytes). The wallet accepts it only for a token its owner allowed
 * (`setSignatureVerifier(token, true)`) and while `value` fits the agent's spending limit of the token; the
 * token's payer hook counts it against that limit when the facilitator settles.
 *
 * @param parameters See {@link ToAgentWalletPaymentSignerParameters}.
 * @returns A signer for `@x402/evm`'s exact client scheme (`registerExactEvmScheme(client, { signer })`).
 * @throws {InvalidAddressError} for a malformed wallet address (at once); signing anything other than a
 *   `TransferWithAuthorization` from the wallet throws {InvalidParameterError}.
 * @example
 * ```ts
 * const signer = toAgentWalletPaymentSigner({ wallet, agentKey: privateKeyToAccount(key), chainId: 31337 });
 * const pay = createX402Fetch({ signer, contracts, network: "eip155:31337" });
 * const response = await pay("http://127.0.0.1:8402/skills/summarize", { method: "POST", body });
 * ```
 */
export function toAgentWalletPaymentSigner(
  parameters: ToAgentWalletPaymentSignerParameters,
): ClientEvmSigner {
  const wallet = assertAddress(parameters.wallet, "wallet");
  const { agentKey, chainId } = parameters;
  return {
    address: wallet,
    async signTypedData(typedData): Promise<Hex> {
      if (typedData.primaryType !== "TransferWithAuthorization") {
        throw new InvalidParameterError({
          what: "primaryType",
          reason: `an AgentWallet's agent key signs only EIP-3009 TransferWithAuthorization, not ${typedData.primaryType}`,
        });
      }
      const message = typedData.message as {
        from: Address;
        to: Address;
        value: bigint;
        validAfter: bigint;
        validBefore: bigint;
        nonce: Hex;
      };
      if (getAddress(message.from) !== wallet) {
        throw new InvalidParameterError({
          what: "message.from",
          reason: `the authorization pays from ${message.from}, not the wallet ${wallet}`,
        });
      }
      const token = assertAddress(typedData.domain.verifyingContract, "domain.verifyingContract");
      const hash = hashTypedData(typedData as unknown as TypedDataDefinition);
      const signature = await agentKey.signTypedData({
        domain: { name: "AgentWallet", version: "1", chainId, verifyingContract: wallet },
        types: AGENT_WALLET_MESSAGE_TYPES,
        primaryType: "AgentWalletMessage",
        message: { hash },
      });
      const tail = encodeAbiParameters(
        [
          { type: "address" },
          { type: "address" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "bytes32" },
        ],
        [
          token,
          getAddress(message.to),
          BigInt(message.value),
          BigInt(message.validAfter),
          BigInt(message.validBefore),
          message.nonce,
        ],
      );
      return concat([agentKey.address, signature, tail]);
    },
  };
}
