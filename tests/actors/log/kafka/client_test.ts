import assert from "node:assert/strict";
import { CLIENT_RETRY, PRODUCER_CLIENT_RETRY } from "../../../../actors/log/kafka/client.ts";

/**
 * The shortest and longest time kafkajs spends retrying with `retry` before it gives up: its
 * first wait is `initialRetryTime` spread by ±20 %, each next one the last spread by ±20 % and
 * doubled, at most `maxRetryTime` (kafkajs's `src/retry/index.js`).
 */
function retryWindowMs(retry: typeof CLIENT_RETRY): { shortest: number; longest: number } {
  const factor = 0.2;
  const total = (spread: number) => {
    let wait = Math.ceil(retry.initialRetryTime * (1 + spread * factor));
    let sum = 0;
    for (let attempt = 0; attempt < retry.retries; attempt++) {
      sum += wait;
      wait = Math.min(Math.ceil(wait * (1 + spread * factor)) * 2, retry.maxRetryTime);
    }
    return sum;
  };
  return { shortest: total(-1), longest: total(1) };
}

Deno.test("the producers' lookups ride out a node's death; the client's tell a dead cluster soon", () => {
  // A dead node's coordinators move once the cluster notices (broker.session.timeout.ms, 9 s by
  // default) and has elected new leaders; kill-broker's node stays down 10 to 20 s.
  const producers = retryWindowMs(PRODUCER_CLIENT_RETRY);
  assert.ok(producers.shortest >= 20_000, `${producers.shortest} ms at the shortest`);
  assert.ok(producers.longest <= 40_000, `${producers.longest} ms at the longest`);
  // Start-up's and the admin calls' lookups: a wrong --brokers is told within seconds.
  const client = retryWindowMs(CLIENT_RETRY);
  assert.ok(client.longest <= 5_000, `${client.longest} ms at the longest`);
});
