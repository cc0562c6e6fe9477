/**
 * A seller agent's HTTP server (`node:http`; JSON, amounts as decimal strings of wei): it sells the
 * skills of a {@link SkillRouter} per call, takes each call's payment through an injected
 * {@link PaymentStep} (the x402 paywall), routes and runs the call, and records it in the
 * {@link CallLedger}.
 *
 * - `GET /skills` → `{ skills: [{ name, priceWei, model, description? }] }` (free: what is sold, at what price)
 * - `POST /skills/<name>` with a JSON body → 200 `{ skill, output, route, reason, priceWei, payment, job? }`
 * - `GET /health` → `{ status: "ok", skills, calls }`
 *
 * A call, in order — nothing is paid for a call that cannot run:
 * 1. the skill must exist (404 `unknown_skill`), the body must be JSON (400, 413);
 * 2. the router plans it (503 `skill_unavailable` when no path can run it, 400 `bad_input` when the
 *    skill's `assess` refuses the input);
 * 3. the payment step runs: it answers the request itself (e.g. 402 with the payment requirements)
 *    and returns `undefined`, or returns the settled payment's facts;
 * 4. a payment below the price is recorded `refused` and answered 402 `underpaid`; a payment already
 *    recorded is refused 409 (`payment_already_used`, or `payment_conflict` when it was for another
 *    payer, skill or amount) — one settlement pays for one call;
 * 5. the call is recorded `running`, runs (local, or offloaded to the network), and is completed
 *    `succeeded` (200) or `failed` (502 `skill_failed`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import {
  AitbcError,
  assertPaymentFacts,
  SkillExecutionError,
  SkillUnavailableError,
  type PaymentFacts,
  type SkillDefinition,
  type SkillPlan,
  type SkillRouter,
} from "@aitbc/sdk";
import { DEFAULT_BODY_LIMIT, HttpError, readJson, requestUrl, sendError, sendJson } from "../shared/http.js";
import { listen } from "../shared/listen.js";
import { CallLedger, LedgerConflictError } from "./ledger.js";

/**
 * The payment of one call (the lead wires x402 here). It runs after the body was read (use the
 * headers) and after the call was planned. It either answers `res` itself and returns `undefined`
 * (payment required, invalid, or failed to settle), or returns the facts of the settled payment.
 */
export type PaymentStep = (
  req: IncomingMessage,
  res: ServerResponse,
  skill: SkillDefinition,
) => Promise<PaymentFacts | undefined>;

/** Options of {@link startSeller}. */
export interface SellerOptions {
  /** The skills sold and their routing. */
  router: SkillRouter;
  /** Where paid calls are recorded. */
  ledger: CallLedger;
  /** Takes each call's payment. */
  pay: PaymentStep;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Largest JSON body, bytes (default 1 MiB). */
  bodyLimitBytes?: number;
  /** One line per paid call and per failure (default: none). */
  log?: (line: string) => void;
}

/** A listening seller. */
export interface SellerServer {
  /** `http://host:port`. */
  url: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

function catalogue(router: SkillRouter) {
  return router.list().map((s) => ({
    name: s.name,
    priceWei: s.priceWei,
    model: s.model,
    ...(s.description !== undefined ? { description: s.description } : {}),
  }));
}

async function plan(router: SkillRouter, name: string, input: unknown): Promise<SkillPlan> {
  try {
    return await router.plan(name, input);
  } catch (error) {
    if (error instanceof SkillUnavailableError)
      throw new HttpError(503, "skill_unavailable", error.details ?? error.shortMessage);
    const reason = error instanceof AitbcError ? error.shortMessage : (error as Error).message;
    throw new HttpError(400, "bad_input", reason, undefined, { cause: error });
  }
}

async function sellCall(options: SellerOptions, name: string, req: IncomingMessage, res: ServerResponse) {
  const { router, ledger, log } = options;
  if (!router.has(name)) throw new HttpError(404, "unknown_skill", `no skill named ${name}`, { skills: router.list().map((s) => s.name) }); // prettier-ignore
  if (req.method !== "POST") throw new HttpError(405, "method_not_allowed", `${req.method} is not served; POST the call's JSON`); // prettier-ignore
  const skill = router.get(name);
  const input = await readJson(req, options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT);
  const planned = await plan(router, name, input);

  const payment = await options.pay(req, res, skill);
  if (payment === undefined) {
    if (!res.headersSent) sendJson(res, 402, { error: "payment_required", reason: "the payment step took no payment" }); // prettier-ignore
    return;
  }
  try {
    assertPaymentFacts(payment);
  } catch (cause) {
    throw new HttpError(500, "payment_facts", "the payment step returned malformed facts", undefined, {
      cause,
    });
  }

  const call = { payment, skill: name, priceWei: skill.priceWei, route: planned.decision.route, reason: planned.decision.reason }; // prettier-ignore
  const paymentJson = { payer: payment.payer, amountWei: payment.amountWei, transaction: payment.transaction, network: payment.network }; // prettier-ignore
  if (payment.amountWei < skill.priceWei) {
    const error = `paid ${payment.amountWei} wei, price ${skill.priceWei} wei`;
    recordOnce(ledger, { ...call, status: "refused", error });
    log?.(`${name}: refused payment ${payment.transaction} from ${payment.payer}: ${error}`);
    throw new HttpError(402, "underpaid", error, { priceWei: skill.priceWei.toString(), paidWei: payment.amountWei.toString() }); // prettier-ignore
  }
  recordOnce(ledger, call);

  const abort = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  try {
    const result = await router.run(planned, input, { payment, signal: abort.signal });
    ledger.complete(payment, {
      status: "succeeded",
      route: result.route,
      reason: result.reason,
      ...(result.job !== undefined ? { job: result.job } : {}),
    });
    log?.(`${name}: ${payment.payer} paid ${payment.amountWei} wei (${payment.transaction}); ${result.route} (${result.reason})`); // prettier-ignore
    sendJson(res, 200, {
      skill: name,
      output: result.output,
      route: result.route,
      reason: result.reason,
      priceWei: skill.priceWei,
      payment: paymentJson,
      ...(result.job !== undefined ? { job: result.job } : {}),
    });
  } catch (error) {
    const reason = error instanceof AitbcError ? error.shortMessage : (error as Error).message;
    const detail = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
    ledger.complete(payment, { status: "failed", error: `${reason}${detail}` });
    log?.(`${name}: paid call ${payment.transaction} failed: ${reason}${detail}`);
    if (error instanceof SkillExecutionError)
      throw new HttpError(502, "skill_failed", reason, { payment: paymentJson }, { cause: error });
    throw error;
  }
}

/** Opens the call in the ledger; a payment already recorded is refused (409). */
function recordOnce(ledger: CallLedger, call: Parameters<CallLedger["open"]>[0]): void {
  let opened: ReturnType<CallLedger["open"]>;
  try {
    opened = ledger.open(call);
  } catch (error) {
    if (error instanceof LedgerConflictError)
      throw new HttpError(409, "payment_conflict", `this payment already paid for another call (${error.field} differs)`); // prettier-ignore
    throw error;
  }
  if (!opened.created) {
    throw new HttpError(409, "payment_already_used", "this payment already paid for a call", {
      transaction: opened.record.transaction,
      status: opened.record.status,
    });
  }
}

async function route(options: SellerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = requestUrl(req);
  const skillPath = /^\/skills\/([^/]+)$/.exec(url.pathname);
  if (skillPath !== null) {
    let name: string;
    try {
      name = decodeURIComponent(skillPath[1]!);
    } catch {
      throw new HttpError(400, "bad_request", "malformed skill name");
    }
    return sellCall(options, name, req, res);
  }
  if (req.method !== "GET") throw new HttpError(405, "method_not_allowed", `${req.method} is not served`);
  if (url.pathname === "/skills") return sendJson(res, 200, { skills: catalogue(options.router) });
  if (url.pathname === "/health")
    return sendJson(res, 200, { status: "ok", skills: options.router.list().length, calls: options.ledger.totals().calls }); // prettier-ignore
  throw new HttpError(404, "not_found", `no route ${url.pathname}`);
}

/**
 * Starts a seller (see the module's description).
 *
 * @param options See {@link SellerOptions}.
 * @returns The listening server.
 * @throws Node's listen error (`EADDRINUSE`, ...).
 * @example
 * ```ts
 * const seller = await startSeller({ router, ledger: new CallLedger(openStore("seller.sqlite")), pay: x402Paywall });
 * // POST `${seller.url}/skills/summarize` with { "text": "..." } and an x402 payment
 * ```
 */
export async function startSeller(options: SellerOptions): Promise<SellerServer> {
  const server: Server = createServer((req, res) => {
    route(options, req, res).catch((e: unknown) => {
      if (!(e instanceof HttpError) || e.status >= 500)
        options.log?.(`error: ${e instanceof Error ? e.message : String(e)}`);
      sendError(res, e);
    });
  });
  await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
