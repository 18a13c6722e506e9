import { errorText } from '../../../lib/api-client.ts';
import type { ConnectorTestResult } from '../../../lib/api-types.ts';

/** The answer of "Test connection" in words: it works (with what the adapter saw), or why not. */
export function TestResultLine({
  test,
  name,
}: {
  test: { data?: ConnectorTestResult; error: unknown; isPending: boolean };
  name?: string;
}) {
  const of = name ? ` (${name})` : '';
  if (test.isPending)
    return (
      <p className="muted" role="status">
        Testing the connection{of}…
      </p>
    );
  if (test.error)
    return (
      <p className="form-error" role="status">
        Could not test{of}: {errorText(test.error)}
      </p>
    );
  if (!test.data) return null;
  return test.data.ok ? (
    <p className="success" role="status">
      Connection works{of}: {test.data.message}
    </p>
  ) : (
    <p className="form-error" role="status">
      Connection failed{of}: {test.data.message}
    </p>
  );
}
