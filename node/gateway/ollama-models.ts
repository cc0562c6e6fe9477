/**
 * Ollama's model listing endpoints on the gateway, from what the network offers now: `/api/tags`
 * (every model some verified offer serves), `/api/ps` (the same models: a provider that offers a
 * model keeps it loaded, so they are "running"; `expires_at` is when the last of their current
 * offers expires) and `/api/show` (one model, with its `capabilities`).
 *
 * The signed offers name a model only by its digest; beside them each provider publishes what its
 * runtime says of the model (Ollama's `size`, `modified_at`, `details`, `capabilities`), which is
 * shown here (`OfferBook.describe`). Where no provider says (e.g. the built-in model): `size` 0,
 * `modified_at` the Unix epoch, `details.format` `"aitbc"`. `size_vram` is always 0 (offers do not
 * say how a model sits in memory). `capabilities` are the configured ones, else those every serving
 * provider reports, else `["completion"]` (`ModelCatalog.capabilities`); `model_info` names the
 * digest and how many providers serve it.
 */
import type { IncomingMessage } from "node:http";

import type { Hex } from "viem";

import type { ModelDetails } from "../backends/backend.js";
import { HttpError, readJson } from "../shared/http.js";
import type { ModelCatalog } from "./models.js";

/** Ollama's `details` of a model no provider describes. */
const DETAILS: ModelDetails = { parent_model: "", format: "aitbc", family: "aitbc", families: ["aitbc"], parameter_size: "", quantization_level: "" }; // prettier-ignore
const EPOCH = new Date(0).toISOString();

/** `size`, `modified_at`, `details` of a served model (see the module's description). */
function described(catalog: ModelCatalog, digest: Hex) {
  const d = catalog.describe(digest);
  return { size: d?.size ?? 0, modified_at: d?.modified_at ?? EPOCH, details: d?.details ?? DETAILS };
}

/** `/api/tags`: the models some provider offers now (`aitbc.providers`: how many). */
export function tags(catalog: ModelCatalog) {
  return {
    models: catalog.served().map((m) => {
      const { size, modified_at, details } = described(catalog, m.digest);
      return { name: m.name, model: m.name, modified_at, size, digest: m.digest.slice(2), details, aitbc: { providers: m.providers } }; // prettier-ignore
    }),
  };
}

/**
 * `/api/ps`: the models served now, in Ollama's shape.
 *
 * @param expiryOf When the last current offer for a digest expires, Unix seconds.
 */
export async function ps(catalog: ModelCatalog, expiryOf: (digest: Hex) => Promise<number>) {
  const models = await Promise.all(
    catalog.served().map(async (m) => {
      const { size, details } = described(catalog, m.digest);
      return { name: m.name, model: m.name, size, digest: m.digest.slice(2), details, expires_at: new Date((await expiryOf(m.digest)) * 1000).toISOString(), size_vram: 0 }; // prettier-ignore
    }),
  );
  return { models };
}

/**
 * `/api/show` for one model (`model`, or the older `name`).
 *
 * @throws {HttpError} 400 `model is required`; {UnknownModelError} 404 when no provider serves it.
 */
export async function show(catalog: ModelCatalog, req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = (await readJson(req)) as Record<string, unknown> | null;
  const name = body?.model ?? body?.name;
  if (typeof name !== "string" || name === "") throw new HttpError(400, "bad_request", "model is required");
  const m = catalog.servedModel(name);
  const providers = catalog.served().find((s) => s.digest === m.digest)?.providers ?? 0;
  const { modified_at, details } = described(catalog, m.digest);
  return {
    modelfile: `# served by the AITBC network\nFROM ${m.name}`,
    parameters: "temperature 0",
    template: "{{ .Prompt }}",
    details,
    model_info: { "general.architecture": details.family, "aitbc.model_digest": m.digest, "aitbc.providers": providers }, // prettier-ignore
    capabilities: catalog.capabilities(m.digest),
    modified_at,
  };
}
