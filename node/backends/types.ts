/** The interface every inference backend implements, and what it is asked and answers. */
import type { InferenceProof, Hex } from "@aitbc/sdk";

/** One chat message (`/api/chat`). */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
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
   * model calls it once with its label). The pieces concatenate to the result's `output`.
   */
  onToken?: (text: string) => void;
}

/** What a backend answers. */
export interface InferenceResult {
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

/** A served model: its name and bytes32 digest. */
export interface ModelInfo {
  name: string;
  digest: Hex;
}

/** An inference runtime: its models and `infer` (streaming to `request.onToken`). */
export interface InferenceBackend {
  readonly kind: "ollama" | "builtin";
  listModels(): Promise<ModelInfo[]>;
  /** The bytes32 digest of a model. @throws {UnknownModelError} */
  modelDigest(model: string): Promise<Hex>;
  infer(request: InferenceRequest): Promise<InferenceResult>;
}
