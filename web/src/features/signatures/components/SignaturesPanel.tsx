import { useState } from 'react';
import { EmptyState, QueryState } from '../../../components/Feedback.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useCurrentUser } from '../../../lib/session.ts';
import { useRecordSignatures } from '../api/signatures.ts';
import { MEANING_WORD, type Meaning, type RecordType } from '../types.ts';
import { SignatureDialog } from './SignatureDialog.tsx';

interface Props {
  entityType: RecordType;
  entityId: number;
  subject: string;
  /** The user who performed the work (signs "performed"; never reviews or approves it). */
  performerId: number | null;
  /** Whether the record is complete enough to sign. */
  signable: boolean;
}

/** The signatures of a record, where it stands against its policy, and the "Sign…" action. */
export function SignaturesPanel({ entityType, entityId, subject, performerId, signable }: Props) {
  const q = useRecordSignatures(entityType, entityId);
  const me = useCurrentUser();
  const [open, setOpen] = useState(false);
  return (
    <section className="panel" aria-label="Signatures">
      <h2>Electronic signatures</h2>
      <QueryState query={q} loadingLabel="Loading signatures…">
        {(s) => {
          const signed = new Set(s.items.map((i) => i.meaning));
          const mine: Meaning[] = (
            performerId === me.id || performerId === null ? ['performed'] : ['reviewed', 'approved']
          ).filter(
            (m) => !signed.has(m as Meaning) && (m !== 'approved' || me.role === 'admin'),
          ) as Meaning[];
          return (
            <>
              <p>
                Status: <strong data-testid="signature-status">{s.status}</strong>
                {s.awaiting_signature && <span className="badge severity-warning"> Signature required</span>}
                {s.awaiting_approval && <span className="badge severity-warning"> Approval required</span>}
              </p>
              {s.items.length === 0 ? (
                <EmptyState title="Not signed yet" />
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      <th>Meaning</th>
                      <th>Signed by</th>
                      <th>When</th>
                      <th>SHA-256 of the signed content</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.items.map((sg) => (
                      <tr key={sg.id}>
                        <td>{MEANING_WORD[sg.meaning]}</td>
                        <td>{sg.signer_name}</td>
                        <td>{formatDateTime(sg.signed_at)}</td>
                        <td>
                          <code title={`signature ${sg.signature_hash}`}>
                            {sg.content_hash.slice(0, 16)}…
                          </code>
                          {sg.comment && <div className="muted">{sg.comment}</div>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {signable && mine.length > 0 && (
                <button type="button" className="button" onClick={() => setOpen(true)}>
                  Sign…
                </button>
              )}
              {open && (
                <SignatureDialog
                  entityType={entityType}
                  entityId={entityId}
                  subject={subject}
                  meanings={mine}
                  onClose={() => setOpen(false)}
                />
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
