/**
 * Model names ↔ on-chain digests. Offers name only a digest, so the gateway knows names from its
 * configuration (the built-in model always; Ollama models as `name=0x<sha256 digest>`), and lists
 * a model while some verified offer serves its digest. A request may also name a digest directly.
 */
import type { Hex } from "viem";

import { BUILTIN_DIGEST, BUILTIN_MODEL_NAME } from "../backends/backend.js";
import { UnknownModelError } from "./errors.js";
import type { OfferBook } from "./offers.js";

/** What a model can do, as Ollama's `/api/show` lists it in `capabilities`. */
export type Capability = "completion" | "tools" | "vision" | "thinking" | "embedding" | "insert";

/** A model the gateway can route. */
export interface NamedModel {
  name: string;
  digest: Hex;
  /**
   * What it can do (default `["completion"]`): the gateway refuses, before any job, a request that
   * needs more (images: `vision`, tools: `tools`, `think`: `thinking`), as Ollama does. Offers name
   * only a digest, so this comes from the gateway's configuration, like the name.
   */
  capabilities?: Capability[];
}

const DIGEST = /^0x[0-9a-fA-F]{64}$/;

/** See the module's description. */
export class ModelCatalog {
  private readonly byName = new Map<string, Hex>();
  private readonly caps = new Map<string, Capability[]>();

  /**
   * @param offers The offer book (which digests are served now).
   * @param models Configured names (the built-in model is added).
   */
  constructor(
    private readonly offers: OfferBook,
    models: readonly NamedModel[] = [],
  ) {
    this.byName.set(BUILTIN_MODEL_NAME, BUILTIN_DIGEST);
    for (const m of models) {
      this.byName.set(m.name, m.digest.toLowerCase() as Hex);
      if (m.capabilities) this.caps.set(m.digest.toLowerCase(), m.capabilities);
    }
  }

  /** The models some provider offers now, with how many providers offer each. */
  served(): (NamedModel & { providers: number })[] {
    const digests = this.offers.digests();
    const out: (NamedModel & { providers: number })[] = [];
    for (const [name, digest] of this.all()) {
      const providers = digests.get(digest.toLowerCase()) ?? 0;
      if (providers > 0) out.push({ name, digest, providers });
    }
    return out;
  }

  /**
   * Resolves a request's `model` (a name, `name:latest`, or a bytes32 digest).
   *
   * @throws {UnknownModelError} when the gateway knows no such model.
   */
  resolve(model: string): NamedModel {
    const all = this.all();
    if (DIGEST.test(model)) {
      const named = [...all].find(([, d]) => d.toLowerCase() === model.toLowerCase());
      return { name: named?.[0] ?? model, digest: model.toLowerCase() as Hex };
    }
    const digest = all.get(model) ?? all.get(`${model}:latest`) ?? all.get(model.replace(/:latest$/, ""));
    if (!digest) throw new UnknownModelError(model);
    return { name: all.has(model) ? model : [...all.keys()].find((n) => all.get(n) === digest)!, digest };
  }

  /**
   * The model a request names, if some provider serves it now (Ollama's clients see only those in
   * `/api/tags`).
   *
   * @throws {UnknownModelError} (404 `model 'x' not found`) when unknown or not served.
   */
  servedModel(model: string): NamedModel {
    const m = this.resolve(model);
    if (!this.offers.digests().has(m.digest.toLowerCase())) throw new UnknownModelError(model);
    return m;
  }

  /** What the model with this digest can do (see {@link NamedModel.capabilities}). */
  capabilities(digest: Hex): Capability[] {
    return this.caps.get(digest.toLowerCase()) ?? ["completion"];
  }

  private all(): Map<string, Hex> {
    return new Map([...this.offers.namedModels(), ...this.byName]);
  }
}
