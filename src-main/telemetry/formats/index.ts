// Every importer Race knows. Detection asks each one how sure it is; the highest wins.
import type { Importer } from '../model.ts';
import { aimCsvImporter } from './aim-csv.ts';
import { iRacingIbtImporter } from './iracing-ibt.ts';
import { motecCsvImporter } from './motec-csv.ts';
import { motecLdImporter } from './motec-ld.ts';
import { raceCaptureLogImporter } from './racecapture-log.ts';
import { raceChronoCsvImporter } from './racechrono-csv.ts';
import { trackAddictCsvImporter } from './trackaddict-csv.ts';
import { vboImporter } from './vbo.ts';

export const IMPORTERS: Importer[] = [motecLdImporter, motecCsvImporter, aimCsvImporter, raceChronoCsvImporter, trackAddictCsvImporter, raceCaptureLogImporter, vboImporter, iRacingIbtImporter];

/** The importer for these bytes, or null when none is reasonably sure. */
export function detectFormat(head: Uint8Array): Importer | null {
  let best: Importer | null = null;
  let score = 0;
  for (const importer of IMPORTERS) {
    let s = 0;
    try {
      s = importer.detect(head);
    } catch {
      s = 0;
    }
    if (s > score) {
      score = s;
      best = importer;
    }
  }
  return score >= 0.5 ? best : null;
}
