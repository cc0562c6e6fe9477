/**
 * OpenAI-shaped errors of the gateway's `/v1` API: every failure answers
 * `{"error": {"message", "type", "param", "code"}}` with its HTTP status, as OpenAI's API (and
 * Ollama's `/v1`) do, so the `openai` client raises its typed error (`BadRequestError`,
 * `NotFoundError`, ...) with the message. A failure after a stream started is one SSE event
 * `data: {"error": ...}` and the end of the stream (the client raises `APIError` from it).
 */
import type { ServerResponse } from "node:http";

import { HttpError, sendJson } from "../shared/http.js";
import { GatewayError, NoProviderError, UnknownModelError } from "./errors.js";
import { sseData } from "./openai-sse.js";

/** The `error` object of an OpenAI error body. */
export interface OpenAIErrorObject {
  /** One human-readable line. */
  message: string;
  /** `invalid_request_error` (4xx), `not_found_error` (404, Ollama's word), `server_error` (5xx). */
  type: string;
  /** The request field at fault (`"messages[0].content"`), or null. */
  param: string | null;
  /** A machine-readable code (`"invalid_type"`, `"model_not_found"`, ...), or null. */
  code: string | null;
}

/** A request the `/v1` API refuses before any job is placed (HTTP 400 unless told). */
export class OpenAIRequestError extends HttpError {
  /**
   * @param message OpenAI's wording (`Invalid type for 'seed': expected an integer, but got a string instead.`).
   * @param param The field at fault, or null.
   * @param code The machine-readable code, or null.
   * @param status HTTP status (default 400).
   */
  constructor(
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    status = 400,
  ) {
    super(status, "invalid_request_error", message);
  }
}

/** The HTTP status and the `error` object for anything a `/v1` handler threw. */
export function openAIErrorOf(e: unknown): { status: number; error: OpenAIErrorObject } {
  if (e instanceof OpenAIRequestError)
    return { status: e.status, error: { message: e.reason, type: "invalid_request_error", param: e.param, code: e.code } }; // prettier-ignore
  if (e instanceof UnknownModelError)
    return { status: 404, error: { message: e.shortMessage, type: "not_found_error", param: "model", code: "model_not_found" } }; // prettier-ignore
  if (e instanceof NoProviderError)
    return { status: 503, error: { message: `${e.shortMessage}: ${e.details}`, type: "server_error", param: null, code: "no_provider" } }; // prettier-ignore
  if (e instanceof GatewayError)
    return { status: e.status, error: { message: e.shortMessage, type: e.status >= 500 ? "server_error" : "invalid_request_error", param: null, code: e.status === 502 ? "provider_error" : null } }; // prettier-ignore
  if (e instanceof HttpError) {
    const code = e.status === 413 ? "request_too_large" : null;
    return { status: e.status, error: { message: e.reason, type: e.status >= 500 ? "server_error" : "invalid_request_error", param: null, code } }; // prettier-ignore
  }
  const message = e instanceof Error ? e.message.split("\n")[0]! : String(e);
  return { status: 500, error: { message, type: "server_error", param: null, code: null } };
}

/**
 * Answers an error the OpenAI way: a JSON body with its status, or, when a stream is already under
 * way, an SSE `data: {"error": ...}` event and the end of the stream.
 */
export function sendOpenAIError(res: ServerResponse, e: unknown): void {
  const { status, error } = openAIErrorOf(e);
  if (!res.headersSent) return sendJson(res, status, { error });
  sseData(res, { error });
  res.end();
}
