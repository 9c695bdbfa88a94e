import { sha256 } from '@noble/hashes/sha2';
import { leadingZeroBits, proofOfWorkHeader } from '../../../libs/bot-defence/src/work-bits';

export interface Solved {
  solution: string;
  /** Hashes it took, this one included. */
  tries: number;
}

const encoder = new TextEncoder();

/**
 * Counts solutions n = from, from + 1, ... (in base 36) for at most `count` tries and gives
 * back the first whose hash has `difficulty` leading zero bits, or null. The challenge's
 * blocks are hashed once and the state cloned for each try, as the server's solver does.
 */
export function searchSolution(
  challenge: string,
  difficulty: number,
  from: number,
  count: number,
): Solved | null {
  const prefix = sha256.create().update(encoder.encode(proofOfWorkHeader(challenge, '')));
  for (let n = from; n < from + count; n++) {
    const solution = n.toString(36);
    const digest = prefix.clone().update(encoder.encode(solution)).digest();
    if (leadingZeroBits(digest) >= difficulty) return { solution, tries: n + 1 };
  }
  return null;
}
