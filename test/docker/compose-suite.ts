import type { ProfileFigures } from './compose-figures';
import { recordProfile } from './compose-figures';
import { ComposeStack } from './compose-stack';

/** What a profile's suite records beside the stack's own figures. */
export type SuiteRecord = Pick<ProfileFigures, 'profile' | 'notes'> &
  Partial<Pick<ProfileFigures, 'driver' | 'images'>>;

/**
 * One profile's suite around a ComposeStack: opened (cloned, images made available) before
 * the tests, and after them its figures recorded, once it came up, then `down -v` whatever
 * happened. Returns the stack, for the tests to use.
 */
export function composeSuite(o: {
  images: string[];
  env?: Record<string, string>;
  record: (stack: ComposeStack) => SuiteRecord;
}): () => ComposeStack {
  let stack: ComposeStack | undefined;
  beforeAll(async () => {
    stack = await ComposeStack.open(o.images, o.env);
  }, 1_800_000);
  afterAll(() => {
    if (!stack) return;
    try {
      if (stack.upSeconds > 0) recordProfile({ ...stack.figures(), ...o.record(stack) });
    } finally {
      stack.down();
    }
  });
  return () => {
    if (!stack) throw new Error('the compose stack did not open');
    return stack;
  };
}
