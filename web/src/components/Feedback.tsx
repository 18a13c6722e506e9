import type { ReactNode } from 'react';
import { errorText } from '../lib/api-client.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="error-box" role="alert">
      <span>{errorText(error)}</span>
      {onRetry && (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A form-level error line under the fields. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {typeof error === 'string' ? error : errorText(error)}
    </p>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

/** Loading, error or the content: the three states every query screen has. */
export function QueryState<T>({
  query,
  loadingLabel,
  children,
}: {
  query: QueryLike<T>;
  loadingLabel?: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading label={loadingLabel} />;
  if (query.error && query.data === undefined)
    return <ErrorMessage error={query.error} onRetry={() => query.refetch()} />;
  if (query.data === undefined) return <Loading label={loadingLabel} />;
  return <>{children(query.data)}</>;
}
