import { type FormEvent, useState } from 'react';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { ConfirmDelete, FormFooter, Modal } from '../../../components/Modal.tsx';
import { useDeleteProcessUnit } from '../api/delete-process-unit.ts';
import { useProcessUnits } from '../api/get-process-units.ts';
import { useSaveProcessUnit } from '../api/save-process-unit.ts';
import type { ProcessUnit } from '../types.ts';

function UnitForm({ unit, onClose }: { unit: ProcessUnit | null; onClose: () => void }) {
  const save = useSaveProcessUnit();
  const [name, setName] = useState(unit?.name ?? '');
  const [area, setArea] = useState(unit?.plant_area ?? '');
  const [description, setDescription] = useState(unit?.description ?? '');
  const [nameError, setNameError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setNameError('Enter a name');
      return;
    }
    setNameError(null);
    save.mutate(
      {
        id: unit?.id,
        input: {
          name: name.trim(),
          plant_area: area.trim() || null,
          description: description.trim() || null,
        },
      },
      { onSuccess: onClose },
    );
  };

  return (
    <Modal
      title={unit ? `Edit ${unit.name}` : 'New process unit'}
      onClose={onClose}
      footer={
        <FormFooter
          formId="unit-form"
          onCancel={onClose}
          pending={save.isPending}
          pendingLabel="Saving…"
          label="Save"
        />
      }
    >
      <form id="unit-form" onSubmit={submit} noValidate>
        <Field label="Name" error={nameError} required>
          {(p) => <input {...p} value={name} maxLength={120} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Plant area">
          {(p) => <input {...p} value={area} maxLength={120} onChange={(e) => setArea(e.target.value)} />}
        </Field>
        <Field label="Description">
          {(p) => (
            <textarea
              {...p}
              rows={3}
              value={description}
              maxLength={2000}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
        <FormError error={save.error} />
      </form>
    </Modal>
  );
}

export function ProcessUnitsPage() {
  const units = useProcessUnits();
  const remove = useDeleteProcessUnit();
  const [editing, setEditing] = useState<ProcessUnit | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ProcessUnit | null>(null);

  return (
    <div className="page">
      <header className="page-header">
        <h1>Process units</h1>
        <button type="button" className="button button-primary" onClick={() => setEditing('new')}>
          New process unit
        </button>
      </header>
      <section className="panel panel-flush">
        <QueryState query={units}>
          {(page) =>
            page.items.length === 0 ? (
              <EmptyState title="No process units yet">
                Group instruments by plant area with a process unit.
              </EmptyState>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Plant area</th>
                    <th scope="col">Description</th>
                    <th scope="col" className="num">
                      Instruments
                    </th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((u) => (
                    <tr key={u.id}>
                      <td>
                        <strong>{u.name}</strong>
                      </td>
                      <td>{u.plant_area ?? '—'}</td>
                      <td>{u.description ?? '—'}</td>
                      <td className="num">{u.instrument_count}</td>
                      <td className="actions">
                        <button type="button" className="button button-small" onClick={() => setEditing(u)}>
                          Edit
                        </button>
                        <button
                          type="button"
                          className="button button-small button-danger-outline"
                          onClick={() => setDeleting(u)}
                        >
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryState>
      </section>
      {editing && <UnitForm unit={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmDelete
          title={`Delete ${deleting.name}?`}
          message={
            deleting.instrument_count > 0
              ? `${deleting.instrument_count} instrument(s) belong to this unit. Move them to another unit first; a unit in use cannot be deleted.`
              : 'The unit is removed from lists; the audit trail keeps its record.'
          }
          remove={remove}
          id={deleting.id}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
