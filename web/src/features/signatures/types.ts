export type RecordType = 'calibration_record' | 'work_order';
export type Meaning = 'performed' | 'reviewed' | 'approved';

export interface Signature {
  id: number;
  entity_type: RecordType;
  entity_id: number;
  meaning: Meaning;
  user_id: number;
  signer_name: string;
  signed_at: string;
  content_hash: string;
  signature_hash: string;
  comment: string | null;
}

export interface RecordSignatures {
  entity_type: RecordType;
  entity_id: number;
  items: Signature[];
  signature_required: boolean;
  approval_required: boolean;
  status: 'approved' | 'reviewed' | 'signed' | 'unsigned';
  awaiting_signature: boolean;
  awaiting_approval: boolean;
}

export interface SignaturePolicy {
  record_type: RecordType;
  signature_required: boolean;
  approval_required: boolean;
}

export const MEANING_WORD: Record<Meaning, string> = {
  performed: 'Performed',
  reviewed: 'Reviewed',
  approved: 'Approved',
};
