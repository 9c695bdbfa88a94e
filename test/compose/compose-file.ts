import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * docker-compose.yml as Compose reads it: YAML with merge keys, then `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}` and `$$` interpolated from an
 * environment. Enough of the Compose spec to run the file's own services as local
 * processes, with no Docker engine (`npm run test:docker` runs the file on a real one).
 */
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  working_dir?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  profiles?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  /** Named volumes (`name:` with no settings parses as null). */
  volumes?: Record<string, unknown>;
}

type Env = Record<string, string | undefined>;

export function interpolate(text: string, env: Env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = braced ?? bare!;
      const value = env[name];
      const missing = value === undefined || (colon === ':' && value === '');
      if (!op || !missing) return value ?? '';
      if (op === '?') throw new Error(`${name}: ${arg || 'required'}`);
      return interpolate(arg ?? '', env);
    },
  );
}

function interpolateAll(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)] as const),
    );
  return value;
}

export function loadComposeFile(path: string, env: Env): ComposeFile {
  const raw = parse(readFileSync(path, 'utf8'), { merge: true }) as unknown;
  const file = interpolateAll(raw, env) as ComposeFile;
  if (!file || typeof file.services !== 'object') throw new Error(`${path} has no services`);
  return file;
}

/** A service's environment as strings (the map form and the list form). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  return Object.fromEntries(
    Object.entries(env)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, String(v)]),
  );
}

export interface PortMapping {
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/** `127.0.0.1:3000:3000`, `3000:3000` or `3000`. */
export function portsOf(service: ComposeService): PortMapping[] {
  return (service.ports ?? []).map((spec) => {
    const parts = spec.split(':');
    const containerPort = Number(parts[parts.length - 1]);
    const hostPort = Number(parts.length > 1 ? parts[parts.length - 2] : containerPort);
    return { hostIp: parts.length > 2 ? parts[0] : '0.0.0.0', hostPort, containerPort };
  });
}

export function commandOf(service: ComposeService): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/).filter(Boolean);
}

/** Services in an order that starts each after what it depends on. */
export function startOrder(file: ComposeFile, names: string[]): string[] {
  const order: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new Error(`depends_on cycle: ${[...path, name].join(' -> ')}`);
    const service = file.services[name];
    if (!service) throw new Error(`no service ${name}`);
    const deps = service.depends_on ?? [];
    for (const dep of Array.isArray(deps) ? deps : Object.keys(deps)) visit(dep, [...path, name]);
    order.push(name);
  };
  for (const name of names) visit(name, []);
  return order;
}
