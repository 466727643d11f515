/**
 * A dense, virtualised table: sticky header, sortable columns (aria-sort), rows rendered
 * only when in view so 5,000 rows scroll smoothly. Uses CSS grid rows inside a real <table>
 * role structure so screen readers still see a table.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export interface Column<T> {
  id: string;
  header: string;
  width: string; // a CSS grid track, e.g. "2fr" or "6rem"
  cell: (row: T) => ReactNode;
  sortable?: boolean;
  className?: string;
}

export interface SortState {
  id: string;
  desc: boolean;
}

const ROW_PX = 28;

export function VirtualTable<T>({
  label,
  columns,
  rows,
  rowKey,
  sort,
  onSort,
  rowClass,
}: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  sort?: SortState;
  onSort?: (s: SortState) => void;
  rowClass?: (row: T) => string;
}) {
  const { t } = useTranslation();
  const parent = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_PX,
    overscan: 12,
    initialRect: { width: 1000, height: 600 },
  });
  const template = columns.map((c) => c.width).join(' ');
  return (
    <div
      ref={parent}
      className="vtable"
      role="table"
      aria-label={label}
      aria-rowcount={rows.length + 1}
      tabIndex={0}
    >
      <div role="rowgroup" className="vtable-head">
        <div
          role="row"
          className="vtable-row"
          style={{ gridTemplateColumns: template }}
          aria-rowindex={1}
        >
          {columns.map((c) => {
            const active = sort?.id === c.id;
            const ariaSort = active ? (sort?.desc ? 'descending' : 'ascending') : 'none';
            return (
              <div
                role="columnheader"
                key={c.id}
                aria-sort={c.sortable ? ariaSort : undefined}
                className="vtable-th"
              >
                {c.sortable && onSort ? (
                  <button
                    type="button"
                    className="linklike"
                    onClick={() => onSort({ id: c.id, desc: active ? !sort?.desc : false })}
                  >
                    {c.header}
                    <span aria-hidden="true">{active ? (sort?.desc ? ' ▼' : ' ▲') : ''}</span>
                  </button>
                ) : (
                  c.header
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div role="rowgroup" className="vtable-body" style={{ height: virtual.getTotalSize() }}>
        {rows.length === 0 && (
          <div role="row" className="vtable-row vtable-none">
            <div role="cell">{t('table.noRows')}</div>
          </div>
        )}
        {virtual.getVirtualItems().map((v) => {
          const row = rows[v.index] as T;
          return (
            <div
              role="row"
              key={rowKey(row)}
              aria-rowindex={v.index + 2}
              className={`vtable-row ${rowClass?.(row) ?? ''}`}
              style={{ gridTemplateColumns: template, transform: `translateY(${v.start}px)` }}
            >
              {columns.map((c) => (
                <div role="cell" key={c.id} className={`vtable-td ${c.className ?? ''}`}>
                  {c.cell(row)}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
