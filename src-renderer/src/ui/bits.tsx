import type { ReactNode } from 'react';
import type { LapKind } from '../../../src-shared/contract/index.ts';

export function ProgressBar({ fraction, label, indeterminate }: { fraction: number; label: string; indeterminate?: boolean }) {
  const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  return (
    <div
      className={indeterminate ? 'progress indeterminate' : 'progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={indeterminate ? undefined : pct}
    >
      <div className="progress-fill" style={{ width: indeterminate ? undefined : `${pct}%` }} />
    </div>
  );
}

const KIND_LABEL: Record<LapKind, string> = { lap: 'LAP', out: 'OUT', in: 'IN', partial: 'PART' };

export function KindBadge({ kind }: { kind: LapKind }) {
  return <span className={`badge kind-${kind}`}>{KIND_LABEL[kind]}</span>;
}

export function ScreenHeader({ title, id, children, keys }: { title: string; id: string; children?: ReactNode; keys?: string }) {
  return (
    <header className="screen-header">
      <h1 id={id}>{title}</h1>
      <div className="screen-actions">{children}</div>
      {keys && <p className="keys-hint">{keys}</p>}
    </header>
  );
}

export function Empty({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorText({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="error">
      {prefix ? `${prefix}: ` : ''}
      {message}
    </p>
  );
}

/** A signed delta in seconds: +0.437 / −1.204 / 0.000. */
export function formatDelta(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  const s = Math.abs(ms) / 1000;
  return `${ms > 0 ? '+' : ms < 0 ? '−' : '±'}${s.toFixed(3)}`;
}
