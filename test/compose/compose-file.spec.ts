import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  commandOf,
  environmentOf,
  interpolate,
  loadComposeFile,
  portsOf,
  startOrder,
} from './compose-file';

describe('compose interpolation', () => {
  it('reads variables, defaults and escapes as Compose does', () => {
    const env = { SET: 'x', EMPTY: '' };
    expect(interpolate('${SET}-${UNSET}-$SET', env)).toBe('x--x');
    expect(interpolate('${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}', env)).toBe('d d  d');
    expect(interpolate('${SET:-d}', env)).toBe('x');
    expect(interpolate('cost: $$5 ${UNSET:-a-${SET}}', env)).toBe('cost: $5 a-x');
    expect(() => interpolate('${UNSET:?set it}', env)).toThrow('UNSET: set it');
  });
});

describe('compose file', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'compose-')), 'docker-compose.yml');
  writeFileSync(
    path,
    [
      'x-env: &env',
      '  A: ${A:-1}',
      'services:',
      '  db: { image: postgres, ports: ["127.0.0.1:${DB_PORT:-5432}:5432"] }',
      '  app:',
      '    command: node main.js --flag',
      '    environment: { <<: *env, B: 2, C: null }',
      '    depends_on: { db: { condition: service_healthy } }',
      '  job: { command: [node, job.js], environment: [X=1, Y], depends_on: [app] }',
    ].join('\n'),
  );

  it('merges anchors, interpolates and normalises the service fields', () => {
    const file = loadComposeFile(path, { DB_PORT: '6543' });
    expect(environmentOf(file.services.app)).toEqual({ A: '1', B: '2' });
    expect(environmentOf(file.services.job)).toEqual({ X: '1', Y: '' });
    expect(commandOf(file.services.app)).toEqual(['node', 'main.js', '--flag']);
    expect(portsOf(file.services.db)).toEqual([
      { hostIp: '127.0.0.1', hostPort: 6543, containerPort: 5432 },
    ]);
  });

  it('orders services after their dependencies', () => {
    const file = loadComposeFile(path, {});
    expect(startOrder(file, ['job'])).toEqual(['db', 'app', 'job']);
  });
});
