// Generated logger files with known contents, one spec per text format: the text-format tests
// read them back value by value, and the pipeline fuzzing mutates them.
import type { AimSpec, RaceCaptureSpec, RaceChronoSpec, TrackAddictSpec } from './write-text-formats.ts';

export const lin = (a: number, b: number) => (t: number) => a + b * t;

export const aimRs3: AimSpec = {
  style: 'rs3',
  rateHz: 20,
  markers: [12.345, 30.1, 41.5],
  venue: 'Fuji GP Sh',
  vehicle: 'SFJ',
  driver: 'CMD',
  comment: 'new tires!',
  date: 'Tuesday, December 16, 2025',
  time: '4:25 PM',
  channels: [
    { name: 'GPS Speed', unit: 'km/h', f: lin(50, 2) },
    { name: 'GPS Speed dup 1', unit: 'km/h', f: lin(60, -1) },
    { name: 'RPM', unit: 'rpm', f: lin(3000, 10), decimals: 3 },
    { name: 'WT', unit: '°C', f: lin(80, 0.01) },
    { name: 'Gear', unit: '#', f: (t) => (t > 5 && t < 6 ? NaN : 2 + 0.1 * t) },
    { name: 'GPS Heading', unit: 'deg', f: lin(10, 0.5) },
    { name: 'GPS Latitude', unit: 'deg', f: lin(35.37, 1e-5), decimals: 8 },
    { name: 'GPS Longitude', unit: 'deg', f: lin(138.93, -1e-5), decimals: 8 },
    { name: 'Luminosity', unit: '', f: lin(18, 0) },
  ],
};

export const aimRs2: AimSpec = {
  style: 'rs2',
  rateHz: 10,
  markers: [15.036, 27.506, 40.214, 45.001],
  lapByLap: true,
  venue: 'Imola',
  vehicle: 'YamahaR6',
  driver: 'AIM driver',
  date: '16/11/07',
  time: '17:27:21',
  channels: [
    { name: 'Distance', unit: 'km', f: lin(0, 0.05) },
    { name: 'Speed_1', unit: 'km/h', f: lin(100, 1.5) },
    { name: 'T° Water', unit: '°C', f: lin(90, 0.2) },
    { name: 'Speed_1', unit: 'km/h', f: lin(99, 1) },
    { name: 'GPS_Latitude', unit: '°', f: lin(44.3444926, 2e-6), decimals: 9 },
    { name: 'GPS_Longitude', unit: '°', f: lin(11.7149889, -2e-6), decimals: 9 },
  ],
};

export const aimSemicolon: AimSpec = { ...aimRs3, separator: ';', decimalComma: true, date: 'August 11, 2023', time: '4:25 AM' };

export const raceChrono: RaceChronoSpec = {
  startUnix: 1767150797.44,
  durationS: 20,
  title: 'Tianma',
  track: 'Tianma',
  driver: 'Test',
  crossings: [3.0037, 17.5021],
  firstLap: 8,
  sources: [
    {
      source: '100: gps',
      rateHz: 25,
      offsetS: 0,
      channels: [
        { name: 'bearing', unit: 'deg', f: (t) => (350 + 3 * t) % 360, decimals: 4 },
        { name: 'device_update_rate', unit: 'Hz', f: () => 25, decimals: 1 },
        { name: 'latitude', unit: 'deg', f: lin(31.0781678, 1e-5), decimals: 9 },
        { name: 'longitude', unit: 'deg', f: lin(121.1164132, -1e-5), decimals: 9 },
        { name: 'speed', unit: 'm/s', f: lin(30, 0.5) },
      ],
    },
    {
      source: 'calc',
      rateHz: 20,
      offsetS: 0.01,
      channels: [
        { name: 'device_update_rate', unit: 'Hz', f: () => 20, decimals: 1 },
        { name: 'lateral_acc', unit: 'G', f: lin(-0.2, 0.05) },
        { name: 'speed', unit: 'm/s', f: lin(30.1, 0.5) },
      ],
    },
    {
      source: '200: obd',
      rateHz: 10,
      offsetS: 0.013,
      gap: [6, 8],
      channels: [
        { name: 'rpm', unit: 'rpm', f: lin(3000, 20), decimals: 3 },
        { name: 'speed', unit: 'm/s', f: lin(29.9, 0.5) },
        { name: 'coolant_temp', unit: '.C', f: lin(90, 0.1) },
      ],
    },
  ],
};

export const trackAddict: TrackAddictSpec = {
  rateHz: 20,
  durationS: 60,
  jitterS: 0.004,
  gpsPeriodS: 1,
  lat: lin(51.9993, 1e-5),
  lon: lin(13.688, 2e-5),
  heading: (t) => (340 + 2 * t) % 360,
  channels: [
    { name: 'Speed (Km/h)', unit: 'Km/h', f: lin(40, 1) },
    { name: 'Accel X', unit: '', f: lin(0, 0.01) },
    { name: 'Brake (calculated)', unit: '', f: () => 0.5 },
    { name: 'Altitude (m)', unit: 'm', f: lin(91, 0.01) },
    { name: 'Oil Temp (°C) *OBD', unit: '°C', f: lin(90, 0.1) },
  ],
  crossings: [10.37, 31.8, 50.55],
  lap0StartS: 0,
  endPoint: { lat: 51.99907, lon: 13.6883, headingDeg: 271.5 },
  pit: [{ entryS: 32, exitS: 40 }],
  sessionEnd: true,
  utcStart: 1559734111,
  latin1: true,
};

export const raceCapture: RaceCaptureSpec = {
  startIntervalMs: 1166042,
  utcStartMs: 1429743708106,
  durationS: 30,
  crossings: [7.03, 19.74],
  firstLapS: 70.5,
  lapTimeLabel: 'Min',
  channels: [
    { name: 'Battery', unit: 'Volts', min: 0, max: 50, rateHz: 1, f: lin(14.2, -0.001), decimals: 3 },
    { name: 'AccelX', unit: 'G', min: -2, max: 2, rateHz: 25, f: lin(-0.25, 0.01), decimals: 4 },
    { name: 'EngineTemp', unit: 'F', min: 0, max: 255, rateHz: 1, f: lin(190, 0.1), decimals: 2 },
    { name: 'RPM', unit: '', min: 0, max: 10000, rateHz: 10, f: lin(3000, 50), decimals: 0 },
    { name: 'Latitude', unit: 'Degrees', min: 0, max: 0, rateHz: 10, f: lin(38.165653, 1e-5), decimals: 7 },
    { name: 'Longitude', unit: 'Degrees', min: 0, max: 0, rateHz: 10, f: lin(-122.461708, -1e-5), decimals: 7 },
    { name: 'Speed', unit: 'MPH', min: 0, max: 150, rateHz: 10, f: lin(70, 0.3), decimals: 2 },
  ],
};
