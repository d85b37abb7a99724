// Prometheus's own PromQL test files (v2.42.0, tests/fixtures/promql/SOURCES.md) run against our
// engine. Every case must pass except those listed below with the reason; a listed case that starts
// passing fails the test too, so the list cannot go stale.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runTestFile } from './promqltest.js';

const LEZER_NUMBER = 'lezer-promql reads no number ending in "." (Prometheus 2.42 accepts "2." and "1./6.")';
const HOLT_WINTERS = 'holt_winters is not supported (answers "function holt_winters is not supported")';

/** file → line of the eval command → why it is skipped. */
const SKIPPED: Record<string, Record<number, string>> = {
  literals: { 43: LEZER_NUMBER },
  functions: { 482: HOLT_WINTERS, 496: HOLT_WINTERS },
  histograms: { 109: LEZER_NUMBER, 115: LEZER_NUMBER, 118: LEZER_NUMBER, 124: LEZER_NUMBER },
};

const FILES = [
  'literals',
  'selectors',
  'staleness',
  'functions',
  'aggregators',
  'operators',
  'histograms',
  'subquery',
  'collision',
  'at_modifier',
  'trig_functions',
];

describe("Prometheus's PromQL test suite", () => {
  for (const file of FILES) {
    test(`${file}.test`, () => {
      const text = readFileSync(new URL(`../../fixtures/promql/${file}.test`, import.meta.url), 'utf8');
      const skip = new Set(Object.keys(SKIPPED[file] ?? {}).map(Number));
      const outcome = runTestFile(text, skip);
      expect(outcome.failures).toEqual([]);
      expect(outcome.skippedButPassing).toEqual([]);
      expect(outcome.passed).toBeGreaterThan(0);
      console.log(`${file}.test: ${outcome.passed} passed, ${skip.size} skipped`);
    });
  }
});
