import { v7 } from 'uuid';

/** A new UUIDv7: time-ordered, so inserts append to the primary-key index. */
export function newId(): string {
  return v7();
}
