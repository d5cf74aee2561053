import assert from "node:assert/strict";
import { idleRoleStatus } from "../../../fixtures/role_status.ts";
import { maskCardNumber } from "../../../../actors/observe/dashboard/card_number.ts";
import {
  type AlertSummary,
  RecentAlerts,
  statusJson,
} from "../../../../actors/observe/dashboard/status.ts";

/** A card number of `length` digits that tells its positions apart. */
function cardOf(length: number): string {
  return Array.from({ length }, (_, i) => String((i + 1) % 10)).join("");
}

function alertFor(cc_num: string): AlertSummary {
  return {
    trans_num: "0123456789abcdef0123456789abcdef",
    cc_num,
    amt: 912.5,
    category: "shopping_net",
    score: 0.97,
    event_time: "2023-06-01T12:00:00",
    detected_at: "2023-06-01T12:00:01.000Z",
    model_version: "v1",
  };
}

Deno.test("a masked card number shows the last 4 and at most the first 6 digits, never half", () => {
  for (let length = 12; length <= 19; length++) {
    const card = cardOf(length);
    const masked = maskCardNumber(card);
    assert.equal(masked.length, length, "the length stays");
    const match = /^(\d*)(\*+)(\d{4})$/.exec(masked);
    assert.ok(match, `${masked}: leading digits, stars, the last 4`);
    const [, leading, stars, trailing] = match;
    assert.equal(trailing, card.slice(-4));
    assert.equal(leading, card.slice(0, leading.length));
    assert.ok(leading.length <= 6, `${masked}: at most the first 6`);
    assert.ok(stars.length >= length / 2, `${masked}: at least half hidden`);
  }
  assert.equal(maskCardNumber("5188851167276764"), "5188********6764");
  assert.equal(maskCardNumber("4000123412341234123"), "40001**********4123");
  assert.equal(maskCardNumber("213112345678"), "21******5678");
  assert.equal(maskCardNumber("123"), "**3", "a short input keeps most of it hidden");
});

Deno.test("recent alerts hold masked card numbers unless told to show them", () => {
  const card = "5188851167276764";
  const masked = new RecentAlerts();
  masked.add(alertFor(card));
  assert.equal(masked.list()[0].cc_num, "5188********6764");
  const shown = new RecentAlerts({ showCardNumbers: true });
  shown.add(alertFor(card));
  assert.equal(shown.list()[0].cc_num, card);

  // What `/api/status` and the page get carries no full number by default.
  const json = JSON.stringify(statusJson(idleRoleStatus({ recentAlerts: masked.list() })));
  assert.ok(!json.includes(card), json);
  assert.ok(json.includes("5188********6764"), json);
});
