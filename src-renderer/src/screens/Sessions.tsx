import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { EventPayload, ImportResult, SessionSummary } from '../../../src-shared/contract/index.ts';
import { formatDateTime, formatLapTime } from '../../../src-shared/format.ts';
import { useSessions } from '../App.tsx';
import { race } from '../bridge.ts';
import { forgetSession } from '../data/cache.ts';
import { describeOutcome, fileBytes, groupFiles } from '../data/upload.ts';
import { mark } from '../perf.ts';
import { useWorkspace } from '../state/workspace.tsx';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Empty, ErrorText, ProgressBar, ScreenHeader } from '../ui/bits.tsx';

type Phase = 'queued' | 'reading' | 'sending' | EventPayload<'import.progress'>['phase'];

interface ImportRow {
  id: string;
  file: string;
  phase: Phase;
  fraction: number;
  result?: ImportResult;
  error?: string;
}

const PHASE_LABEL: Record<Phase, string> = {
  queued: 'waiting',
  reading: 'reading file',
  sending: 'sending',
  parsing: 'decoding',
  storing: 'splitting laps and storing',
  done: 'done',
  failed: 'failed',
};

/** Import progress rows, driven by 'import.progress' events and each upload's result. */
function useImports(onImported: () => void) {
  const [rows, setRows] = useState<ImportRow[]>([]);
  const busy = rows.some((r) => r.phase !== 'done' && r.phase !== 'failed');
  /** Progress ids of the imports this screen started. */
  const mine = useRef(new Set<string>());
  const update = (id: string, patch: Partial<ImportRow>) => setRows((rs) => rs.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  useEffect(
    () =>
      race.on('import.progress', (p) => {
        // an import started elsewhere (the app menu's Import…) shows up in the list when done;
        // this screen's own imports reload the list themselves (start() below)
        const ours = mine.current.has(p.progressId);
        if (p.phase === 'done' || p.phase === 'failed') mine.current.delete(p.progressId);
        if (p.phase === 'done' && !ours) onImported();
        setRows((rs) => rs.map((r) => (r.id === p.progressId && r.phase !== 'done' && r.phase !== 'failed' ? { ...r, phase: p.phase === 'done' || p.phase === 'failed' ? r.phase : p.phase, fraction: p.fraction } : r)));
      }),
    [onImported],
  );

  const start = useCallback(
    async (files: File[]) => {
      const { groups, orphans } = groupFiles(files);
      const batch: ImportRow[] = groups.map((g) => ({ id: crypto.randomUUID(), file: g.main.name, phase: 'queued', fraction: 0 }));
      const skipped: ImportRow[] = orphans.map((f) => ({ id: crypto.randomUUID(), file: f.name, phase: 'failed', fraction: 1, error: `${f.name}: a .ldx is read with its .ld — drop both together` }));
      for (const r of batch) mine.current.add(r.id);
      setRows([...batch, ...skipped]);
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i]!;
        const id = batch[i]!.id;
        try {
          update(id, { phase: 'reading' });
          const bytes = await fileBytes(g.main);
          const siblings = await Promise.all(g.siblings.map(async (s) => ({ fileName: s.name, bytes: await fileBytes(s) })));
          update(id, { phase: 'sending' });
          const result = await race.sessions.upload({ fileName: g.main.name, bytes, siblings: siblings.length ? siblings : undefined, progressId: id });
          update(id, { phase: result.status === 'failed' ? 'failed' : 'done', fraction: 1, result });
        } catch (e) {
          update(id, { phase: 'failed', fraction: 1, error: (e as Error).message });
        }
        onImported();
      }
    },
    [onImported],
  );
  return { rows, busy, start, clear: () => setRows([]) };
}

export function SessionsScreen() {
  const sessions = useSessions();
  const { ws, dispatch } = useWorkspace();
  const imports = useImports(sessions.reload);
  const [dragging, setDragging] = useState(false);
  const [confirm, setConfirm] = useState<SessionSummary | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);

  const open = (s: SessionSummary) => {
    mark('race:navigate:session');
    dispatch({ type: 'openSession', sessionId: s.id, bestLap: null });
  };

  const remove = async () => {
    if (!confirm) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await race.sessions.delete({ sessionId: confirm.id });
      forgetSession(confirm.id);
      dispatch({ type: 'closeSession', sessionId: confirm.id });
      setConfirm(null);
      sessions.reload();
    } catch (e) {
      setDeleteError(e);
    } finally {
      setDeleting(false);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (files.length) void imports.start(files);
  };

  const total = imports.rows.length;
  const overall = total ? imports.rows.reduce((a, r) => a + (r.phase === 'done' || r.phase === 'failed' ? 1 : r.fraction), 0) / total : 0;

  return (
    <section
      aria-labelledby="sessions-title"
      className={dragging ? 'drop-target dragging' : 'drop-target'}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <ScreenHeader title="Sessions" id="sessions-title" keys="Enter open · Del delete · Alt+2 laps · Alt+3 channels">
        <input
          ref={input}
          type="file"
          multiple
          hidden
          data-testid="import-input"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length) void imports.start(files);
          }}
        />
        <button type="button" className="btn btn-primary" disabled={imports.busy} onClick={() => input.current?.click()}>
          Import files…
        </button>
      </ScreenHeader>

      {total > 0 && (
        <div className="import-panel" data-testid="import-panel">
          <div className="import-head">
            <strong>{imports.busy ? `Importing ${total === 1 ? imports.rows[0]!.file : `${total} files`}` : 'Import finished'}</strong>
            {!imports.busy && (
              <button type="button" className="btn btn-small" onClick={imports.clear}>
                Dismiss
              </button>
            )}
          </div>
          <ProgressBar fraction={overall} label="Import progress" />
          <ul className="import-rows">
            {imports.rows.map((r) => (
              <li key={r.id} className={`import-row phase-${r.phase}${r.result?.status === 'duplicate' ? ' duplicate' : ''}`} data-testid="import-row">
                <span className="import-file">{r.file}</span>
                <span className="import-state">
                  {r.error ?? (r.result ? describeOutcome(r.result) : `${PHASE_LABEL[r.phase]}${r.phase === 'parsing' ? ` ${Math.round(r.fraction * 100)}%` : ''}`)}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}

      <ErrorText error={sessions.error} prefix="Could not load sessions" />
      {sessions.data && sessions.data.length === 0 && (
        <Empty title="No sessions yet" testId="sessions-empty">
          <p>Drop logger files here or use Import (MoTeC .ld with its .ldx, MoTeC CSV, AiM CSV, VBO, RaceChrono, TrackAddict, RaceCapture, iRacing .ibt).</p>
        </Empty>
      )}
      {sessions.data && sessions.data.length > 0 && (
        <table className="data-table sessions-table" data-testid="sessions-table">
          <thead>
            <tr>
              <th>Date</th>
              <th>Venue</th>
              <th>Vehicle</th>
              <th>Driver</th>
              <th>Format</th>
              <th className="num">Laps</th>
              <th className="num">Best lap</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {sessions.data.map((s) => (
              <tr
                key={s.id}
                tabIndex={0}
                className={s.id === ws.sessionId ? 'row-link current' : 'row-link'}
                onClick={() => open(s)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') open(s);
                  if (e.key === 'Delete') setConfirm(s);
                  if (e.key === 'ArrowDown') (e.currentTarget.nextElementSibling as HTMLElement | null)?.focus();
                  if (e.key === 'ArrowUp') (e.currentTarget.previousElementSibling as HTMLElement | null)?.focus();
                }}
              >
                <td className="nowrap">{formatDateTime(s.startedAt)}</td>
                <td className="strong">{s.venue ?? '—'}</td>
                <td>{s.vehicle ?? '—'}</td>
                <td>{s.driver ?? '—'}</td>
                <td className="muted">{s.sourceFormat}</td>
                <td className="num">{s.lapCount}</td>
                <td className="num laptime">{formatLapTime(s.bestLapMs)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="btn btn-small btn-quiet"
                    aria-label={`Delete session ${s.venue ?? ''} ${formatDateTime(s.startedAt)}`}
                    onClick={(e) => {
                      e.stopPropagation();
                      setConfirm(s);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {confirm && (
        <ConfirmDialog
          title="Delete this session?"
          confirmLabel="Delete session"
          danger
          busy={deleting}
          onConfirm={() => void remove()}
          onCancel={() => {
            setConfirm(null);
            setDeleteError(null);
          }}
        >
          <p>
            <strong>{confirm.venue ?? 'Unknown venue'}</strong> · {confirm.vehicle ?? '—'} · {formatDateTime(confirm.startedAt)} · {confirm.lapCount} laps
          </p>
          <p>Its laps, channels, KPIs and the original file are removed from this computer. This cannot be undone.</p>
          <ErrorText error={deleteError} prefix="Could not delete" />
        </ConfirmDialog>
      )}
      {dragging && <div className="drop-hint">Drop logger files to import</div>}
    </section>
  );
}
