import { escapeXml } from '../driver/xml';

/**
 * Reading a V8 CPU profile (`node --cpu-prof`, the .cpuprofile format Chrome DevTools and
 * speedscope open): the samples of a time window, their cost per request by stage of the
 * purchase, folded stacks, and a flame graph as a self-contained SVG.
 */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  /** Monotonic clock, µs (the clock process.hrtime reads on Linux). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One sampled stack, root first, and the time it stands for (µs). */
export interface Sample {
  stack: CallFrame[];
  us: number;
}

/** The samples taken between `fromUs` and `toUs` on the profile's clock (all when omitted). */
export function samplesOf(profile: CpuProfile, fromUs = -Infinity, toUs = Infinity): Sample[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<number, CallFrame[]>();
  const stackOf = (id: number): CallFrame[] => {
    let stack = stacks.get(id);
    if (stack) return stack;
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame && frame.functionName !== '(root)') frames.unshift(frame);
    }
    stack = frames;
    stacks.set(id, stack);
    return stack;
  };
  const samples: Sample[] = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (t >= fromUs && t < toUs) samples.push({ stack: stackOf(profile.samples[i]), us });
  }
  return samples;
}

/** A stage of handling a purchase, recognised by the code a sampled frame belongs to. */
export interface Stage {
  name: string;
  matches: (frame: CallFrame) => boolean;
}

const inFile =
  (...parts: string[]) =>
  (f: CallFrame) =>
    parts.some((p) => f.url.includes(p));
const named =
  (...names: string[]) =>
  (f: CallFrame) =>
    names.includes(f.functionName);

/**
 * The stages of the API's purchase, most specific first: a sample counts for the first
 * stage that any of its frames, from the innermost outwards, belongs to.
 */
export const PURCHASE_STAGES: Stage[] = [
  { name: 'idle', matches: named('(idle)') },
  { name: 'garbage collection', matches: named('(garbage collector)') },
  { name: 'order id', matches: inFile('/order-id.') },
  { name: 'token check', matches: inFile('/libs/auth/') },
  {
    name: 'input validation',
    matches: inFile('/libs/http/src/validation', '/ajv/', 'api-schemas'),
  },
  { name: 'metrics', matches: inFile('/prom-client/', '/libs/metrics/') },
  { name: 'rate limit (throttler)', matches: inFile('/@nestjs/throttler/', '/libs/throttling/') },
  { name: 'Redis client (ioredis)', matches: inFile('/ioredis/', '/redis-parser/', '/denque/') },
  {
    name: 'purchase logic',
    matches: inFile(
      '/libs/sales/',
      '/libs/inventory/',
      '/apps/api/src/sales/',
      '/libs/waiting-room/',
    ),
  },
  { name: 'Nest (routing, guards, pipes)', matches: inFile('/@nestjs/', '/reflect-metadata/') },
  {
    name: 'Fastify',
    matches: inFile('/fastify/', '/find-my-way/', '/secure-json-parse/', '/fast-json-stringify/'),
  },
  {
    name: 'Node HTTP and sockets',
    matches: (f) =>
      /^node:(_http|net|internal\/(streams|http|net|stream_base|timers))/.test(f.url) ||
      ['writev', 'writeBuffer', 'writeUtf8String', 'onStreamRead'].includes(f.functionName),
  },
];

export interface StageCost {
  stage: string;
  /** CPU (or idle) time per request, µs. */
  usPerRequest: number;
  share: number;
}

/** Each stage's time divided by the requests served in the window, largest first. */
export function stageCosts(
  samples: Sample[],
  requests: number,
  stages = PURCHASE_STAGES,
): StageCost[] {
  const totals = new Map<string, number>();
  let all = 0;
  for (const s of samples) {
    const stage = stageOf(s.stack, stages);
    totals.set(stage, (totals.get(stage) ?? 0) + s.us);
    all += s.us;
  }
  return [...totals]
    .map(([stage, us]) => ({ stage, usPerRequest: us / requests, share: all ? us / all : 0 }))
    .sort((a, b) => b.usPerRequest - a.usPerRequest);
}

export function stageOf(stack: CallFrame[], stages = PURCHASE_STAGES): string {
  for (let i = stack.length - 1; i >= 0; i--) {
    for (const stage of stages) if (stage.matches(stack[i])) return stage.name;
  }
  return 'other';
}

/** A frame's label: the function, and the file it is in from node_modules or the repo on. */
export function frameLabel(f: CallFrame): string {
  const file = f.url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/dist\//, '');
  const name = f.functionName || '(anonymous)';
  return file ? `${name} ${file}:${f.lineNumber + 1}` : name;
}

/** Folded stacks ("root;child;leaf µs" per line), the input format of flamegraph.pl too. */
export function foldStacks(samples: Sample[]): Map<string, number> {
  const folded = new Map<string, number>();
  for (const s of samples) {
    if (s.us <= 0) continue;
    const key = s.stack.map(frameLabel).join(';') || '(no stack)';
    folded.set(key, (folded.get(key) ?? 0) + s.us);
  }
  return folded;
}

interface FlameNode {
  name: string;
  us: number;
  children: Map<string, FlameNode>;
}

function flameTree(folded: Map<string, number>): FlameNode {
  const root: FlameNode = { name: 'all', us: 0, children: new Map() };
  for (const [stack, us] of folded) {
    root.us += us;
    let node = root;
    for (const name of stack.split(';')) {
      let child = node.children.get(name);
      if (!child) node.children.set(name, (child = { name, us: 0, children: new Map() }));
      child.us += us;
      node = child;
    }
  }
  return root;
}

/**
 * A flame graph (root at the bottom, width proportional to time) as one SVG file with a
 * tooltip per frame. Frames narrower than `minWidth` pixels are left out.
 */
export function flameGraphSvg(folded: Map<string, number>, title: string, width = 1600): string {
  const root = flameTree(folded);
  const rowHeight = 17;
  const rects: string[] = [];
  let depth = 0;
  const draw = (node: FlameNode, x: number, level: number) => {
    const w = (node.us / root.us) * (width - 20);
    if (w < 0.3) return;
    depth = Math.max(depth, level);
    rects.push(frameRect(node, x, level, w, root.us));
    let childX = x;
    for (const child of [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, childX, level + 1);
      childX += (child.us / root.us) * (width - 20);
    }
  };
  draw(root, 10, 0);
  const height = (depth + 1) * rowHeight + 60;
  const placed = rects.map((r) =>
    r.replace(/Y\((\d+)\)/g, (_, l) => String(height - 30 - (Number(l) + 1) * rowHeight)),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="Verdana, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#f8f8f4"/>`,
    `<text x="${width / 2}" y="22" font-size="15" text-anchor="middle">${escapeXml(title)}</text>`,
    ...placed,
    '</svg>',
  ].join('\n');
}

function frameRect(node: FlameNode, x: number, level: number, w: number, total: number): string {
  const share = ((100 * node.us) / total).toFixed(2);
  const label = escapeXml(node.name);
  // Colour by the name, so the same function has the same colour everywhere.
  let hash = 0;
  for (const ch of node.name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const fill = `rgb(${205 + (hash % 50)},${80 + ((hash >>> 8) % 130)},${40 + ((hash >>> 16) % 50)})`;
  const chars = Math.floor((w - 6) / 6.6);
  const text =
    chars >= 3
      ? escapeXml(node.name.length > chars ? `${node.name.slice(0, chars - 2)}..` : node.name)
      : '';
  return (
    `<g><title>${label} (${share}%, ${(node.us / 1000).toFixed(1)} ms)</title>` +
    `<rect x="${x.toFixed(2)}" y="Y(${level})" width="${w.toFixed(2)}" height="16" fill="${fill}" rx="2"/>` +
    (text ? `<text x="${(x + 3).toFixed(2)}" y="Y(${level})" dy="12">${text}</text>` : '') +
    '</g>'
  );
}
