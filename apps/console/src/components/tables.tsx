import { useTranslation } from 'react-i18next';
import { CsvValue, toCsv } from '../logic/csv';

export interface Column<T> {
  key: string;
  label: string;
  /** What the cell shows. */
  render: (row: T) => React.ReactNode;
  /** What the CSV holds (the plain value; defaults to the rendered text when it is one). */
  csv?: (row: T) => CsvValue;
}

/** Saves text as a file in the browser (no server round trip). */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A table of the board with its caption and a CSV export of every row (not only the rows shown). */
export function DataTable<T>({ id, title, columns, rows, rowKey, limit, empty }: {
  id: string;
  title: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  limit?: number;
  empty?: string;
}) {
  const { t } = useTranslation();
  const shown = limit ? rows.slice(0, limit) : rows;
  const exportCsv = () => {
    const header = columns.map((c) => c.label);
    const body = rows.map((r) => columns.map((c) => (c.csv ? c.csv(r) : textOf(c.render(r)))));
    download(`${id}-${new Date().toISOString().slice(0, 10)}.csv`, toCsv(header, body));
  };
  return (
    <section className="card board-table" aria-labelledby={`${id}-title`} data-testid={id}>
      <header className="table-head">
        <h2 id={`${id}-title`}>{title} <span className="muted small">({rows.length})</span></h2>
        <button type="button" className="small-button" onClick={exportCsv} disabled={rows.length === 0}>{t('board.exportCsv')}</button>
      </header>
      {rows.length === 0 ? (
        <p className="empty">{empty ?? t('board.none')}</p>
      ) : (
        // A region that scrolls is reached by keyboard too (focusable, named by its table's title).
        <div className="table-scroll" tabIndex={0} role="region" aria-labelledby={`${id}-title`}>
          <table className="queue compact">
            <thead>
              <tr>{columns.map((c) => <th key={c.key} scope="col">{c.label}</th>)}</tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={rowKey(r)}>{columns.map((c) => <td key={c.key}>{c.render(r)}</td>)}</tr>
              ))}
            </tbody>
          </table>
          {shown.length < rows.length && <p className="muted small">{t('board.more', { shown: shown.length, total: rows.length })}</p>}
        </div>
      )}
    </section>
  );
}

function textOf(node: React.ReactNode): CsvValue {
  return typeof node === 'string' || typeof node === 'number' ? node : '';
}
