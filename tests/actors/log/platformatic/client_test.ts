import assert from "node:assert/strict";
import { platformaticOptions } from "../../../../actors/log/platformatic/client.ts";

Deno.test("SASL mechanisms and credentials reach the client under its names", () => {
  for (
    const [mechanism, expected] of [
      ["plain", "PLAIN"],
      ["scram-sha-256", "SCRAM-SHA-256"],
      ["scram-sha-512", "SCRAM-SHA-512"],
    ] as const
  ) {
    const options = platformaticOptions({
      brokers: ["b1:9093", "b2:9093"],
      clientId: "fraudstream",
      sasl: { mechanism, username: "scorer", password: "s3cret" },
    });
    assert.deepEqual(options.sasl, { mechanism: expected, username: "scorer", password: "s3cret" });
    assert.deepEqual(options.bootstrapBrokers, ["b1:9093", "b2:9093"]);
    assert.equal(options.tls, undefined, "no TLS unless asked");
  }
});

Deno.test("TLS is on when asked, trusting the certificates of the CA file given", () => {
  const ca = Deno.makeTempFileSync({ suffix: ".pem" });
  try {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    Deno.writeTextFileSync(ca, pem);
    const base = { brokers: ["b1:9093"], clientId: "fraudstream" };
    assert.deepEqual(platformaticOptions({ ...base, tls: {} }).tls, {});
    assert.deepEqual(platformaticOptions({ ...base, tls: { ca } }).tls, { ca: [pem] });
    assert.equal(platformaticOptions(base).sasl, undefined);
  } finally {
    Deno.removeSync(ca);
  }
});
