import type { AudioFeatures } from '../model/features';
import { createRng } from './split';

/**
 * `n` deterministic, valid audio-feature rows for benchmarks and tests (no real data; only timing
 * and agreement between implementations matter): features on their API ranges (0–1; key −1…11,
 * loudness −40…0 dB, tempo 60–180 BPM, speechiness 0–0.5), drawn with {@link createRng} from a
 * fixed seed, so every run times the same rows.
 */
export function benchTracks(n: number): AudioFeatures[] {
  const random = createRng(0x5eed);
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
