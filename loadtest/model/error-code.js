// @ts-check
/**
 * The code of a refusal as the API's error envelope carries it (`{"error":{"code":...}}`), or
 * the status when the body has none (a balancer's or proxy's page, an empty body): how the
 * driver and k6 both count what they were answered.
 */

/**
 * @param {number} status
 * @param {string | null | undefined} body
 * @returns {string}
 */
export function errorCodeOf(status, body) {
  /** @type {{ error?: { code?: unknown } } | null} */
  let parsed = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- any JSON; narrowed below
    parsed = JSON.parse(body || '{}');
  } catch {
    return String(status);
  }
  const code = parsed && parsed.error ? parsed.error.code : undefined;
  return typeof code === 'string' ? code : String(status);
}
