/**
 * Named events with typed payloads, in the style of kafkajs's instrumentation events: a component
 * emits `emit(name, payload)`; whoever wants to know subscribes with `on(name, listener)` and gets
 * back the function that unsubscribes. Which events exist, and what each carries, is one type: a
 * map from event name to payload type.
 *
 * @example A map of events, a listener and its removal
 * ```ts
 * interface DoorEvents {
 *   opened: { by: string };
 *   closed: { after: number };
 * }
 * const events = new Emitter<DoorEvents>();
 * const seen: string[] = [];
 * const off = events.on("opened", ({ by }) => seen.push(by));
 * events.emit("opened", { by: "ann" });
 * off();
 * events.emit("opened", { by: "bob" }); // nobody listens any more
 * ```
 *
 * @module
 */

/** A listener of an event whose payload is `T`. */
export type Listener<T> = (payload: T) => void;

/**
 * An emitter of the events of `Events`, a map from event name to payload type. Listeners run
 * synchronously, in the order they subscribed, inside `emit`: one that throws ends the emit and
 * its error reaches the emitter, as any call it made would.
 */
export class Emitter<Events extends object> {
  #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Calls `listener` with the payload of every `name` event from now on; returns its removal. */
  on<Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>): () => void {
    let listeners = this.#listeners.get(name);
    if (!listeners) this.#listeners.set(name, listeners = new Set());
    // Each subscription is its own entry, so the same function subscribed twice is called twice
    // and each removal removes one.
    const entry: Listener<Events[Name]> = (payload) => listener(payload);
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
    };
  }

  /** Tells every listener of `name`, in turn, about `payload`. */
  emit<Name extends keyof Events>(name: Name, payload: Events[Name]): void {
    const listeners = this.#listeners.get(name) as Set<Listener<Events[Name]>> | undefined;
    if (!listeners || listeners.size === 0) return;
    // Those subscribed when the event happened hear it, even if one of them unsubscribes another.
    for (const listener of [...listeners]) listener(payload);
  }
}
