/**
 * Registration at start: the served models (those of the backend, or the ones asked for), the provider's
 * registration in `GPUStaking` (GPU declaration, identity commitment, models) or, if registered, the
 * models it does not serve yet, the stake topped up to at least the minimum, and the service URI
 * published in the `ServiceRegistry` (only when it changed).
 */
import { getProviderPosition, getServiceURI, getStakingParameters, identityCommitment, isServingModel, registerProvider, setModelServing, setServiceURI, stake, type Hex } from "@aitbc/sdk"; // prettier-ignore
import { UnknownModelError } from "../backends/backend.js";
import type { MinerContext } from "./context.js";

/** Fills `ctx.models` from the backend (`wanted` names, or all). @throws {UnknownModelError} when none. */
export async function loadModels(ctx: MinerContext, wanted?: string[]): Promise<void> {
  const models = await ctx.backend.listModels();
  const served = wanted ? models.filter((m) => wanted.includes(m.name)) : models;
  if (served.length === 0) throw new UnknownModelError(wanted?.join(",") ?? "(none)", "backend");
  ctx.modelInfo ??= new Map();
  for (const m of served) {
    ctx.models.set(m.digest.toLowerCase(), m.name);
    const capabilities = m.capabilities ?? (await ctx.backend.capabilities?.(m.name).catch(() => undefined));
    ctx.modelInfo.set(m.digest.toLowerCase(), { ...m, ...(capabilities ? { capabilities } : {}) });
  }
}

/** Registers (or adds missing models) and stakes up to `stakeWei` (at least the minimum stake). */
export async function ensureRegistered(ctx: MinerContext, stakeWei?: bigint): Promise<void> {
  const { account } = ctx;
  const { contracts, public: client, address } = account;
  const digests = [...ctx.models.keys()] as Hex[];
  const position = await getProviderPosition(client, { contracts, provider: address });
  const commitment = identityCommitment(ctx.secret);
  if (!position.registered) {
    const { model, vramGb, throughput } = ctx.gpu;
    await account.send(
      "register",
      (w) =>
      registerProvider(w, { contracts, identityCommitment: commitment, gpu: { model, vramGb, throughput }, modelDigests: digests }), // prettier-ignore
    );
    ctx.log(`registered: ${model}, ${vramGb} GB, ${digests.length} model(s)`);
  } else {
    if (position.identityCommitment !== commitment)
      throw new Error("this account is registered with another identity secret");
    for (const modelDigest of digests)
      if (!(await isServingModel(client, { contracts, provider: address, modelDigest })))
        await account.send("setModelServing", (w) => setModelServing(w, { contracts, modelDigest, serving: true })); // prettier-ignore
  }
  const { minStake } = await getStakingParameters(client, { contracts });
  const target = stakeWei && stakeWei > minStake ? stakeWei : minStake;
  const staked = position.registered ? position.staked : 0n;
  if (staked < target) {
    const amount = target - staked;
    await account.send("stake", (w) => stake(w, { contracts, amount, lockOption: 0 }));
    ctx.log(`staked ${amount / 10n ** 18n} AITBC`);
  }
}

/** Publishes `uri` with `setServiceURI` unless the registry already holds it (no-op without a ServiceRegistry). */
export async function publishServiceUri(ctx: MinerContext, uri: string): Promise<boolean> {
  const { contracts, public: client, address } = ctx.account;
  if (!contracts.ServiceRegistry) return false;
  const { uri: current } = await getServiceURI(client, { contracts, provider: address });
  if (current === uri) return false;
  await ctx.account.send("setServiceURI", (w) => setServiceURI(w, { contracts, uri }));
  ctx.log(`service URI published: ${uri}`);
  return true;
}
