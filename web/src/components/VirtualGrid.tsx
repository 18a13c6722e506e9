import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';

// A grid of fixed-height rows that puts in the DOM only the rows near the viewport (the page scrolls,
// not the grid). 2,000 dashboard cards were 37,628 DOM nodes and scrolled at 10-19 frames/s; with
// windowing the DOM holds about three screens of cards whatever the plant size.

export interface GridWindow {
  columns: number;
  /** First and last item index (exclusive) in the DOM. */
  from: number;
  to: number;
}

interface Props {
  count: number;
  /** Row pitch in px: the row's height plus the gap under it. */
  rowHeight: number;
  minColumnWidth: number;
  gap: number;
  /** Pixels rendered beyond the viewport above and below (default: one and a half screens), so a fast scroll finds cards drawn. */
  overscan?: number;
  /** Told the window whenever it changes (the dashboard fetches the pages it covers). */
  onWindow?: (w: GridWindow) => void;
  renderItem: (index: number) => ReactNode;
  className?: string;
}

export function VirtualGrid({
  count,
  rowHeight,
  minColumnWidth,
  gap,
  overscan,
  onWindow,
  renderItem,
  className,
}: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [rows, setRows] = useState({ first: 0, last: 0 });
  const columns = Math.max(1, Math.floor((width + gap) / (minColumnWidth + gap)));
  const rowCount = Math.ceil(count / columns);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // The rows intersecting the viewport plus overscan, recomputed at most once a frame while
  // scrolling; React re-renders only when a row boundary is crossed.
  useLayoutEffect(() => {
    let frame = 0;
    const measure = () => {
      frame = 0;
      const el = ref.current;
      if (!el) return;
      const top = el.getBoundingClientRect().top;
      const over = overscan ?? Math.round(window.innerHeight * 1.5);
      const first = Math.max(0, Math.floor((-top - over) / rowHeight));
      const last = Math.min(rowCount, Math.ceil((window.innerHeight - top + over) / rowHeight));
      setRows((r) => (r.first === first && r.last === last ? r : { first, last }));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    measure();
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [rowHeight, rowCount, overscan]);

  const from = Math.min(count, rows.first * columns);
  const to = Math.min(count, Math.max(rows.last, rows.first) * columns);
  useEffect(() => {
    onWindow?.({ columns, from, to });
  }, [onWindow, columns, from, to]);

  const rowEls: ReactNode[] = [];
  for (let r = rows.first; r < rows.last && width > 0; r++) {
    const items: ReactNode[] = [];
    for (let i = r * columns; i < Math.min(count, (r + 1) * columns); i++) items.push(renderItem(i));
    rowEls.push(
      <div
        key={r}
        className="vgrid-row"
        style={{
          transform: `translateY(${r * rowHeight}px)`,
          height: rowHeight - gap,
          gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
          gap,
        }}
      >
        {items}
      </div>,
    );
  }
  return (
    <div
      ref={ref}
      className={`vgrid ${className ?? ''}`}
      style={{ height: Math.max(0, rowCount * rowHeight - gap) }}
      data-rows={rowCount}
    >
      {rowEls}
    </div>
  );
}
