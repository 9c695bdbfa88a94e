import { DEFAULT_SECRETS_DIR, SECRET_NAMES, SECRETS_FILE, loadOrCreateSecrets } from './secrets';
import {
  REDIS_CONF_FILE,
  STACK_PASSWORD_FILES,
  loadOrCreateStackPasswords,
  shareSecrets,
} from './stack-passwords';

/**
 * compose's first service: makes sure the install's secrets exist in SECRETS_DIR (the host's
 * `./.secrets`) before any server starts (Redis reads its password from there). Generates what
 * is missing, never replaces what is there, hands the files to the apps' uid and the host's
 * group (SECRETS_UID), and prints the files' names, never their contents.
 */
function main(): void {
  const dir = process.env.SECRETS_DIR?.trim() || DEFAULT_SECRETS_DIR;
  const files: string[] = [];
  // The apps' three secrets, unless the environment sets them (then the apps use those).
  if (!SECRET_NAMES.some((name) => process.env[name] || process.env[`${name}_FILE`])) {
    loadOrCreateSecrets(dir);
    files.push(SECRETS_FILE);
  }
  loadOrCreateStackPasswords(dir);
  files.push(STACK_PASSWORD_FILES.redis, STACK_PASSWORD_FILES.database, REDIS_CONF_FILE);
  // SECRETS_UID: compose's generator runs as root, for apps that run as another user. Run as
  // anyone else (compose's file run as local processes), the apps are that user: nothing to do.
  const appUid = process.env.SECRETS_UID?.trim();
  if (appUid) {
    if (!/^\d+$/.test(appUid))
      throw new Error(`SECRETS_UID must be a numeric uid (got "${appUid}")`);
    if (process.getuid?.() === 0) shareSecrets(dir, files, Number(appUid));
  }
  console.log(`secrets: ready in ${dir} (${files.join(', ')})`);
}

try {
  main();
} catch (err) {
  console.error(`secrets: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
