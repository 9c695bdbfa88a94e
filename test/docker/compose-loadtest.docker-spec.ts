import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintToken } from '../../loadtest/bench/bench-support';
import { loadComposeFile } from '../compose/compose-file';

import { dockerLog } from './compose-stack';
import { composeSuite } from './compose-suite';
import { OFFICIAL_IMAGES, ensureImage } from './stand-in-images';

const K6 = OFFICIAL_IMAGES.find((i) => i.tag.startsWith('grafana/k6:'))!;
/** k6 has no stand-in image: its run happens where its image can be pulled, and is skipped here. */
const k6 = ensureImage(K6, dockerLog);
if (k6 === 'unavailable')
  dockerLog(`${K6.tag} cannot be pulled and has no stand-in: the k6 service is skipped`);
const withK6 = k6 === 'unavailable' ? it.skip : it;

/**
 * The profile loadtest: every service of it but k6 comes up (k6's image is the one that
 * cannot be had here), and what k6 would read from the stack is checked: the secrets file
 * compose mounts at /secrets signs tokens the API accepts. Where k6's image can be pulled,
 * the README's `docker compose --profile loadtest run` line runs a 1 % sale inside the network.
 */
describe('docker compose on a real engine: the profile loadtest', () => {
  const notes: string[] = [];

  const stack = composeSuite({
    images: ['node:26-trixie-slim', 'redis:7-alpine', 'postgres:16-alpine'],
    // What the k6 run reads, where it can run: a 1 % youth-2012 as fast as it goes.
    env: { SCENARIO: 'youth-2012', MODE: 'max', SCALE: '0.01' },
    record: (stack) => {
      if (k6 === 'unavailable')
        notes.push(
          `\`${K6.tag}\` cannot be pulled here and has no stand-in: the \`k6\` service was skipped, and every other service of the profile ran.`,
        );
      return {
        profile: 'loadtest',
        images: { ...stack.images, [K6.tag]: k6 },
        notes,
      };
    },
  });

  it('comes up healthy: every service of the profile but k6', async () => {
    // The profile's services: those without a profile, and those of this one.
    const file = loadComposeFile(join(stack().clone, 'docker-compose.yml'), {});
    const services = Object.entries(file.services)
      .filter(([, s]) => !s.profiles || s.profiles.includes('loadtest'))
      .map(([name]) => name);
    expect(services).toContain('k6');
    // k6 is a one-off (`run --rm k6`), not a service to keep up.
    const others = services.filter((s) => s !== 'k6');
    stack().up('loadtest', others);
    const states = await stack().waitHealthy(['api', 'worker']);
    expect(states).toEqual({ api: 'healthy', worker: 'healthy' });
    expect(stack().containers('k6')).toEqual([]);
    notes.push(`Up without k6: ${others.join(', ')}.`);
  }, 1_500_000);

  it('gives k6 (through the mounted ./.secrets) the secret that signs tokens the API accepts', async () => {
    const secrets = JSON.parse(
      readFileSync(join(stack().clone, '.secrets', 'secrets.json'), 'utf8'),
    ) as { JWT_SECRET: string };
    const ask = async (secret: string) =>
      (
        await fetch(`${stack().apiUrl}/admin/sales`, {
          headers: { authorization: `Bearer ${mintToken('k6-admin', secret, true)}` },
        })
      ).status;
    expect(await ask(secrets.JWT_SECRET)).toBe(200);
    expect(await ask('x'.repeat(48))).toBe(401);
    notes.push(
      "The secrets file compose mounts into k6 at /secrets signs admin tokens the stack's API accepts (and another secret's are refused).",
    );
  });

  withK6(
    "runs the README's k6 line inside the compose network: a 1 % sale",
    () => {
      const ran = stack().compose(['--profile', 'loadtest', 'run', '--rm', 'k6'], 900_000);
      expect({ status: ran.status, out: ran.status === 0 ? '' : ran.stdout + ran.stderr }).toEqual({
        status: 0,
        out: '',
      });
      notes.push('k6 ran youth-2012 at 1 % inside the compose network, every threshold held.');
    },
    900_000,
  );
});
