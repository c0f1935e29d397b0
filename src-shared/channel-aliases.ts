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

export function resolveChannel<T extends { name: string }>(wanted: string, channels: T[]): T | undefined {
  const exact = channels.find((c) => c.name === wanted);
  if (exact) return exact;
  const lower = wanted.toLowerCase();
  const ci = channels.find((c) => c.name.toLowerCase() === lower);
  if (ci) return ci;
  for (const re of ALIASES[lower] ?? []) {
    const hit = channels.find((c) => re.test(c.name));
    if (hit) return hit;
  }
  return undefined;
}
