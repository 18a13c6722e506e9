import type { Meaning } from '../../lib/api-types.ts';

export type {
  Meaning,
  RecordSignatures,
  RecordType,
  Signature,
  SignaturePolicy,
  SignInput,
} from '../../lib/api-types.ts';

export const MEANING_WORD: Record<string, string> = {
  performed: 'Performed',
  reviewed: 'Reviewed',
  approved: 'Approved',
} satisfies Record<Meaning, string>;
