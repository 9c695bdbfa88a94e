import { DEFAULT_SECRETS_DIR, SECRET_NAMES, SECRETS_FILE, loadOrCreateSecrets } from './secrets';
import {
  REDIS_CONF_FILE,
  STACK_PASSWORD_FILES,
  loadOrCreateStackPasswords,
} from './stack-passwords';

/**
 * compose's first service: makes sure the install's secrets exist in SECRETS_DIR before any
 * server starts (Redis reads its password from there). Generates what is missing, never
 * replaces what is there, and prints the files' names, never their contents.
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
  console.log(`secrets: ready in ${dir} (${files.join(', ')})`);
}

try {
  main();
} catch (err) {
  console.error(`secrets: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
