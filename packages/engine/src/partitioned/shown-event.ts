/**
 * The part of an event that travels with its hits to other engine instances: the fields an
 * alert document shows (source, destination, host, message-template fields) and those a
 * correlation groups by or counts (`Ruleset.shownFields`), as a small JSON object. An alert
 * built from it reads the same as one built from the whole event, at a fraction of the bytes.
 * The object is written from the fields' JSON as it stands in the event's text, without
 * decoding it.
 */
export class ShownEvent {
  readonly #root: ShownNode;

  /** `slotOf`: each field's slot in the event context that `text` reads (-1 for none), worked out once here instead of for every event. */
  constructor(fields: readonly string[], slotOf: (field: string) => number = () => -1) {
    this.#root = { children: new Map() };
    for (const field of fields) {
      const parts = field.split('.');
      let node = this.#root;
      for (const part of parts) {
        let child = node.children.get(part);
        if (!child) node.children.set(part, (child = { children: new Map(), key: JSON.stringify(part) }));
        node = child;
      }
      node.path = parts;
      node.slot = slotOf(field);
    }
  }

  /** The shown fields of an event as JSON text; `json` gives a field's JSON (split path and slot → text, undefined when absent). */
  text(json: FieldJson): string {
    return write(this.#root, json) ?? '{}';
  }
}

interface ShownNode {
  readonly children: Map<string, ShownNode>;
  /** The node's key as JSON. */
  readonly key?: string;
  /** Set when the node is a shown field: its split path, and its slot. */
  path?: readonly string[];
  slot?: number;
}

/** A field's JSON text in the event being shown, by its split path and its slot (-1 for none); undefined when absent. */
type FieldJson = (path: readonly string[], slot: number) => string | undefined;

function write(node: ShownNode, json: FieldJson): string | undefined {
  let out: string | undefined;
  for (const child of node.children.values()) {
    // A shown field carries everything under it.
    const value = child.path ? json(child.path, child.slot!) : write(child, json);
    if (value === undefined) continue;
    out = `${out === undefined ? '{' : `${out},`}${child.key!}:${value}`;
  }
  return out === undefined ? undefined : `${out}}`;
}
