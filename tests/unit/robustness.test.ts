import { describe, expect, it } from 'vitest';
import type { ModelInput } from '@/model/features';
import { THEME_IDS } from '@/model/themes';
import { PERTURBATIONS, flipShares, perturb } from '@/training/robustness';
import { makeFeatures } from './support/fixtures';

const byName = (name: string) => {
  const p = PERTURBATIONS.find((x) => x.feature === name);
  if (!p) throw new Error(name);
  return p;
};

describe('perturb', () => {
  it('moves one feature by the issue-10 step, clamped to its range', () => {
    const row: ModelInput = { features: makeFeatures({ energy: 0.99, tempo: 120, loudness: -6 }), durationMs: 200_000 };
    expect(perturb(row, byName('energy'), 1).features.energy).toBe(1);
    expect(perturb(row, byName('energy'), -1).features.energy).toBeCloseTo(0.97, 12);
    expect(perturb(row, byName('tempo'), 1).features.tempo).toBe(122);
    expect(perturb(row, byName('loudness'), -1).features.loudness).toBe(-6.5);
    expect(perturb(row, byName('durationMs'), 1).durationMs).toBe(201_000);
    expect(perturb({ ...row, durationMs: null }, byName('durationMs'), 1).durationMs).toBeNull();
    expect(perturb(row, byName('tempo'), 1).features.energy).toBe(0.99);
  });
});

describe('flipShares', () => {
  it('counts a track once when either direction changes its badge theme', () => {
    // A threshold model on energy: workout above 0.5, chill otherwise.
    const probabilities = (rows: readonly ModelInput[]) => rows.map((r) => THEME_IDS.map((t) => (t === (r.features.energy > 0.5 ? 'workout' : 'chill') ? 0.9 : 0.1 / 7)));
    const rows = [0.49, 0.51, 0.2, 0.8].map((energy) => ({ features: makeFeatures({ energy }), durationMs: null }));
    const shares = flipShares(rows, probabilities, THEME_IDS, THEME_IDS);
    expect(shares.find((s) => s.perturbation.feature === 'energy')?.share).toBe(0.5);
    expect(shares.find((s) => s.perturbation.feature === 'tempo')?.share).toBe(0);
  });
});
