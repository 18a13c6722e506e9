import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { useSign } from '../api/signatures.ts';
import { MEANING_WORD, type Meaning, type RecordType } from '../types.ts';

interface Props {
  entityType: RecordType;
  entityId: number;
  /** What the record is, in words ("Calibration #12 of PT-101"). */
  subject: string;
  /** The meanings this user may pick here. */
  meanings: Meaning[];
  onClose: () => void;
}

/**
 * The electronic signature (21 CFR Part 11 meaning): the signer re-enters the password and picks
 * what the signature means. The server checks the password, who may sign what, and stores the
 * SHA-256 of the signed content with the signature.
 */
export function SignatureDialog({ entityType, entityId, subject, meanings, onClose }: Props) {
  const sign = useSign();
  const [meaning, setMeaning] = useState<Meaning>(meanings[0] ?? 'reviewed');
  const [password, setPassword] = useState('');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!password) {
      setError('Re-enter your password to sign');
      return;
    }
    setError(null);
    sign.mutate(
      { entity_type: entityType, entity_id: entityId, meaning, password, comment: comment.trim() || null },
      { onSuccess: onClose, onError: () => setPassword('') },
    );
  };

  return (
    <Modal
      title="Electronic signature"
      onClose={onClose}
      footer={
        <FormFooter
          formId="signature-form"
          onCancel={onClose}
          pending={sign.isPending}
          pendingLabel="Signing…"
          label="Sign"
        />
      }
    >
      <p>
        You are signing <strong>{subject}</strong>. Your name, the time, the meaning and a SHA-256 hash of the
        record as it stands now are stored and printed with it.
      </p>
      <form id="signature-form" onSubmit={submit} noValidate>
        <Field label="Meaning of the signature" required>
          {(p) => (
            <select {...p} value={meaning} onChange={(e) => setMeaning(e.target.value as Meaning)}>
              {meanings.map((m) => (
                <option key={m} value={m}>
                  {MEANING_WORD[m]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Password" error={error} required hint="Re-enter your own password to sign.">
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <Field label="Comment">
          {(p) => (
            <input {...p} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
          )}
        </Field>
        <FormError error={sign.error} />
      </form>
    </Modal>
  );
}
