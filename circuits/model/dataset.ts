/**
 * The built-in model's data set: short English requests in four topics, generated from sentence
 * frames and per-topic word lists with a seeded PRNG (no downloads). Held-out evaluation uses frames
 * never seen in training, so it measures generalisation to new phrasings over the same topic words.
 */

/** Class names, in class-index order. */
export const LABELS = ["weather", "sports", "finance", "technology"] as const;

/** One labelled sentence. */
export interface Example {
  text: string;
  label: number;
}

/** Deterministic 32-bit PRNG (mulberry32). Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHARED: Record<string, string[]> = {
  place: ["london", "paris", "tokyo", "berlin", "the city", "our town", "new york", "madrid", "the coast"],
  time: ["today", "tomorrow", "this weekend", "tonight", "next week", "on monday", "this morning", "later"],
  ask: ["can you tell me", "please explain", "i want to know", "quick question", "tell me", "do you know"],
};

const LEXICON: Record<string, string[]>[] = [
  {
    cond: ["rain", "snow", "sunshine", "fog", "storms", "thunder"],
    measure: ["temperature", "humidity", "forecast", "rainfall", "frost"],
    adj: ["cold", "warm", "freezing", "sunny", "cloudy", "windy"],
  },
  {
    cond: ["match", "game", "final", "tournament", "race", "playoff"],
    measure: ["score", "goals", "lineup", "standings", "league"],
    adj: ["football", "tennis", "basketball", "cricket", "rugby", "hockey"],
  },
  {
    cond: ["stocks", "bonds", "shares", "bitcoin", "gold", "currencies"],
    measure: ["inflation", "dividend", "earnings", "mortgage", "yield"],
    adj: ["bullish", "bearish", "volatile", "profitable", "overvalued", "taxable"],
  },
  {
    cond: ["laptop", "smartphone", "server", "router", "database", "browser"],
    measure: ["battery", "memory", "latency", "firmware", "bandwidth"],
    adj: ["slow", "encrypted", "wireless", "buggy", "offline", "upgraded"],
  },
];

// Frames shared by every class: the topic is carried by the slot words, as in real requests.
// {place} {time} {ask} are shared slots; {cond} {measure} {adj} come from the class's lexicon.
const SHARED_FRAMES = [
  "{ask} about the {cond} {time}",
  "what is the latest on {cond} in {place}",
  "{ask} the {measure} {time}",
  "is the {measure} {adj} {time}",
  "news about {adj} {cond} in {place}",
  "why is everyone talking about the {measure}",
  "give me a summary of {cond} and {measure}",
  "how will the {cond} affect {place} {time}",
  "any update on the {measure} for {place}",
  "{ask} if the {cond} looks {adj}",
  "compare the {measure} with last year",
  "write a short note on {adj} {cond}",
];

// Frames only one class uses.
const CLASS_FRAMES: string[][] = [
  [
    "should i bring an umbrella for the {cond} {time}",
    "will it be {adj} in {place} {time}",
    "is the {measure} going to drop tonight",
    "do i need a coat if it is {adj}",
  ],
  [
    "who won the {adj} {cond} {time}",
    "which team leads the {measure}",
    "did the striker score in the {cond}",
    "tickets for the {adj} {cond} in {place}",
  ],
  [
    "should i buy {cond} {time}",
    "is my portfolio of {cond} too {adj}",
    "the central bank moved the {measure}",
    "how much tax do i pay on {cond}",
  ],
  [
    "my {cond} is {adj} after the update",
    "how do i fix the {measure} on my {cond}",
    "reboot the {cond} to improve {measure}",
    "install the new {measure} on the {cond}",
  ],
];

/**
 * Held-out frames: shared frames 8..11 and each class's frame 3 are never used in training.
 */
export const HELD_OUT_SHARED = 8;
export const HELD_OUT_CLASS = 3;

function fill(template: string, label: number, rand: () => number): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    const options = SHARED[slot] ?? LEXICON[label]![slot];
    if (options === undefined) throw new Error(`unknown slot ${slot}`);
    return options[Math.floor(rand() * options.length)]!;
  });
}

/**
 * Generates the data set.
 *
 * @param seed PRNG seed.
 * @param perFrame Sentences generated per frame and class.
 * @returns Training examples and held-out examples (from frames never used in training).
 */
export function generateDataset(seed = 4, perFrame = 12): { train: Example[]; test: Example[] } {
  const rand = mulberry32(seed);
  const train: Example[] = [];
  const test: Example[] = [];
  LABELS.forEach((_, label) => {
    const frames = [
      ...SHARED_FRAMES.map((frame, i) => ({ frame, heldOut: i >= HELD_OUT_SHARED })),
      ...CLASS_FRAMES[label]!.map((frame, i) => ({ frame, heldOut: i >= HELD_OUT_CLASS })),
    ];
    for (const { frame, heldOut } of frames) {
      for (let n = 0; n < perFrame; n++) {
        (heldOut ? test : train).push({ text: fill(frame, label, rand), label });
      }
    }
  });
  return { train, test };
}
