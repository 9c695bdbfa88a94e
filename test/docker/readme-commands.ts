import { readFileSync } from 'node:fs';

/**
 * The README's own commands, read from it, so that a change to the README is what gets
 * tested: the compose line of "Two commands", the line that runs the demo against it, and
 * the load driver's lines.
 */
export interface ReadmeCommands {
  /** `docker compose up --build`, as written (the test adds `-d`). */
  composeUp: string;
  /** `npm ci && npm run build && npm run demo`. */
  demo: string;
  /** The driver's lines (`npm run loadtest -- …`). */
  loadtest: string[];
}

export function readmeCommands(readmePath: string): ReadmeCommands {
  const lines = readFileSync(readmePath, 'utf8')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim());
  const find = (test: (line: string) => boolean, what: string) => {
    const line = lines.find(test);
    if (!line) throw new Error(`README.md has no ${what} line`);
    return line;
  };
  return {
    composeUp: find((l) => /^docker compose up --build$/.test(l), '`docker compose up --build`'),
    demo: find((l) => l.endsWith('npm run demo') && l.startsWith('npm ci'), 'demo'),
    loadtest: lines.filter((l) => l.startsWith('npm run loadtest -- ')),
  };
}

/** The demo's output: its variables, and the curl lines to run with them. */
export interface DemoOutput {
  vars: Record<string, string>;
  opensAt: Date;
  curls: string[];
}

export function parseDemo(output: string): DemoOutput {
  const vars: Record<string, string> = {};
  const curls: string[] = [];
  let opensAt: Date | null = null;
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const assignment = /^([A-Z]+)='?([^'<]*)'?$/.exec(line);
    if (assignment) vars[assignment[1]] = assignment[2];
    const opening = /opening at (\S+)/.exec(line);
    if (opening) opensAt = new Date(opening[1]);
    if (line.startsWith('curl ')) {
      // A line ending in a backslash goes on.
      let command = line;
      while (command.endsWith('\\')) command = `${command.slice(0, -1)} ${lines[++i].trim()}`;
      curls.push(command.replace(/\s+#.*$/, ''));
    }
  }
  if (!opensAt) throw new Error(`the demo printed no opening time:\n${output}`);
  return { vars, opensAt, curls };
}
