import type { AudioFeatures } from './features';

/**
 * `n` deterministic, valid audio-feature rows for benchmarks (no real data: the benchmark runs
 * in the browser too, and only timing matters). mulberry32 from a fixed seed.
 */
export function benchTracks(n: number): AudioFeatures[] {
  let a = 0x5eed;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => ({
    acousticness: random(),
    danceability: random(),
    energy: random(),
    instrumentalness: random(),
    key: Math.floor(random() * 13) - 1,
    liveness: random(),
    loudness: -40 + random() * 40,
    mode: random() < 0.5 ? 0 : 1,
    speechiness: random() * 0.5,
    tempo: 60 + random() * 120,
    valence: random(),
  }));
}
