import { Type } from 'typebox';
import { Id, Nullable, StrictObject } from '../http/schemas.ts';

const Password = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'the signer re-enters their password',
});
const Comment = Type.Optional(Nullable(Type.String({ maxLength: 2000 })));

export const RecordTypeSchema = Type.Union([Type.Literal('calibration_record'), Type.Literal('work_order')]);
export const MeaningSchema = Type.Union([
  Type.Literal('performed'),
  Type.Literal('reviewed'),
  Type.Literal('approved'),
]);

/** A signature given with the action it signs (recording a calibration, completing a work order): meaning "performed". */
export const InlineSignatureBody = StrictObject({ password: Password, comment: Comment });

export const SignBody = StrictObject({
  entity_type: RecordTypeSchema,
  entity_id: Id,
  meaning: MeaningSchema,
  password: Password,
  comment: Comment,
});

export const SignatureSchema = Type.Object({
  id: Type.Integer(),
  entity_type: Type.String(),
  entity_id: Type.Integer(),
  meaning: Type.String({ description: 'performed | reviewed | approved' }),
  user_id: Type.Integer(),
  signer_name: Type.String(),
  signed_at: Type.String(),
  content_hash: Type.String({ description: 'SHA-256 of the signed record content' }),
  signature_hash: Type.String({ description: 'SHA-256 over content hash, signer, meaning and time' }),
  comment: Nullable(Type.String()),
});

export const RecordSignaturesSchema = Type.Object({
  entity_type: Type.String(),
  entity_id: Type.Integer(),
  items: Type.Array(SignatureSchema),
  signature_required: Type.Boolean(),
  approval_required: Type.Boolean(),
  status: Type.String({ description: 'approved | reviewed | signed | unsigned' }),
  awaiting_signature: Type.Boolean(),
  awaiting_approval: Type.Boolean(),
});

export const PolicySchema = Type.Object({
  record_type: Type.String(),
  signature_required: Type.Boolean({ description: 'completing needs the performer’s signature' }),
  approval_required: Type.Boolean({ description: 'a second person’s approval is mandatory' }),
  updated_at: Nullable(Type.String()),
  updated_by: Nullable(Type.Integer()),
});
