import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadComposeFile } from '../compose/compose-file';
import { OFFICIAL_IMAGES, standInRecipe } from './stand-in-images';

const ROOT = join(__dirname, '..', '..');

describe('the stand-ins for the official images', () => {
  const compose = loadComposeFile(join(ROOT, 'docker-compose.yml'), {});
  const built = Object.values(compose.services).find((s) => s.build)?.image;
  const named = new Set(
    Object.values(compose.services)
      .map((s) => s.image)
      .filter((image): image is string => Boolean(image) && image !== built),
  );
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  for (const [, image] of dockerfile.matchAll(/^FROM (\S+)/gm)) named.add(image);

  it('cover every image docker-compose.yml and the Dockerfile name, and nothing else', () => {
    expect(OFFICIAL_IMAGES.map((i) => i.tag).sort()).toEqual([...named].sort());
  });

  it.each(OFFICIAL_IMAGES.filter((i) => i.standIn).map((i) => [i.tag, i.standIn!]))(
    '%s: a Dockerfile that says what it stands in for and what it reproduces',
    (tag, dir) => {
      const file = join(__dirname, 'stand-ins', dir, 'Dockerfile');
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, 'utf8');
      const header = `# Stand-in for ${tag.replace(/:v[\d.]+$/, '')}, built only when the official image cannot be pulled`;
      expect(text.startsWith(header)).toBe(true);
      // What official behaviour it reproduces: a comment of more than the header line.
      expect(text.split('\n')[1]).toMatch(/^# \S/);
    },
  );

  it('label each build with a recipe of its own files, so that an edited stand-in is built again', () => {
    const dirs = OFFICIAL_IMAGES.flatMap((i) => (i.standIn ? [i.standIn] : []));
    const recipes = dirs.map(standInRecipe);
    expect(new Set(recipes).size).toBe(dirs.length);
    expect(recipes.map((r) => r.split('@')[0])).toEqual(dirs);
    expect(dirs.map(standInRecipe)).toEqual(recipes);
  });
});
