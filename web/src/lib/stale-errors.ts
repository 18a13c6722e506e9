/**
 * A form's onChange: once the person edits after a refused attempt, the messages about that
 * attempt (the form's own checks and the server's answer) are stale and go; submitting checks again.
 */
export function clearStaleErrors(
  errors: Record<string, unknown>,
  setErrors: (e: Record<string, never>) => void,
  mutation?: { error: unknown; reset: () => void },
) {
  return () => {
    if (Object.values(errors).some(Boolean)) setErrors({});
    if (mutation?.error) mutation.reset();
  };
}
