import type { UseMutationResult } from '@tanstack/react-query';
import { type ReactNode, useEffect, useId, useRef } from 'react';
import { errorText } from '../lib/api-client.ts';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom (the form's submit usually sits here via `form=`). */
  footer?: ReactNode;
  wide?: boolean;
}

/**
 * A modal on the native <dialog>: the browser gives the focus trap, Escape to close and an inert
 * page behind it, so keyboard users are never lost.
 */
export function Modal({ title, onClose, children, footer, wide }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (!d.open) d.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      close.current();
    };
    d.addEventListener('cancel', onCancel);
    return () => {
      d.removeEventListener('cancel', onCancel);
      if (d.open) d.close();
    };
  }, []);

  return (
    <dialog ref={ref} className={wide ? 'modal modal-wide' : 'modal'} aria-labelledby={titleId}>
      <header className="modal-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="modal-body">{children}</div>
      {footer && <footer className="modal-footer">{footer}</footer>}
    </dialog>
  );
}

interface ConfirmProps {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  danger,
  busy,
  error,
  onConfirm,
  onClose,
}: ConfirmProps) {
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className={danger ? 'button button-danger' : 'button button-primary'}
            disabled={busy}
            onClick={onConfirm}
          >
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      <div>{message}</div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}

interface ConfirmDeleteProps {
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  /** The list's delete mutation, by id. */
  remove: Pick<UseMutationResult<unknown, Error, number>, 'mutate' | 'isPending' | 'error' | 'reset'>;
  id: number;
  onClose: () => void;
}

/**
 * A list row's delete, asked first: runs the delete, keeps a refusal on screen and closes once done.
 * Closing clears the mutation, so the next row asked about does not show this one's refusal.
 */
export function ConfirmDelete({
  title,
  message,
  confirmLabel = 'Delete',
  remove,
  id,
  onClose,
}: ConfirmDeleteProps) {
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      title={title}
      message={message}
      confirmLabel={confirmLabel}
      danger
      busy={remove.isPending}
      error={remove.error ? errorText(remove.error) : null}
      onConfirm={() => remove.mutate(id, { onSuccess: close })}
      onClose={close}
    />
  );
}

interface FormFooterProps {
  /** The id of the form in the modal's body that the submit button submits. */
  formId: string;
  onCancel: () => void;
  pending: boolean;
  label: string;
  pendingLabel: string;
  /** Disabled for a reason besides a pending save (e.g. the form is not complete yet). */
  disabled?: boolean;
}

/** Cancel and the form's submit button, the footer every form modal shares. */
export function FormFooter({ formId, onCancel, pending, label, pendingLabel, disabled }: FormFooterProps) {
  return (
    <>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" form={formId} className="button button-primary" disabled={pending || disabled}>
        {pending ? pendingLabel : label}
      </button>
    </>
  );
}
