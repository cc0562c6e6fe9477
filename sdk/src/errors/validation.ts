import { AitbcError } from "./base.js";

/**
 * A value that must be an Ethereum address is not one (not `0x` + 40 hex digits, or a mixed-case
 * address with a wrong EIP-55 checksum). Thrown before any RPC request.
 *
 * @example
 * ```ts
 * await getVotingPower(client, { contracts, account: "0x123" }); // throws InvalidAddressError
 * ```
 */
export class InvalidAddressError extends AitbcError {
  override name = "InvalidAddressError";
  /** The rejected value. */
  readonly value: unknown;

  /**
   * @param args.what Parameter name, e.g. "account".
   * @param args.value The rejected value.
   */
  constructor(args: { what: string; value: unknown }) {
    super(`${args.what} is not a valid address.`, {
      details: `expected 0x followed by 40 hex digits (EIP-55 checksum if mixed case), got ${JSON.stringify(String(args.value))}`,
    });
    this.value = args.value;
  }
}

/**
 * An amount (wei, seconds, token count, id, ...) is not a non-negative integer `bigint` within its
 * range. Thrown before any RPC request.
 *
 * @example
 * ```ts
 * await delegate(client, { contracts, delegatee, amount: -1n }); // throws InvalidAmountError
 * ```
 */
export class InvalidAmountError extends AitbcError {
  override name = "InvalidAmountError";
  /** The rejected value. */
  readonly value: unknown;

  /**
   * @param args.what Parameter name with unit, e.g. "amount (wei)".
   * @param args.value The rejected value.
   * @param args.reason Why it is rejected.
   */
  constructor(args: { what: string; value: unknown; reason: string }) {
    super(`${args.what} is not a valid amount: ${args.reason}.`, {
      details: `got ${typeof args.value === "bigint" ? `${args.value}n` : `${JSON.stringify(String(args.value))} (${typeof args.value})`}`,
    });
    this.value = args.value;
  }
}

/**
 * A model digest is malformed, zero, or not among the digests the caller declared known.
 *
 * @example
 * ```ts
 * await openJob(client, { contracts, modelDigest: "0x00", ... }); // throws UnknownModelDigestError
 * ```
 */
export class UnknownModelDigestError extends AitbcError {
  override name = "UnknownModelDigestError";
  /** The rejected digest. */
  readonly modelDigest: unknown;

  /**
   * @param args.modelDigest The rejected digest.
   * @param args.reason Why it is rejected.
   */
  constructor(args: { modelDigest: unknown; reason: string }) {
    super("Unknown model digest.", {
      details: `${JSON.stringify(String(args.modelDigest))}: ${args.reason}`,
    });
    this.modelDigest = args.modelDigest;
  }
}

/** A parameter is malformed in a way not covered by a more specific error (bad enum, empty list, ...). */
export class InvalidParameterError extends AitbcError {
  override name = "InvalidParameterError";

  /**
   * @param args.what Parameter name.
   * @param args.reason What is wrong.
   */
  constructor(args: { what: string; reason: string }) {
    super(`${args.what} is invalid.`, { details: args.reason });
  }
}

/** No `deployments/<chainId>.json` is shipped for the chain and no addresses were passed in. */
export class DeploymentNotFoundError extends AitbcError {
  override name = "DeploymentNotFoundError";

  /**
   * @param args.chainId The chain id looked up.
   * @param args.contract The missing contract name, if the file exists but lacks it.
   * @param args.searched Paths searched.
   */
  constructor(args: { chainId?: number; contract?: string; searched?: readonly string[] }) {
    super(
      args.contract === undefined
        ? `No AITBC deployment is known for chain ${args.chainId}.`
        : `The deployment has no address for ${args.contract}.`,
      {
        details:
          args.contract === undefined
            ? `searched ${(args.searched ?? []).join(", ")}; pass \`contracts\` explicitly`
            : `add ${args.contract} to the \`contracts\` object`,
      },
    );
  }
}

/** A write action was called without an account on the client or in the parameters. */
export class AccountNotFoundError extends AitbcError {
  override name = "AccountNotFoundError";

  /** @param action The action name. */
  constructor(action: string) {
    super(`\`${action}\` needs an account.`, {
      details: "create the wallet client with `account`, or pass `account` in the parameters",
    });
  }
}

/** A watched or awaited condition did not happen in time (e.g. `runJob` waiting for settlement). */
export class WaitTimeoutError extends AitbcError {
  override name = "WaitTimeoutError";

  /**
   * @param args.what What was awaited.
   * @param args.timeoutMs The timeout, milliseconds.
   */
  constructor(args: { what: string; timeoutMs: number }) {
    super(`Timed out waiting for ${args.what}.`, { details: `after ${args.timeoutMs} ms` });
  }
}
