// The ImportError a parse throws: the test fails if it parses, or throws anything else.
import { expect } from 'vitest';
import { ImportError } from '../../src-main/telemetry/model.ts';

export function importErrorOf(parse: () => unknown): ImportError {
  try {
    parse();
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return e as ImportError;
  }
  throw new Error('parsed, where an ImportError was expected');
}
