import { ApiError, ErrorCode } from '@flash/http';
import { StreamKind, StreamOwner, StreamSlots } from './stream-slots';

/** A stream slot, or the 429 (this caller holds enough) or 503 (this instance does) to answer. */
export function takeSlot(
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
