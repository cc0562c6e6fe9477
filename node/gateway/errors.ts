/**
 * The gateway's typed errors. Each extends the SDK's `AitbcError` (short message, details, cause)
 * and carries the HTTP status the gateway answers with when it reaches a client.
 */
import { AitbcError } from "@aitbc/sdk";

/** Base of the gateway's errors: an {@link AitbcError} with the HTTP status to answer. */
export class GatewayError extends AitbcError {
  override name = "GatewayError";
  /**
   * @param status HTTP status for a client (e.g. 404, 502, 503).
   * @param shortMessage One line.
   * @param options `details` and `cause`.
   */
  constructor(
    readonly status: number,
    shortMessage: string,
    options: { details?: string; cause?: unknown } = {},
  ) {
    super(shortMessage, options);
  }
}

/** The request names a model no known provider offers (HTTP 404, as Ollama answers). */
export class UnknownModelError extends GatewayError {
  override name = "UnknownModelError";
  /** @param model The name or digest asked for. */
  constructor(readonly model: string) {
    super(404, `model '${model}' not found`);
  }
}

/** No provider accepted the job, on either path (HTTP 503); `reasons` says why each did not. */
export class NoProviderError extends GatewayError {
  override name = "NoProviderError";
  /** @param reasons One line per provider tried. */
  constructor(readonly reasons: string[]) {
    super(503, "no provider accepted the job", { details: reasons.join("; ") || "no offer matches" });
  }
}

/**
 * The client disconnected before any provider accepted its job: the placement stopped, nothing was
 * signed or paid (HTTP 499, nginx's "client closed request"; nobody reads it).
 */
export class ClientGoneError extends GatewayError {
  override name = "ClientGoneError";
  /** @param promptHash The job's prompt hash. */
  constructor(readonly promptHash: string) {
    super(499, `the client disconnected before job ${promptHash.slice(0, 10)} was placed; nothing was paid`);
  }
}

/** A provider's quote the gateway will not open (checked before any transaction). */
export class QuoteRejectedError extends GatewayError {
  override name = "QuoteRejectedError";
  /** @param reason What did not match. */
  constructor(readonly reason: string) {
    super(502, `quote rejected: ${reason}`);
  }
}

/** A provider's answer contradicts itself or the job (wrong output hash, stream cut off, ...). */
export class ProviderAnswerError extends GatewayError {
  override name = "ProviderAnswerError";
  /**
   * @param jobKey The job's key (bytes32 hex).
   * @param reason What was wrong.
   */
  constructor(
    readonly jobKey: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(502, `job ${jobKey}: ${reason}`, options);
  }
}

/** The local Ollama failed a generation the router gave it (HTTP 502). */
export class LocalGenerationError extends GatewayError {
  override name = "LocalGenerationError";
  /**
   * @param reason What failed.
   * @param tokensWritten Whether some text was already handed to the client (no fallback then).
   */
  constructor(
    reason: string,
    readonly tokensWritten: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(502, reason, options);
  }
}
