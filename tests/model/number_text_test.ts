import assert from "node:assert/strict";
import { seededRandom } from "../../actors/lib/random.ts";
import { moneyText, wholeText } from "../../model/number_text.ts";

const MONEY = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const WHOLE = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** Values of every kind a feature takes, and the edges of the fast paths. */
function values(): number[] {
  const random = seededRandom(7);
  const out = [
    0,
    -0,
    0.001,
    -0.001,
    0.004,
    0.005,
    -0.005,
    0.994,
    0.995,
    0.999,
    1.005,
    2.675,
    1.045,
    9.995,
    99.995,
    999.995,
    999_999.995,
    1e-7,
    -1e-7,
    1e-6,
    123_456_789.125,
    999_999_999_999.99,
    1e12,
    1e15,
    1e21,
    -1e21,
    5e-324,
    Number.MAX_VALUE,
    Number.NaN,
    Infinity,
    -Infinity,
  ];
  for (let i = 0; i < 50_000; i++) {
    // Amounts in cents, half cents, and doubles of any magnitude and sign.
    out.push(Math.floor(random() * 1e7) / 100);
    out.push((Math.floor(random() * 1e6) + 0.5) / 100);
    out.push((random() - 0.5) * 10 ** Math.floor(random() * 16 - 4));
  }
  return out;
}

Deno.test("moneyText writes every amount as Intl.NumberFormat('en-US') with two decimals", () => {
  for (const v of values()) assert.equal(moneyText(v), MONEY.format(v), `value ${v}`);
});

Deno.test("wholeText writes every whole number as Intl.NumberFormat('en-US')", () => {
  for (const v of values()) {
    const n = Math.round(v);
    assert.equal(wholeText(n), WHOLE.format(n), `value ${n}`);
  }
  // Not whole: as Intl too (it rounds).
  assert.equal(wholeText(1234.5), WHOLE.format(1234.5));
});
