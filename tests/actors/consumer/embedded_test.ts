import { EmbeddedTransport } from "../../../actors/transport/mod.ts";
import { consumerSuite } from "./consumer_suite.ts";

consumerSuite({
  name: "embedded",
  settleMs: 10_000,
  open: () => {
    const transport = new EmbeddedTransport();
    return Promise.resolve({ transport, close: () => transport.close() });
  },
});
