import { EmbeddedTransport } from "../../../../actors/log/mod.ts";
import { consumerSuite } from "./consumer_suite.ts";

consumerSuite({
  name: "embedded",
  settleMs: 10_000,
  open: () => {
    const transport = new EmbeddedTransport();
    return Promise.resolve({ transport, close: () => transport.close() });
  },
});
