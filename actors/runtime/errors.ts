/**
 * Errors raised by the actor runtime. Callers tell them apart with `instanceof`.
 *
 * @module
 */

/** A message was sent to a mailbox that no longer accepts messages (its actor has stopped). */
export class MailboxClosedError extends Error {
  override name = "MailboxClosedError";
  constructor(actor?: string) {
    super(actor ? `actor '${actor}' has stopped and accepts no messages` : "mailbox is closed");
  }
}

/** A supervisor exceeded its restart intensity and gave up; its parent decides what happens next. */
export class EscalationError extends Error {
  override name = "EscalationError";
  /** Path of the supervisor that gave up. */
  readonly supervisor: string;
  /** Id of the child whose crash exceeded the intensity. */
  readonly child: string;

  constructor(options: {
    supervisor: string;
    child: string;
    intensity: number;
    periodMs: number;
    cause: unknown;
  }) {
    super(
      `supervisor '${options.supervisor}' gave up: more than ${options.intensity} restarts within ` +
        `${options.periodMs} ms (last crash in '${options.child}': ${
          describeError(options.cause)
        })`,
      { cause: options.cause },
    );
    this.supervisor = options.supervisor;
    this.child = options.child;
  }
}

/** A Web Worker hosting an actor crashed, was terminated, or could not be started. */
export class WorkerCrashedError extends Error {
  override name = "WorkerCrashedError";
  constructor(actor: string, detail: string) {
    super(`worker actor '${actor}' crashed: ${detail}`);
  }
}

/** A Web Worker stopped answering heartbeats and is treated as crashed. */
export class HeartbeatTimeoutError extends Error {
  override name = "HeartbeatTimeoutError";
  constructor(actor: string, silentMs: number) {
    super(`worker actor '${actor}' did not answer heartbeats for ${silentMs} ms`);
  }
}

/** A request sent with `call` got no reply in time. */
export class CallTimeoutError extends Error {
  override name = "CallTimeoutError";
  constructor(actor: string, timeoutMs: number) {
    super(`actor '${actor}' did not reply within ${timeoutMs} ms`);
  }
}

/**
 * A message went to the dead letters: it failed twice (first attempt and one retry), or could not
 * be sent again (its transferred buffers moved with the delivery that failed).
 */
export class DeadLetterError extends Error {
  override name = "DeadLetterError";
  constructor(actor: string, cause: unknown) {
    super(`actor '${actor}' gave up on the message: ${describeError(cause)}`, { cause });
  }
}

/** The actor was stopped before it could process the message. */
export class ActorStoppedError extends Error {
  override name = "ActorStoppedError";
  constructor(actor: string) {
    super(`actor '${actor}' stopped before processing the message`);
  }
}

/** One-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
