// The MoTeC writers live with the product (race bench uses them); tests import them from here.
export * from '../../src-main/telemetry/writers/motec.ts';
