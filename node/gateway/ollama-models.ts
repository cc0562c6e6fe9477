/**
 * Ollama's model listing endpoints on the gateway, from what the network offers now: `/api/tags`
 * (every model some verified offer serves), `/api/ps` (the same models: a provider that offers a
 * model keeps it loaded, so they are "running"; `expires_at` is when the last of their current
 * offers expires) and `/api/show` (one model, with its `capabilities`).
 *
 * Offers are EIP-712 `Offer`s naming a model only by its digest: they carry no size, date or
 * family, so `size`, `size_vram` are 0, `modified_at` is the Unix epoch, and `details.format` is
 * `"aitbc"`; `capabilities` come from the gateway's configuration (`ModelCatalog`), default
 * `["completion"]`. `model_info` names the digest and how many providers serve it.
 */
import type { IncomingMessage } from "node:http";

import { HttpError, readJson } from "../shared/http.js";
import type { ModelCatalog } from "./models.js";

/** Ollama's `details` of a model the gateway knows only by name and digest. */
const DETAILS = { parent_model: "", format: "aitbc", family: "aitbc", families: ["aitbc"], parameter_size: "", quantization_level: "" }; // prettier-ignore
const EPOCH = new Date(0).toISOString();

/** `/api/tags`: the models some provider offers now (`aitbc.providers`: how many). */
export function tags(catalog: ModelCatalog) {
  return {
    models: catalog.served().map((m) => ({ name: m.name, model: m.name, modified_at: EPOCH, size: 0, digest: m.digest.slice(2), details: DETAILS, aitbc: { providers: m.providers } })), // prettier-ignore
  };
}

/** `/api/ps`: the models served now, in Ollama's shape (`size_vram` 0: not reported by offers). */
export async function ps(catalog: ModelCatalog, expiryOf: (digest: string) => Promise<number>) {
  const models = await Promise.all(
    catalog.served().map(async (m) => ({ name: m.name, model: m.name, size: 0, digest: m.digest.slice(2), details: DETAILS, expires_at: new Date((await expiryOf(m.digest)) * 1000).toISOString(), size_vram: 0 })), // prettier-ignore
  );
  return { models };
}

/**
 * `/api/show` for one model (`model`, or the older `name`).
 *
 * @throws {HttpError} 400 `model is required`; {UnknownModelError} 404 when no provider serves it.
 */
export async function show(catalog: ModelCatalog, req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = (await readJson(req)) as Record<string, unknown>;
  const name = body?.model ?? body?.name;
  if (typeof name !== "string" || name === "") throw new HttpError(400, "bad_request", "model is required");
  const m = catalog.servedModel(name);
  const providers = catalog.served().find((s) => s.digest === m.digest)?.providers ?? 0;
  return {
    modelfile: `# served by the AITBC network\nFROM ${m.name}`,
    parameters: "temperature 0",
    template: "{{ .Prompt }}",
    details: DETAILS,
    model_info: { "general.architecture": "aitbc", "aitbc.model_digest": m.digest, "aitbc.providers": providers }, // prettier-ignore
    capabilities: catalog.capabilities(m.digest),
    modified_at: EPOCH,
  };
}
