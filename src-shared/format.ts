// Formatting a race engineer reads the same everywhere (CLI tables, the app).

/** 83456.7 → "1:23.457"; null → "—". Lap times are shown to the millisecond. */
export function formatLapTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '-' : '';
  const total = Math.round(Math.abs(ms));
  const minutes = Math.floor(total / 60000);
  const seconds = ((total % 60000) / 1000).toFixed(3).padStart(6, '0');
  return minutes > 0 ? `${sign}${minutes}:${seconds}` : `${sign}${(total / 1000).toFixed(3)}`;
}

/** ISO timestamp → "2024-03-07 14:05" (no locale: identical on every machine). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}
