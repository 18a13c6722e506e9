interface PaginationProps {
  total: number;
  limit: number;
  offset: number;
  onChange: (offset: number) => void;
  noun?: string;
}

export function Pagination({ total, limit, offset, onChange, noun = 'items' }: PaginationProps) {
  if (total === 0) return null;
  const from = offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav className="pagination" aria-label="Pages">
      <span>
        {from}–{to} of {total} {noun}
      </span>
      <button
        type="button"
        className="button button-small"
        disabled={offset === 0}
        onClick={() => onChange(Math.max(0, offset - limit))}
      >
        ‹ Previous
      </button>
      <button
        type="button"
        className="button button-small"
        disabled={to >= total}
        onClick={() => onChange(offset + limit)}
      >
        Next ›
      </button>
    </nav>
  );
}
