import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { COMPOSE_HAPROXY, STATS_PASSWORD_VARIABLE, haproxyConfig } from './haproxy-config';
import { RunningProcess, freePort, spawnProcess, stopProcess } from '../bench/processes';

const ROOT = join(__dirname, '..', '..');

/** What `haproxy -c` says of a configuration: null when it is valid. */
function haproxyRejects(config: string): string | null {
  const file = join(mkdtempSync(join(tmpdir(), 'haproxy-check-')), 'haproxy.cfg');
  writeFileSync(file, config);
  try {
    execFileSync('haproxy', ['-c', '-f', file], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer };
    return `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`;
  }
}

describe('the HAProxy configuration', () => {
  it('compose mounts exactly what the generator writes', () => {
    expect(readFileSync(join(ROOT, 'deploy', 'haproxy', 'haproxy.cfg'), 'utf8')).toBe(
      COMPOSE_HAPROXY,
    );
  });

  it('has a server slot for every API replica of the scale profile, on its port', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as {
      services: Record<string, { deploy?: { replicas?: number }; volumes?: string[] }>;
    };
    const replicas = compose.services['api-scale'].deploy?.replicas;
    expect(COMPOSE_HAPROXY).toContain(`server-template api ${replicas} api-scale:3000 `);
    expect(compose.services.lb.volumes).toContain(
      './deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro',
    );
  });

  it('retries on another instance only a request that never reached one', () => {
    expect(COMPOSE_HAPROXY).toMatch(/^ {2}retry-on conn-failure$/m);
    expect(COMPOSE_HAPROXY).toContain('option httpchk GET /health');
  });

  it('is accepted by haproxy itself, in both forms', () => {
    const loopback = haproxyConfig({
      bind: '127.0.0.1:3080',
      backends: { kind: 'servers', addresses: ['127.0.0.1:1', '127.0.0.1:2'] },
    });
    expect(haproxyRejects(loopback)).toBeNull();
    expect(haproxyRejects(COMPOSE_HAPROXY)).toBeNull();
  });
});

/** Waits (at most 10 s) until the balancer answers at all: its backend is down, so 503. */
async function listening(balancer: RunningProcess, url: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (balancer.child.exitCode !== null) throw new Error(`haproxy exited:\n${balancer.output()}`);
    const res = await fetch(url).catch(() => null);
    await res?.arrayBuffer();
    if (res) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`haproxy did not listen:\n${balancer.output()}`);
}

describe("the balancer's statistics page", () => {
  /** A balancer with a statistics page, given this password, and what the page answers. */
  async function statsAnswer(password: string, credentials?: string): Promise<number | 'none'> {
    const [port, statsPort] = await Promise.all([freePort(), freePort()]);
    const file = join(mkdtempSync(join(tmpdir(), 'haproxy-stats-')), 'haproxy.cfg');
    writeFileSync(
      file,
      haproxyConfig({
        bind: `127.0.0.1:${port}`,
        backends: { kind: 'servers', addresses: ['127.0.0.1:1'] },
        statsBind: `127.0.0.1:${statsPort}`,
      }),
    );
    const balancer = spawnProcess('haproxy', ['-db', '-f', file], {
      [STATS_PASSWORD_VARIABLE]: password,
    });
    try {
      await listening(balancer, `http://127.0.0.1:${port}/`);
      const headers: Record<string, string> = credentials
        ? { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` }
        : {};
      const res = await fetch(`http://127.0.0.1:${statsPort}/stats`, { headers }).catch(() => null);
      await res?.arrayBuffer();
      return res ? res.status : 'none';
    } finally {
      await stopProcess(balancer);
    }
  }

  it('does not exist without a password', async () => {
    expect(await statsAnswer('')).toBe('none');
  });

  it('asks for the password, and opens to it', async () => {
    expect(await statsAnswer('s3cret-stats')).toBe(401);
    expect(await statsAnswer('s3cret-stats', 'ops:wrong')).toBe(401);
    expect(await statsAnswer('s3cret-stats', 'ops:s3cret-stats')).toBe(200);
  });
});
