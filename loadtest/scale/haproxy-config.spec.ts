import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { COMPOSE_HAPROXY, haproxyConfig } from './haproxy-config';

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
