import type { JsonValue, TransformChannel, TransformHandler } from '../../sdk/index.ts';

/**
 * Imperial → metric, by each channel's unit (matched case-insensitively, spaces, dots and
 * underscores ignored, common spellings accepted):
 *
 *   mph            → km/h  × 1.609344            (international mile, exact)
 *   °F             → °C    (x − 32) × 5 / 9
 *   psi            → bar   × 0.06894757293168361  (1 lbf/in² = 6894.757 Pa)
 *   gal (US)       → L     × 3.785411784         (exact; "impgal"/"ukgal" use 4.54609)
 *   ft             → m     × 0.3048              (exact)
 *   in             → mm    × 25.4                (exact)
 *   lb             → kg    × 0.45359237          (exact)
 *
 * Missing samples stay NaN. Channels in any other unit are passed on untouched, and
 * meta.converted lists the names of the channels that were converted, in input order.
 */

interface Conversion {
  to: string;
  apply: (x: number) => number;
}

const scale = (to: string, factor: number): Conversion => ({ to, apply: (x) => x * factor });

const MPH = scale('km/h', 1.609344);
const FAHRENHEIT: Conversion = { to: '°C', apply: (x) => ((x - 32) * 5) / 9 };
const PSI = scale('bar', 0.06894757293168361);
const US_GALLON = scale('L', 3.785411784);
const IMP_GALLON = scale('L', 4.54609);
const FOOT = scale('m', 0.3048);
const INCH = scale('mm', 25.4);
const POUND = scale('kg', 0.45359237);

const BY_UNIT: Record<string, Conversion> = {};
const alias = (c: Conversion, names: string[]) => {
  for (const n of names) BY_UNIT[n] = c;
};
alias(MPH, ['mph', 'mi/h', 'mi/hr', 'mile/h', 'miles/h', 'mileperhour', 'milesperhour']);
alias(FAHRENHEIT, ['°f', 'degf', 'f', 'fahrenheit', 'degfahrenheit', 'degreesf', 'degreef', 'degreesfahrenheit']);
alias(PSI, ['psi', 'psig', 'psia', 'psid', 'lbf/in2', 'lbf/in²', 'lb/in2', 'lb/in²']);
alias(US_GALLON, ['gal', 'gals', 'gallon', 'gallons', 'usgal', 'gal(us)', 'usgallon', 'usgallons']);
alias(IMP_GALLON, ['impgal', 'ukgal', 'gal(uk)', 'gal(imp)', 'imperialgallon', 'imperialgallons']);
alias(FOOT, ['ft', 'feet', 'foot', "'"]);
alias(INCH, ['in', 'inch', 'inches', '"']);
alias(POUND, ['lb', 'lbs', 'lbm', 'pound', 'pounds']);

/** "Deg F", "°F", "º F", "˚f", "deg_F" all become "°f" or "degf"; "MPH" becomes "mph". */
function normalise(unit: string): string {
  const u = unit.trim().toLowerCase();
  let out = '';
  for (let i = 0; i < u.length; i++) {
    let ch = u[i]!;
    if (ch === ' ' || ch === '_' || ch === '.' || ch === '\t') continue;
    if (ch === 'º' || ch === '˚') ch = '°';
    out += ch;
  }
  return out;
}

export const transform: TransformHandler = ({ channels, meta }) => {
  const out: Record<string, TransformChannel> = {};
  const converted: JsonValue[] = [];
  for (const name of Object.keys(channels)) {
    const ch = channels[name]!;
    const conv = BY_UNIT[normalise(ch.unit)];
    if (!conv) {
      out[name] = { unit: ch.unit, rateHz: ch.rateHz, samples: ch.samples };
      continue;
    }
    const samples = new Float64Array(ch.samples.length);
    for (let i = 0; i < samples.length; i++) samples[i] = conv.apply(ch.samples[i]!);
    out[name] = { unit: conv.to, rateHz: ch.rateHz, samples };
    converted.push(name);
  }
  return { channels: out, meta: { ...meta, converted } };
};
