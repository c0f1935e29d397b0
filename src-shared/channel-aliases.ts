// Shared by the Node side (plugin inputs, KPI jobs) and the UI (default plots, the track map).
// Loggers name the same quantity differently ("Ground Speed", "Vehicle Speed", "GPS_Speed",
// "speed (gps)"). A plugin asks for a canonical name; the session's channel is found by the
// exact name first, then case-insensitively, then by these aliases in order of preference.
const ALIASES: Record<string, RegExp[]> = {
  speed: [/^speed\b/i, /^ground speed$/i, /^vehicle speed$/i, /^speed over ground$/i, /^gps[ _]?speed$/i, /^velocity( kmh)?$/i, /^drive speed$/i, /speed/i],
  rpm: [/^(engine )?rpm$/i, /^engine ?speed$/i, /^rpm\b/i, /rpm/i],
  throttle: [/^throttle( pos(ition)?)?$/i, /^tps$/i, /^throttle_pos$/i, /^accelerator_pos$/i, /^gaspedalposition$/i, /throttle/i],
  brake: [/^brake( pres(s(ure)?)?)?( front)?$/i, /^brake pres front$/i, /^brake pressure$/i, /^brake \(calculated\)$/i, /brake/i],
  gear: [/^gear$/i, /^gear pos/i],
  latitude: [/^(gps[ _]?)?lat(itude)?$/i],
  longitude: [/^(gps[ _]?)?lon(g|gitude)?$/i],
};

/** What resolveChannel needs of a channel; min/max, when known, tell a flat channel apart. */
export interface NamedChannel {
  name: string;
  min?: number | null;
  max?: number | null;
}

/**
 * Whether a channel can carry the quantity: a logger often records a channel it has no
 * sensor for as a flat line (MoTeC's "Speed over Ground" all zero without GPS), which would
 * give a KPI of 0 rather than the value the other channel holds. Unknown ranges count as live.
 */
function live(c: NamedChannel): boolean {
  if (c.min === undefined && c.max === undefined) return true;
  return c.min !== null && c.max !== null && c.min !== c.max;
}

/**
 * The session's channel for `wanted`: the exact name, then case-insensitively, then the
 * aliases in order of preference — the first of those that is not flat, or, when all are
 * flat, the first of them.
 */
export function resolveChannel<T extends NamedChannel>(wanted: string, channels: T[]): T | undefined {
  const lower = wanted.toLowerCase();
  const tiers: ((c: T) => boolean)[] = [(c) => c.name === wanted, (c) => c.name.toLowerCase() === lower, ...(ALIASES[lower] ?? []).map((re) => (c: T) => re.test(c.name))];
  let first: T | undefined;
  for (const matches of tiers) {
    for (const c of channels) {
      if (!matches(c)) continue;
      if (live(c)) return c;
      first ??= c;
    }
  }
  return first;
}
