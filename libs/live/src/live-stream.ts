import type { FastifyReply } from 'fastify';
import { ApiError, ErrorCode, EventStream, startEventStream } from '@flash/http';
import { StreamKind, StreamOwner, StreamSlots } from './stream-slots';

/** A stream slot, or the 429 (this caller holds enough) or 503 (this instance does) to answer. */
function takeSlot(
  slots: StreamSlots,
  kind: StreamKind,
  owner: StreamOwner,
): { release: () => void } {
  const slot = slots.open(kind, owner);
  if (slot.ok) return slot;
  if (slot.full === 'owner') {
    throw new ApiError(
      429,
      ErrorCode.RateLimited,
      'too many open event streams for this caller',
      5,
    );
  }
  throw ApiError.unavailable('this instance follows as many streams as it can');
}

/**
 * Takes a slot first (or throws the 429/503 before anything is read or sent: a refusal costs
 * no Redis call), then `prepare`s what the stream starts with, opens the event stream and
 * starts following with `follow`, which returns how to stop. Whoever closes the stream, the
 * following stops and the slot is given back, once; a `prepare` that throws gives it back too.
 */
export async function openLiveStream<T>(
  reply: FastifyReply,
  slots: StreamSlots,
  kind: StreamKind,
  owner: StreamOwner,
  prepare: () => Promise<T>,
  follow: (stream: EventStream, prepared: T) => () => void,
): Promise<EventStream> {
  const slot = takeSlot(slots, kind, owner);
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
  return stream;
}
