import type { PluginHost, RunPlanHandler, RunPlanInput, RunPlanOutput } from '../../sdk/index.ts';
import { isNum, fixed, pad2, pad3, lapClock } from '../../sdk/format.ts';
import { litresUp, median } from '../../sdk/plan-math.ts';

/**
 * A stint plan annotated with the weather.
 *
 * The plan: fuel per lap from target.fuelPerLap or the laps' average fuelUsed; laps from
 * target.laps or target.stintMinutes over the median lap; stints no longer than the
 * tank carries with one lap of fuel as margin, spread evenly; litres rounded up to 0.1.
 * Unlike fuel-plan this one never fails for missing fuel data: a stint's fuel is then
 * NaN and its note says so, because the weather briefing is useful on its own.
 *
 * The weather: GET session.weatherUrl (only hosts in the manifest are reachable), JSON
 * { "trackTempC": number, "rainProbability": 0–1 (or 0–100 %) }. Every step's notes and
 * the summary carry the tyre and fuel implications, or "weather unavailable: <reason>"
 * when there is no URL, fetch is not granted, the request fails or the answer is unusable.
 */

type Weather = { trackTempC: number | null; rain: number | null };

const EPS = 1e-9;
const messageOf = (e: unknown) => (e !== null && typeof e === 'object' && typeof (e as Error).message === 'string' ? (e as Error).message : '' + e);

// ---- the weather -------------------------------------------------------------------

async function fetchWeather(input: RunPlanInput, host: PluginHost): Promise<{ ok: true; weather: Weather } | { ok: false; reason: string }> {
  const url = (input.session as Record<string, unknown>).weatherUrl;
  if (typeof url !== 'string' || url === '') return { ok: false, reason: 'no weatherUrl in the session' };
  if (!host.fetch) return { ok: false, reason: 'fetch is not granted to this plugin' };
  let status: number;
  let body: string;
  try {
    const res = await host.fetch({ url, headers: { accept: 'application/json' } });
    status = res.status;
    body = res.body;
  } catch (e) {
    return { ok: false, reason: messageOf(e) };
  }
  if (status < 200 || status > 299) return { ok: false, reason: 'the weather service answered HTTP ' + status };
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    // the engine's own parse message differs between QuickJS and V8: not passed on
    return { ok: false, reason: 'the answer is not JSON' };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, reason: 'the answer is not a JSON object' };
  const d = data as Record<string, unknown>;
  const trackTempC = isNum(d.trackTempC) && d.trackTempC > -50 && d.trackTempC < 100 ? d.trackTempC : null;
  let rain: number | null = null;
  if (isNum(d.rainProbability) && d.rainProbability >= 0 && d.rainProbability <= 100) {
    rain = d.rainProbability > 1 ? d.rainProbability / 100 : d.rainProbability;
  }
  if (trackTempC === null && rain === null) return { ok: false, reason: 'the answer has no usable trackTempC or rainProbability' };
  return { ok: true, weather: { trackTempC, rain } };
}

/** What the weather means for tyres and fuel, one phrase per finding. */
function implications(w: Weather): string[] {
  const out: string[] = [];
  if (w.trackTempC !== null) {
    const t = fixed(w.trackTempC, 0) + ' °C';
    if (w.trackTempC >= 50) out.push('very hot track (' + t + '): high tyre degradation and overheating risk, take the harder compound and set pressures for heat build-up');
    else if (w.trackTempC >= 40) out.push('hot track (' + t + '): expect more tyre degradation through each stint, consider the harder compound');
    else if (w.trackTempC <= 15) out.push('cold track (' + t + '): slow tyre warm-up, allow an extra preparation lap and watch for graining');
    else out.push('track ' + t + ': tyres in their normal window');
  }
  if (w.rain !== null) {
    const p = fixed(w.rain * 100, 0) + '%';
    if (w.rain >= 0.6) out.push('rain likely (' + p + '): have wet tyres ready; wet laps are slower and use less fuel, so keep the dry fuel load as margin');
    else if (w.rain >= 0.3) out.push('rain possible (' + p + '): keep intermediates ready and be ready to pit; do not cut the dry fuel load');
    else out.push('rain unlikely (' + p + '): plan on dry tyres and the dry fuel figure');
  }
  return out;
}

// ---- the plan ------------------------------------------------------------------------

export const runPlan: RunPlanHandler = async (input, host) => {
  const found = await fetchWeather(input, host);
  const weatherNote = found.ok ? 'weather: ' + implications(found.weather).join('; ') : 'weather unavailable: ' + found.reason;
  if (!found.ok) host.log('weather: ' + found.reason);

  const { laps, target } = input;
  const fuelled = laps.map((l) => l.fuelUsed).filter((f): f is number => isNum(f) && f > 0);
  let fuelPerLap = NaN;
  if (isNum(target.fuelPerLap)) fuelPerLap = target.fuelPerLap;
  else if (fuelled.length > 0) {
    let sum = 0;
    for (const f of fuelled) sum += f;
    fuelPerLap = sum / fuelled.length;
  }
  const lapTimeMs = median(laps.map((l) => l.timeMs).filter((t) => isNum(t) && t > 0));

  let totalLaps: number | null = null;
  if (target.laps !== undefined) totalLaps = target.laps;
  else if (target.stintMinutes !== undefined && isNum(lapTimeMs)) totalLaps = Math.floor((target.stintMinutes * 60000) / lapTimeMs + EPS);

  if (totalLaps === null || totalLaps === 0) {
    const why = totalLaps === 0 ? 'the target is shorter than one lap' : 'no laps to plan (set target.laps, or target.stintMinutes with lap times)';
    return { steps: [], summary: 'No stints: ' + why + '; ' + weatherNote + '.' };
  }

  let maxPerStint = totalLaps;
  const tank = target.tankLitres;
  if (tank !== undefined && isNum(fuelPerLap) && fuelPerLap > 0) {
    maxPerStint = Math.floor(tank / fuelPerLap + EPS) - 1;
    if (maxPerStint < 1) {
      return { steps: [], summary: 'No stints: a ' + fixed(tank, 1) + ' L tank cannot hold one lap (' + fixed(fuelPerLap, 2) + ' L) plus one lap of margin; ' + weatherNote + '.' };
    }
  }
  const stints = Math.min(1000, Math.ceil(totalLaps / maxPerStint));
  const base = Math.floor(totalLaps / stints);
  const longer = totalLaps - base * stints;
  const steps: RunPlanOutput['steps'] = [];
  const lengths: number[] = [];
  for (let s = 0; s < stints; s++) {
    const n = base + (s < longer ? 1 : 0);
    lengths.push(n);
    let litres = NaN;
    let notes: string;
    if (isNum(fuelPerLap)) {
      litres = litresUp(n * fuelPerLap + fuelPerLap);
      if (tank !== undefined && litres > tank) litres = tank;
      notes = 'start with ' + fixed(litres, 1) + ' L (' + n + ' × ' + fixed(fuelPerLap, 2) + ' L + 1 lap margin)';
    } else {
      notes = 'no fuel figure: set target.fuelPerLap or record fuelUsed per lap';
    }
    steps.push({ label: 'Stint ' + (s + 1), laps: n, fuelLitres: litres, notes: notes + '; ' + weatherNote });
  }
  const summary =
    totalLaps + ' laps' + (isNum(lapTimeMs) ? ' at a median ' + lapClock(lapTimeMs) : '') + ' in ' + stints + (stints === 1 ? ' stint' : ' stints') +
    ' (' + lengths.join(' + ') + ')' + (isNum(fuelPerLap) ? ', ' + fixed(fuelPerLap, 2) + ' L/lap' : ', fuel per lap unknown') + '; ' + weatherNote + '.';
  return { steps, summary };
};
