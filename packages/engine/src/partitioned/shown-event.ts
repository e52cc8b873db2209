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

  constructor(fields: readonly string[]) {
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
    }
  }

  /** The shown fields of an event as JSON text; `json` gives a field's JSON (split path → text, undefined when absent). */
  text(json: (path: readonly string[]) => string | undefined): string {
    return write(this.#root, json) ?? '{}';
  }
}

interface ShownNode {
  readonly children: Map<string, ShownNode>;
  /** The node's key as JSON. */
  readonly key?: string;
  /** Set when the node is a shown field: its split path. */
  path?: readonly string[];
}

function write(node: ShownNode, json: (path: readonly string[]) => string | undefined): string | undefined {
  let out: string | undefined;
  for (const child of node.children.values()) {
    // A shown field carries everything under it.
    const value = child.path ? json(child.path) : write(child, json);
    if (value === undefined) continue;
    out = `${out === undefined ? '{' : `${out},`}${child.key!}:${value}`;
  }
  return out === undefined ? undefined : `${out}}`;
}
