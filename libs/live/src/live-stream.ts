import type { FastifyReply } from 'fastify';
import { EventStream, startEventStream } from '@flash/http';
import type { StreamKind, StreamOwner, StreamSlots } from './stream-slots';

/** Why a stream was refused: its caller holds enough streams already, or this instance does. */
export type StreamRefusal = 'caller_full' | 'instance_full';

/** An opened stream, or the refusal the caller answers (nothing was read or sent). */
export type LiveStreamOpening = { kind: 'opened'; stream: EventStream } | { kind: StreamRefusal };

/**
 * Takes a slot first (or refuses before anything is read or sent: a refusal costs no Redis
 * call), then `prepare`s what the stream starts with, opens the event stream and starts
 * following with `follow`, which returns how to stop. Whoever closes the stream, the
 * following stops and the slot is given back, once; a `prepare` that throws gives it back too.
 */
export async function openLiveStream<T>(
  reply: FastifyReply,
  slots: StreamSlots,
  kind: StreamKind,
  owner: StreamOwner,
  prepare: () => Promise<T>,
  follow: (stream: EventStream, prepared: T) => () => void,
): Promise<LiveStreamOpening> {
  const slot = slots.open(kind, owner);
  if (!slot.ok) return { kind: slot.full === 'owner' ? 'caller_full' : 'instance_full' };
  let prepared: T;
  try {
    prepared = await prepare();
  } catch (err) {
    slot.release();
    throw err;
  }
  let stop = () => {};
  const stream = startEventStream(reply, () => {
    stop();
    slot.release();
  });
  stop = follow(stream, prepared);
  return { kind: 'opened', stream };
}
