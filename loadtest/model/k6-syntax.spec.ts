import { Program, parse } from 'acorn';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * k6 loads these files itself. Its JavaScript runtime (goja, in the k6 that compose pins)
 * takes ES modules up to about ES2019: no `??`, no `?.`, no numeric separators. Node and
 * TypeScript take all of those, so only this test notices.
 */
describe('the load model and the k6 script', () => {
  const model = readdirSync(__dirname)
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(__dirname, f));
  const files = [...model, join(__dirname, '..', 'k6', 'flash-sale.js')];
  const program = (file: string): Program =>
    parse(readFileSync(file, 'utf8'), { ecmaVersion: 2019, sourceType: 'module' });

  it.each(files.map((f) => [f.replace(/.*loadtest\//, 'loadtest/'), f]))(
    '%s parses as an ES2019 module',
    (_name, file) => {
      expect(() => program(file)).not.toThrow();
    },
  );

  it('the model imports nothing but its own files, so k6 and Node load it alike', () => {
    expect(model.length).toBeGreaterThanOrEqual(5);
    for (const file of model) {
      for (const node of program(file).body) {
        if (node.type === 'ImportDeclaration')
          expect(node.source.value).toMatch(/^\.\/[a-z-]+\.js$/);
      }
    }
  });
});
