import type { RunPlanHandler, RunPlanInput, RunPlanOutput } from '../../sdk/index.ts';
import { isNum, fixed, pad2, pad3, lapClock } from '../../sdk/format.ts';
import { litresUp, median } from '../../sdk/plan-math.ts';

/**
 * A stint plan from the laps driven so far and a target.
 *
 *   fuel per lap   target.fuelPerLap, else the average fuelUsed of the laps that have one
 *   lap time       the median of the laps' times (robust to out-laps and traffic)
 *   laps to plan   target.laps, else floor(stintMinutes · 60 000 / lap time)
 *   stint length   at most floor(tank / fuel per lap) − 1 laps: one lap of fuel stays in
 *                  the tank as safety margin; the laps are then spread as evenly as
 *                  possible over the fewest stints (longer stints first)
 *   fuel litres    the fuel on board at the start of each stint (laps + 1 lap margin),
 *                  rounded UP to 0.1 L so the car is never short-fuelled by rounding
 *
 * Anything the plan cannot be made without is an error with a message saying what to add.
 */

const EPS = 1e-9;

/** A duration: h:mm:ss or m:ss. */
function duration(ms: number): string {
  if (!isNum(ms) || ms < 0) return 'n/a';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total - h * 3600) / 60);
  const s = total - h * 3600 - m * 60;
  return h > 0 ? h + ':' + pad2(m) + ':' + pad2(s) : m + ':' + pad2(s);
}

function plan(input: RunPlanInput): RunPlanOutput {
  const { laps, target } = input;

  const fuelled = laps.map((l) => l.fuelUsed).filter((f): f is number => isNum(f) && f > 0);
  let fuelPerLap: number;
  let fuelSource: string;
  if (isNum(target.fuelPerLap)) {
    fuelPerLap = target.fuelPerLap;
    fuelSource = 'target';
  } else if (fuelled.length > 0) {
    let sum = 0;
    for (const f of fuelled) sum += f;
    fuelPerLap = sum / fuelled.length;
    fuelSource = 'average of ' + fuelled.length + (fuelled.length === 1 ? ' lap' : ' laps');
  } else {
    throw new Error('fuel-plan: no fuel consumption to plan with: set target.fuelPerLap or give laps with fuelUsed');
  }

  const timed = laps.map((l) => l.timeMs).filter((t) => isNum(t) && t > 0);
  const lapTimeMs = median(timed);

  let totalLaps: number;
  let lapsSource: string;
  if (target.laps !== undefined) {
    totalLaps = target.laps;
    lapsSource = 'target';
  } else if (target.stintMinutes !== undefined) {
    if (!isNum(lapTimeMs)) throw new Error('fuel-plan: target.stintMinutes needs lap times: give laps with timeMs, or set target.laps');
    totalLaps = Math.floor((target.stintMinutes * 60000) / lapTimeMs + EPS);
    const minutes = target.stintMinutes;
    lapsSource = (minutes === Math.floor(minutes) ? '' + minutes : fixed(minutes, 1)) + ' min';
  } else {
    throw new Error('fuel-plan: nothing to plan for: set target.laps or target.stintMinutes');
  }

  const tank = target.tankLitres;
  const margin = fuelPerLap; // one lap of fuel stays in the tank
  let maxPerStint = totalLaps;
  if (tank !== undefined && fuelPerLap > 0) {
    maxPerStint = Math.floor(tank / fuelPerLap + EPS) - 1;
    if (maxPerStint < 1) {
      throw new Error(
        'fuel-plan: a ' + fixed(tank, 1) + ' L tank cannot hold one lap (' + fixed(fuelPerLap, 2) + ' L) plus one lap of margin',
      );
    }
  }

  const lapText = 'median lap ' + lapClock(lapTimeMs) + ' over ' + timed.length + (timed.length === 1 ? ' lap' : ' laps');
  if (totalLaps === 0) {
    return {
      steps: [],
      summary: 'Nothing to fuel: ' + lapsSource + ' is shorter than one lap (' + lapText + ').',
    };
  }

  const stints = Math.ceil(totalLaps / maxPerStint);
  if (stints > 1000) throw new Error('fuel-plan: ' + totalLaps + ' laps would need ' + stints + ' stints (at most 1000 in one plan)');
  const base = Math.floor(totalLaps / stints);
  const longer = totalLaps - base * stints;
  const steps: RunPlanOutput['steps'] = [];
  let totalFuel = 0;
  const lengths: number[] = [];
  for (let s = 0; s < stints; s++) {
    const n = base + (s < longer ? 1 : 0);
    let litres = litresUp(n * fuelPerLap + margin);
    if (tank !== undefined && litres > tank) litres = tank;
    totalFuel += litres;
    lengths.push(n);
    let notes = 'start with ' + fixed(litres, 1) + ' L: ' + n + (n === 1 ? ' lap' : ' laps') + ' × ' + fixed(fuelPerLap, 2) + ' L + ' + fixed(margin, 2) + ' L margin (1 lap)';
    if (isNum(lapTimeMs)) notes += '; about ' + duration(n * lapTimeMs) + ' at ' + lapClock(lapTimeMs);
    steps.push({ label: 'Stint ' + (s + 1), laps: n, fuelLitres: litres, notes });
  }

  let summary =
    totalLaps + ' laps (' + (lapsSource === 'target' ? 'target' : lapsSource + ' at the ' + lapText) + ')' +
    ' at ' + fixed(fuelPerLap, 2) + ' L/lap (' + fuelSource + '): ' +
    stints + (stints === 1 ? ' stint' : ' stints') + ' of ' + lengths.join(' + ') + ' laps, ' +
    fixed(totalFuel, 1) + ' L in total with one lap of margin per stint.';
  if (tank !== undefined && fuelPerLap > 0) {
    summary += ' A ' + fixed(tank, 1) + ' L tank carries at most ' + maxPerStint + (maxPerStint === 1 ? ' lap' : ' laps') + ' per stint.';
  } else if (tank === undefined) {
    summary += ' No tank capacity given: planned as one stint.';
  }
  if (lapsSource === 'target' && isNum(lapTimeMs)) summary += ' Expected running time ' + duration(totalLaps * lapTimeMs) + ' at the ' + lapText + '.';
  return { steps, summary };
}

export const runPlan: RunPlanHandler = (input) => plan(input);
