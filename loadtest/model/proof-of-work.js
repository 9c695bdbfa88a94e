// @ts-check

/**
 * A hashcash solver for load drivers that hash in hex (k6's crypto.sha256 answers hex): the
 * same search as the server's solver, so a solution it finds is the one the server would.
 * The server checks SHA-256 of `<challenge>:<solution>` for leading zero bits; solutions
 * count up in base 36. Plain ES2019 for k6's runtime.
 */

/**
 * Leading zero bits of a digest written in hex.
 * @param {string} hex
 */
export function hexLeadingZeroBits(hex) {
  let bits = 0;
  for (let k = 0; k < hex.length; k++) {
    const nibble = parseInt(hex[k], 16);
    if (nibble === 0) {
      bits += 4;
      continue;
    }
    return bits + Math.clz32(nibble) - 28;
  }
  return bits;
}

/**
 * The first solution of `challenge` at `difficulty` bits.
 * @param {string} challenge
 * @param {number} difficulty
 * @param {(input: string) => string} sha256Hex
 * @param {number} [maxTries]
 * @returns {string}
 */
export function solveWithHex(challenge, difficulty, sha256Hex, maxTries) {
  const limit = maxTries || Math.pow(2, 32);
  for (let n = 0; n < limit; n++) {
    const solution = n.toString(36);
    if (hexLeadingZeroBits(sha256Hex(challenge + ':' + solution)) >= difficulty) return solution;
  }
  throw new Error('no solution in ' + limit + ' tries');
}
