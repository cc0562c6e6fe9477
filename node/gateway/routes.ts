/**
 * The gateway's route table: each API (`ollama-api.ts`, `openai-api.ts`, ...) exports its routes,
 * and the server answers a request with the first route whose method and path match.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { HttpError } from "../shared/http.js";

/** One route: a method (or several), an exact path or a pattern, and its handler. */
export interface Route {
  /** HTTP methods served, e.g. `["GET", "HEAD"]`. */
  methods: readonly string[];
  /** The exact path, or a pattern whose groups are passed to `handle` (`/v1/models/(.+)`). */
  path: string | RegExp;
  /**
   * Answers the request.
   *
   * @param params The pattern's groups (empty for an exact path).
   * @throws {HttpError} | {GatewayError} answered by the server as the API's error shape.
   */
  handle(req: IncomingMessage, res: ServerResponse, params: string[]): Promise<void> | void;
}

/**
 * The route for `method` and `path`, and its groups (percent-decoded); undefined when none matches.
 *
 * @throws {HttpError} 400 when a matched group is not valid percent-encoding (`%E0%A4%A`).
 */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (!route.methods.includes(method)) continue;
    if (typeof route.path === "string") {
      if (route.path === path) return { route, params: [] };
      continue;
    }
    const m = route.path.exec(path);
    if (m && m[0] === path) return { route, params: m.slice(1).map(decodeParam) };
  }
  return undefined;
}

/** A path group, percent-decoded. @throws {HttpError} 400 on malformed percent-encoding. */
function decodeParam(group: string): string {
  try {
    return decodeURIComponent(group);
  } catch (cause) {
    throw new HttpError(400, "bad_request", `malformed percent-encoding in the path: ${group}`, undefined, { cause }); // prettier-ignore
  }
}
