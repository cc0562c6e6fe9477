/**
 * The main job's inference backend: a real Ollama when one answers at the host (the first model it
 * lists, or the one asked for), otherwise the built-in model (a topic classifier with a full proof of
 * inference, no GPU).
 */
import { BUILTIN_MODEL_NAME, BuiltinBackend, OllamaBackend, type InferenceBackend } from "../../../node/backends/backend.js"; // prettier-ignore
import { UsageError, type MainOptions } from "../main-options.js";

/** The backend chosen, and why (printed and written into the report). */
export interface ChosenBackend {
  backend: InferenceBackend;
  /** Model name served by the miners. */
  model: string;
  /** The Ollama host, when one is used. */
  host: string | undefined;
  /** Why this backend (e.g. "no Ollama answered at ..."). */
  reason: string;
  /** One line for the log and the report. */
  note: string;
}

/**
 * Picks the backend: a real Ollama when one answers `GET /api/version` at the host, otherwise the
 * built-in model.
 *
 * @throws UsageError when the Ollama answers but lists no models, fails to list them, or lacks the
 *   model asked for
 */
export async function chooseBackend(opts: MainOptions): Promise<ChosenBackend> {
  const ollamaVersion = await OllamaBackend.probe(opts.ollamaHost);
  if (!ollamaVersion) {
    const reason = opts.ollamaHostGiven
      ? `OLLAMA_HOST=${opts.ollamaHost} did not answer GET /api/version`
      : `no Ollama answered at ${opts.ollamaHost} (OLLAMA_HOST not set)`;
    return {
      backend: new BuiltinBackend() as InferenceBackend,
      model: BUILTIN_MODEL_NAME,
      host: undefined,
      reason,
      note: `built-in model, a topic classifier with a full proof of inference (${reason})`,
    };
  }
  const ollama = new OllamaBackend({ host: opts.ollamaHost });
  let models: { name: string }[];
  try {
    models = await ollama.listModels();
  } catch (error) {
    throw new UsageError(`the Ollama ${ollamaVersion} at ${ollama.host} answers, but listing its models failed: ${(error as Error).message}`); // prettier-ignore
  }
  if (models.length === 0)
    throw new UsageError(
      `the Ollama ${ollamaVersion} at ${ollama.host} answers but has no models: pull one first ` +
        "(ollama pull <model>), or unset OLLAMA_HOST / stop it to use the built-in model",
    );
  const model = opts.model ?? models[0]!.name;
  if (!models.some((m) => m.name === model))
    throw new UsageError(
      `the Ollama at ${ollama.host} has no model '${model}' (it has: ${models.map((m) => m.name).join(", ")})`,
    );
  const reason = `Ollama ${ollamaVersion} answered at ${ollama.host}`;
  return {
    backend: ollama as InferenceBackend,
    model,
    host: ollama.host,
    reason,
    note: `real Ollama ${ollamaVersion} at ${ollama.host}, model ${model}${opts.model ? "" : " (the first it lists)"}`,
  };
}
