/**
 * OpenAI's model objects for `GET /v1/models` and `GET /v1/models/{model}`, as Ollama's `/v1`
 * builds them from its `/api/tags`: `id` the name, `created` its `modified_at`, `owned_by` the
 * name's namespace.
 */
import { UnknownModelError } from "./errors.js";
import type { ModelCatalog } from "./models.js";
import { tags } from "./ollama-models.js";

/** OpenAI's model object. */
export interface OpenAIModel {
  /** The model's name (`llama3.2:1b`). */
  id: string;
  object: "model";
  /** Unix seconds: the model's `modified_at` in `/api/tags`. */
  created: number;
  /** The name's namespace, as Ollama answers (`library` for a plain name, `org` in `org/model`). */
  owned_by: string;
}

/** The namespace of a model name, as Ollama parses it (`[host/][namespace/]model[:tag]`). */
export function ownerOf(name: string): string {
  const parts = name.split(":")[0]!.split("/");
  return parts.length >= 3 ? parts[parts.length - 2]! : parts.length === 2 ? parts[0]! : "library";
}

/** `GET /v1/models`: the models some provider serves now (those of `/api/tags`). */
export function modelList(catalog: ModelCatalog): { object: "list"; data: OpenAIModel[] } {
  return {
    object: "list",
    data: tags(catalog).models.map((m) => ({ id: m.name, object: "model", created: Math.floor(Date.parse(m.modified_at) / 1000), owned_by: ownerOf(m.name) })), // prettier-ignore
  };
}

/** `GET /v1/models/{model}`. @throws {UnknownModelError} when no provider serves it (HTTP 404). */
export function retrieveModel(catalog: ModelCatalog, id: string): OpenAIModel {
  const { name } = catalog.servedModel(id);
  const found = modelList(catalog).data.find((m) => m.id === name);
  if (!found) throw new UnknownModelError(id);
  return { ...found, id };
}
