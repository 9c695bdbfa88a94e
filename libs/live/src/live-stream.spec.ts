import type { FastifyReply } from 'fastify';
import { TEST_SECRETS, loadConfig } from '@flash/config';
import { openLiveStream } from './live-stream';
import { StreamSlots } from './stream-slots';

describe('openLiveStream', () => {
  const slots = () =>
    new StreamSlots(
      loadConfig({ NODE_ENV: 'test', ...TEST_SECRETS, SSE_STREAMS_PER_ADDRESS: '1' }),
    );
  const reply = () =>
    ({
      hijack: () => undefined,
      raw: {
        writeHead: () => undefined,
        write: () => true,
        end: () => undefined,
        on: () => undefined,
        writableLength: 0,
      },
    }) as unknown as FastifyReply;

  it('takes the slot before reading anything: a refused stream costs no read', async () => {
    const s = slots();
    let reads = 0;
    const prepare = () => {
      reads++;
      return Promise.resolve('state');
    };
    const opened = await openLiveStream(
      reply(),
      s,
      'stock',
      { address: '10.0.0.1' },
      prepare,
      () => () => {},
    );
    await expect(
      openLiveStream(reply(), s, 'stock', { address: '10.0.0.1' }, prepare, () => () => {}),
    ).resolves.toEqual({ kind: 'caller_full' });
    expect(reads).toBe(1);
    expect(opened.kind).toBe('opened');
    if (opened.kind === 'opened') opened.stream.close();
    expect(s.size).toBe(0);
  });

  it('gives the slot back when what the stream starts with cannot be read', async () => {
    const s = slots();
    const failing = () => Promise.reject(new Error('no such sale'));
    await expect(
      openLiveStream(reply(), s, 'stock', { address: '10.0.0.2' }, failing, () => () => {}),
    ).rejects.toThrow('no such sale');
    expect(s.size).toBe(0);
  });
});
