/** Typed errors of the inference backends: `transient` ones are worth retrying. */

/** Base class of backend errors; `transient` errors are worth retrying. */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "BackendError";
  }
}
/** The runtime does not have the model (HTTP 404 `model 'x' not found`). Not retried. */
export class UnknownModelError extends BackendError {
  constructor(
    readonly model: string,
    host: string,
  ) {
    super(
      `model '${model}' not found on the Ollama runtime at ${host} (pull it first: ollama pull ${model})`,
      false,
    );
    this.name = "UnknownModelError";
  }
}
/** The runtime answered something that is not the documented JSON. Retried (may be transient). */
export class MalformedResponseError extends BackendError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the Ollama runtime returned a malformed answer: ${detail}`, true, options);
    this.name = "MalformedResponseError";
  }
}
/** The runtime is unreachable, timed out or failed (5xx). Retried. */
export class RuntimeUnavailableError extends BackendError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the Ollama runtime is unavailable: ${detail}`, true, options);
    this.name = "RuntimeUnavailableError";
  }
}
/** The backend or its model computes no embeddings (e.g. the built-in classifier). Not retried. */
export class EmbeddingUnsupportedError extends BackendError {
  constructor(
    readonly model: string,
    detail: string,
  ) {
    super(`model '${model}' does not support embeddings: ${detail}`, false);
    this.name = "EmbeddingUnsupportedError";
  }
}
