import { api } from './api';
import type { SolveReport, SolveRequest } from './proof-of-work.worker';

/** What solving took, for the page to show (and the browser benchmark to read). */
export interface ProofOfWork {
  /** The `Proof-Of-Work` header's value. */
  header: string;
  tries: number;
  ms: number;
}

/**
 * Asks the server for a challenge and solves it in a Web Worker, so the page stays responsive
 * while the hashes run. Each registration and queue join spends one.
 */
export async function proveWork(
  saleId: string,
  token: string,
  onProgress: (tries: number) => void = () => undefined,
): Promise<ProofOfWork> {
  const issued = await api<{ challenge: string; difficulty: number }>(
    'POST',
    `/sales/${saleId}/challenge`,
    { token },
  );
  const { challenge, difficulty } = issued.body;
  const started = performance.now();
  const worker = new Worker(new URL('./proof-of-work.worker.ts', import.meta.url), {
    type: 'module',
  });
  try {
    const solved = await new Promise<{ solution: string; tries: number }>((resolve, reject) => {
      worker.onmessage = ({ data }: MessageEvent<SolveReport>) => {
        if (data.kind === 'progress') onProgress(data.tries);
        else resolve(data);
      };
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage({ challenge, difficulty } satisfies SolveRequest);
    });
    return {
      header: `${challenge}:${solved.solution}`,
      tries: solved.tries,
      ms: performance.now() - started,
    };
  } finally {
    worker.terminate();
  }
}
