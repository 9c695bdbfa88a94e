import type { ValueTransformer } from 'typeorm';

/** Postgres bigint comes back as a string; minor-unit amounts here stay far below 2^53. */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
