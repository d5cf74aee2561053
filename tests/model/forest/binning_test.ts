import assert from "node:assert/strict";
import { seededRandom } from "../../../actors/lib/random.ts";
import { binValues, numericBins } from "../../../model/forest/binning.ts";
import { binForest, binRows, flattenForest } from "../../../model/forest/flat.ts";

Deno.test("training and scoring put every value in the same bin", () => {
  const random = seededRandom(3);
  const values = Float32Array.from({ length: 50_000 }, () => Math.round(random() * 5000) / 10);
  const bins = numericBins(values, 32, random);
  assert.ok(bins.count >= 20 && bins.count <= 32, `${bins.count} bins`);
  // Values on, just around and far from every edge, and NaN.
  const probes = [Number.NaN, -1e9, 1e9, Number.POSITIVE_INFINITY];
  for (const edge of bins.edges) {
    probes.push(edge, Math.fround(edge - 0.01), Math.fround(edge + 0.01));
  }
  const x = Float32Array.from([...probes, ...values.subarray(0, 1000)]);
  const trained = binValues(x, bins);
  // A one-node forest on this feature gives the scorer's binning of the same values.
  const forest = binForest(
    flattenForest([{
      feature: Int16Array.of(0, -1, -1),
      threshold: Float32Array.of(bins.edges[0], Number.NaN, Number.NaN),
      categoriesLeft: new Uint32Array(3),
      left: Int32Array.of(1, -1, -1),
      right: Int32Array.of(2, -1, -1),
      value: Float32Array.of(0.5, 0, 1),
      gain: new Float32Array(3),
    }], 1),
    [bins],
  );
  const scored = binRows(forest, x, x.length);
  assert.deepEqual([...trained], [...scored]);
  // Bin b holds the values up to edges[b].
  for (let i = 0; i < x.length; i++) {
    const b = trained[i];
    if (Number.isNaN(x[i])) continue;
    if (b < bins.edges.length) assert.ok(x[i] <= bins.edges[b], `value ${x[i]} in bin ${b}`);
    if (b > 0) assert.ok(x[i] > bins.edges[b - 1], `value ${x[i]} in bin ${b}`);
  }
});
