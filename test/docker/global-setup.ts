import { ensureEngine } from './docker-engine';

/**
 * Before any suite loads: an engine that answers (dockerd started here when it is installed
 * and idle), so that suites can ask at load time which images can be had.
 */
export default async function globalSetup(): Promise<void> {
  await ensureEngine((line) => process.stdout.write(`[docker] ${line}\n`));
}
