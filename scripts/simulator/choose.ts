/** A source of numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/** A whole number from `min` to `max`, both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One of `items`, each as likely as the others. */
export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('nothing to pick from');
  return items[Math.floor(random() * items.length)]!;
}

/** One of `items`, with a chance proportional to its weight. */
export function pickWeighted<T>(
  random: Random,
  items: readonly T[],
  weight: (item: T) => number,
): T {
  if (items.length === 0) throw new Error('nothing to pick from');
  const weights = items.map((item) => Math.max(0, weight(item)));
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return pick(random, items);
  let left = random() * total;
  for (const [i, w] of weights.entries()) {
    left -= w;
    if (left < 0) return items[i]!;
  }
  return items.at(-1)!;
}

/**
 * How strongly a restock favours an item: the emptier its shelf, the likelier, and four times
 * likelier again once it is below its reorder point.
 */
export function restockWeight(available: number, threshold: number): number {
  return (available < threshold ? 4 : 1) / (1 + Math.max(0, available));
}
