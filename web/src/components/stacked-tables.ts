import { type RefObject, useEffect } from 'react';

/**
 * Labels every cell of every `.table` inside `root` with its column heading (`data-label`), so
 * styles/field.css can show a wide table as stacked cards on a narrow screen instead of making the
 * page scroll sideways. One observer for the whole page: every list page gets it without change.
 */
export function useStackedTables(root: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const label = () => {
      for (const table of el.querySelectorAll<HTMLTableElement>('table.table')) {
        const heads = [...(table.tHead?.rows[0]?.cells ?? [])].map((th) => th.textContent?.trim() ?? '');
        if (heads.length === 0) continue;
        table.classList.add('table-stackable');
        for (const row of table.tBodies[0]?.rows ?? []) {
          let col = 0;
          for (const cell of row.cells) {
            // A cell spanning columns (an empty-state row) gets no heading.
            const text = cell.colSpan > 1 ? '' : (heads[col] ?? '');
            if (cell.getAttribute('data-label') !== text) cell.setAttribute('data-label', text);
            col += cell.colSpan || 1;
          }
        }
      }
    };
    label();
    // Only structure changes matter; setting attributes does not re-trigger a childList observer.
    const observer = new MutationObserver(label);
    observer.observe(el, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [root]);
}
