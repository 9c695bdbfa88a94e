import { randomInt } from 'node:crypto';

/**
 * Fisher-Yates with the operating system's CSPRNG: every order of the pre-queue is equally
 * likely, and nobody can predict the draw from earlier ones (Math.random could be).
 * Shuffles in place and returns the array.
 */
export function shuffleInPlace<T>(items: T[], random: (max: number) => number = randomInt): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random(i + 1);
    const swap = items[i];
    items[i] = items[j];
    items[j] = swap;
  }
  return items;
}
