import { searchSolution } from './proof-of-work-solver';

/** What the page asks of the worker, and what it hears back. */
export interface SolveRequest {
  challenge: string;
  difficulty: number;
}
export type SolveReport =
  | { kind: 'progress'; tries: number }
  | { kind: 'solved'; solution: string; tries: number };

// Typed by hand: the pages' tsconfig has the DOM's types, not a worker's.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<SolveRequest>) => void) | null;
  postMessage(report: SolveReport): void;
};

/** Tries in slices, reporting between them, so the page can show that work is going on. */
const SLICE = 50_000;

scope.onmessage = ({ data }) => {
  for (let from = 0; ; from += SLICE) {
    const found = searchSolution(data.challenge, data.difficulty, from, SLICE);
    if (found) {
      scope.postMessage({ kind: 'solved', ...found });
      return;
    }
    scope.postMessage({ kind: 'progress', tries: from + SLICE });
  }
};
