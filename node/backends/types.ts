/** The interface every inference backend implements, and what it is asked and answers. */
import type { InferenceProof, Hex } from "@aitbc/sdk";

/** A tool call a model made (Ollama's `message.tool_calls[]`; OpenAI's arrive converted to it). */
export interface ToolCall {
  function: { name: string; arguments: Record<string, unknown> };
}

/** A tool the model may call: Ollama's and OpenAI's `{ type: "function", function: { name, description, parameters } }`. */
export interface ToolDefinition {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** One chat message (`/api/chat`). */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Base64 images (vision models only; the gateway refuses them for a model without `vision`). */
  images?: string[];
  /** Calls an assistant message made (a conversation sent back with the tools' results). */
  tool_calls?: ToolCall[];
  /** For `role: "tool"`: which tool's result this is. */
  tool_name?: string;
}

/**
 * What a generation asks beyond its prompt, as Ollama's API takes it; every field is optional and
 * absent from the payload when not asked (so payloads without them hash as before).
 */
export interface GenerationOptions {
  /** `"json"` or a JSON schema the answer must follow (Ollama's `format`, OpenAI's `response_format`). */
  format?: "json" | Record<string, unknown>;
  /**
   * Runtime options (Ollama's `options`: `num_ctx`, `top_k`, `top_p`, `stop`, `repeat_penalty`, ...).
   * `temperature` is always 0 and `seed`/`num_predict` come from the job, so a re-execution
   * reproduces the answer; those three keys are never in here.
   */
  options?: Record<string, unknown>;
  /** Thinking models: whether (or how hard, `"low" | "medium" | "high"`) to think first. */
  think?: boolean | "low" | "medium" | "high";
  /** Tools the model may call (chat only). */
  tools?: ToolDefinition[];
  /** Base64 images for a plain prompt (vision models only). */
  images?: string[];
}

/** What a job asks the runtime for (the prompt travels off-chain; its hash is on-chain). */
export interface InferenceRequest {
  /** Model name as the backend knows it, e.g. "llama3.2:1b". */
  model: string;
  /** A plain prompt (`/api/generate`) ... */
  prompt?: string;
  /** ... or chat messages (`/api/chat`). */
  messages?: ChatMessage[];
  /** Sampling seed; temperature is always 0 (reproducible re-execution). */
  seed: number;
  /** Most tokens to produce (`num_predict`). */
  maxTokens: number;
  /** `format`, `options`, `think`, `tools`, `images` when the job asked for them. */
  generation?: GenerationOptions;
  /**
   * The job a proof of inference is bound to (built-in model): the job id, or the batch job key of
   * the request digest. Without it the built-in backend proves for job key 0, which no escrow accepts.
   */
  jobKey?: bigint;
  /**
   * The exact prompt payload whose keccak256 is the job's prompt hash (canonical JSON, see
   * `protocol.ts`): the built-in model's input (its bag of words), as the on-chain checker tokenizes
   * it. Without it the built-in backend reads the prompt or the user messages.
   */
  payload?: string;
  /**
   * Called with each piece of text as the runtime generates it (Ollama's streaming; the built-in
   * model calls it once with its label). The pieces concatenate to the result's `output` when the
   * job asked for neither tools nor thinking; else to its `content` (`node/shared/output.ts`).
   */
  onToken?: (text: string) => void;
}

/** What a backend answers. */
export interface InferenceResult {
  /**
   * The job's output text, hashed into the receipt: the model's text, or, when the job asked for
   * tools or thinking, the canonical JSON of `{content, thinking?, tool_calls?}` (`node/shared/output.ts`).
   */
  output: string;
  /** Tokens produced (`eval_count`; 1 for the built-in classifier). */
  tokenCount: number;
  /** Prompt tokens (`prompt_eval_count`). */
  promptTokens: number;
  /** bytes32 model digest (sha256 of the Ollama model, or the built-in Poseidon digest). */
  modelDigest: Hex;
  /** Wall time of the inference (ms). */
  durationMs: number;
  /** Full proof of inference (built-in backend only). */
  inferenceProof?: InferenceProof;
}

/** What an embedding job asks the runtime for (Ollama's `/api/embed`). */
export interface EmbeddingRequest {
  /** Model name as the backend knows it. */
  model: string;
  /** The texts, one vector each (in order). */
  input: string[];
  /** Cut inputs to the context length (runtime default `true`); `false`: a longer input fails. */
  truncate?: boolean;
  /** Vectors cut to this many values and re-normalized. */
  dimensions?: number;
  /** Runtime options (`num_ctx`, ...). */
  options?: Record<string, unknown>;
}

/** What a backend answers to an {@link EmbeddingRequest}. */
export interface EmbeddingResult {
  /** One L2-normalized vector per input, in order. */
  embeddings: number[][];
  /** Input tokens evaluated, all inputs together (`prompt_eval_count`). */
  promptTokens: number;
  /** bytes32 model digest. */
  modelDigest: Hex;
  /** Wall time (ms). */
  durationMs: number;
}

/** Ollama's `details` of a model (`/api/tags`, `/api/show`). */
export interface ModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
}

/**
 * What a runtime says of a model beyond its name and digest, as Ollama's `/api/tags` and `/api/show`
 * report it (Ollama's field names); the miner publishes it next to its signed offers.
 */
export interface ModelDescription {
  /** Bytes of the weights. */
  size?: number;
  /** ISO 8601. */
  modified_at?: string;
  details?: ModelDetails;
  /** Ollama's `capabilities` (`completion`, `tools`, `vision`, `thinking`, `embedding`, `insert`). */
  capabilities?: string[];
}

/** A served model: its name and bytes32 digest, and what the runtime says of it. */
export interface ModelInfo extends ModelDescription {
  name: string;
  digest: Hex;
}

/** An inference runtime: its models, `infer` (streaming to `request.onToken`) and `embed`. */
export interface InferenceBackend {
  readonly kind: "ollama" | "builtin";
  listModels(): Promise<ModelInfo[]>;
  /** A model's capabilities as the runtime reports them (Ollama's `/api/show`); undefined if unknown. */
  capabilities?(model: string): Promise<string[] | undefined>;
  /** The bytes32 digest of a model. @throws {UnknownModelError} */
  modelDigest(model: string): Promise<Hex>;
  infer(request: InferenceRequest): Promise<InferenceResult>;
  /**
   * The embeddings of `request.input`.
   * @throws {UnknownModelError} | {EmbeddingUnsupportedError} | {BackendError}
   */
  embed(request: EmbeddingRequest): Promise<EmbeddingResult>;
}
