/**
 * Entry module of fraudstream's Web Workers when running from source. (The bundled program uses
 * its own file as the worker entry; see `main.ts` and `specs.ts`.)
 *
 * @module
 */

import { serveWorker } from "../../runtime/worker_host.ts";
import { WORKER_BEHAVIORS } from "./registry.ts";

serveWorker(WORKER_BEHAVIORS);
