/**
 * The part of proof of work that every solver shares, the pages' Web Worker included: it
 * imports nothing, so a browser bundle can take it as it is.
 */

/** A solution: 1 to 32 of [A-Za-z0-9]; solvers count in base 36. */
export const SOLUTION_PATTERN = /^[A-Za-z0-9]{1,32}$/;

/** What is hashed, and what the `Proof-Of-Work` header carries: `<challenge>:<solution>`. */
export function proofOfWorkHeader(challenge: string, solution: string): string {
  return `${challenge}:${solution}`;
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}
