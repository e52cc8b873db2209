import { MmdbType } from './mmdb-format.ts';

/** The MaxMind DB types a plain JS value does not pick by itself. */
export type MmdbExplicitType = 'uint16' | 'uint32' | 'int32' | 'uint64' | 'uint128' | 'float' | 'double';

/** A value written with an explicit MaxMind DB type (see {@link mmdbValue}). */
export class MmdbTyped {
  readonly type: MmdbExplicitType;
  readonly value: number | bigint;

  constructor(type: MmdbExplicitType, value: number | bigint) {
    this.type = type;
    this.value = value;
  }
}

/** Bytes written as they are in place of an encoded value: for building corrupt files in tests. */
export class MmdbRaw {
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/**
 * A value the test writer can encode. Plain values pick their type: string → UTF-8 string,
 * boolean → boolean, Uint8Array → bytes, integer 0…2³²−1 → uint32, negative integer → int32,
 * other numbers → double, bigint → uint64 (uint128 above 2⁶⁴), array → array, object → map.
 */
export type MmdbValue = string | number | bigint | boolean | Uint8Array | MmdbTyped | MmdbRaw | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };

/** Builders for values with an explicit type, and for raw bytes. */
export const mmdbValue = {
  uint16: (value: number) => new MmdbTyped('uint16', value),
  uint32: (value: number) => new MmdbTyped('uint32', value),
  int32: (value: number) => new MmdbTyped('int32', value),
  uint64: (value: number | bigint) => new MmdbTyped('uint64', value),
  uint128: (value: number | bigint) => new MmdbTyped('uint128', value),
  float: (value: number) => new MmdbTyped('float', value),
  double: (value: number) => new MmdbTyped('double', value),
  raw: (bytes: Uint8Array) => new MmdbRaw(bytes),
};

const LIMITS: Record<'uint16' | 'uint32' | 'int32' | 'uint64' | 'uint128', { type: number; min: bigint; max: bigint }> = {
  uint16: { type: MmdbType.uint16, min: 0n, max: 2n ** 16n - 1n },
  uint32: { type: MmdbType.uint32, min: 0n, max: 2n ** 32n - 1n },
  int32: { type: MmdbType.int32, min: -(2n ** 31n), max: 2n ** 31n - 1n },
  uint64: { type: MmdbType.uint64, min: 0n, max: 2n ** 64n - 1n },
  uint128: { type: MmdbType.uint128, min: 0n, max: 2n ** 128n - 1n },
};

/**
 * Encodes values into a data section. With `pointers` on, a string, map or array identical to
 * one already written becomes a pointer to it, as MaxMind's writers do for repeated names.
 */
export class MmdbEncoder {
  readonly #chunks: Uint8Array[] = [];
  readonly #written = new Map<string, number>();
  readonly #pointers: boolean;
  #length = 0;

  constructor(options: { pointers?: boolean } = {}) {
    this.#pointers = options.pointers ?? true;
  }

  /** The section so far. */
  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  /** Writes a record and returns its offset; an identical record already written is reused. */
  write(value: MmdbValue): number {
    const key = fingerprint(value);
    const existing = key === null ? undefined : this.#written.get(key);
    if (existing !== undefined) return existing;
    const offset = this.#length;
    this.#inline(value);
    if (key !== null) this.#written.set(key, offset);
    return offset;
  }

  #push(bytes: Uint8Array | readonly number[]): void {
    const chunk = Uint8Array.from(bytes);
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  #field(value: MmdbValue): void {
    const shareable = typeof value === 'string' || Array.isArray(value) || isMap(value);
    const key = this.#pointers && shareable ? fingerprint(value) : null;
    const existing = key === null ? undefined : this.#written.get(key);
    if (existing !== undefined) {
      this.#pointer(existing);
      return;
    }
    const offset = this.#length;
    this.#inline(value);
    if (key !== null) this.#written.set(key, offset);
  }

  #pointer(target: number): void {
    if (target < 2048) this.#push([0x20 | (target >>> 8), target & 0xff]);
    else if (target < 526_336) {
      const v = target - 2048;
      this.#push([0x28 | (v >>> 16), (v >>> 8) & 0xff, v & 0xff]);
    } else if (target < 526_336 + 2 ** 27) {
      const v = target - 526_336;
      this.#push([0x30 | (v >>> 24), (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
    } else {
      this.#push([0x38, (target >>> 24) & 0xff, (target >>> 16) & 0xff, (target >>> 8) & 0xff, target & 0xff]);
    }
  }

  #control(type: number, size: number): void {
    let first = type <= 7 ? type << 5 : 0;
    const extended = type > 7 ? [type - 7] : [];
    let sizeBytes: number[];
    if (size < 29) {
      first |= size;
      sizeBytes = [];
    } else if (size < 285) {
      first |= 29;
      sizeBytes = [size - 29];
    } else if (size < 65_821) {
      first |= 30;
      sizeBytes = [(size - 285) >>> 8, (size - 285) & 0xff];
    } else if (size <= 16_843_036) {
      first |= 31;
      sizeBytes = [(size - 65_821) >>> 16, ((size - 65_821) >>> 8) & 0xff, (size - 65_821) & 0xff];
    } else {
      throw new RangeError(`an MMDB value holds at most 16843036 bytes or entries, not ${size}`);
    }
    this.#push([first, ...extended, ...sizeBytes]);
  }

  #inline(value: MmdbValue): void {
    if (value instanceof MmdbRaw) this.#push(value.bytes);
    else if (value instanceof MmdbTyped) this.#typed(value);
    else if (typeof value === 'string') {
      const bytes = Buffer.from(value, 'utf8');
      this.#control(MmdbType.utf8String, bytes.length);
      this.#push(bytes);
    } else if (typeof value === 'boolean') this.#control(MmdbType.boolean, value ? 1 : 0);
    else if (typeof value === 'bigint') this.#integer(value < 2n ** 64n ? 'uint64' : 'uint128', value);
    else if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) this.#integer('uint32', value);
      else if (Number.isInteger(value) && value < 0 && value >= -(2 ** 31)) this.#integer('int32', value);
      else this.#typed(new MmdbTyped('double', value));
    } else if (value instanceof Uint8Array) {
      this.#control(MmdbType.bytes, value.length);
      this.#push(value);
    } else if (Array.isArray(value)) {
      this.#control(MmdbType.array, value.length);
      for (const item of value as readonly MmdbValue[]) this.#field(item);
    } else {
      const entries = Object.entries(value);
      this.#control(MmdbType.map, entries.length);
      for (const [key, item] of entries) {
        this.#field(key);
        this.#field(item);
      }
    }
  }

  #typed(value: MmdbTyped): void {
    if (value.type === 'float' || value.type === 'double') {
      const bytes = Buffer.alloc(value.type === 'float' ? 4 : 8);
      if (value.type === 'float') bytes.writeFloatBE(Number(value.value));
      else bytes.writeDoubleBE(Number(value.value));
      this.#control(value.type === 'float' ? MmdbType.float : MmdbType.double, bytes.length);
      this.#push(bytes);
    } else {
      this.#integer(value.type, value.value);
    }
  }

  #integer(type: keyof typeof LIMITS, value: number | bigint): void {
    const limit = LIMITS[type];
    let big = BigInt(value);
    if (big < limit.min || big > limit.max) throw new RangeError(`${value} does not fit in ${type}`);
    if (big < 0n) big += 2n ** 32n;
    const bytes: number[] = [];
    for (; big > 0n; big >>= 8n) bytes.unshift(Number(big & 0xffn));
    this.#control(limit.type, bytes.length);
    this.#push(bytes);
  }
}

function isMap(value: MmdbValue): boolean {
  return typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof MmdbTyped) && !(value instanceof MmdbRaw);
}

/** A string that is equal for values that encode the same; null for raw bytes, which are never shared. */
function fingerprint(value: MmdbValue): string | null {
  if (value instanceof MmdbRaw) return null;
  if (value instanceof MmdbTyped) return `${value.type}:${value.value}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value}:${value}`;
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  const parts: string[] = [];
  const items = Array.isArray(value) ? (value as readonly MmdbValue[]).map((item) => ['', item] as const) : Object.entries(value);
  for (const [key, item] of items) {
    const inner = fingerprint(item);
    if (inner === null) return null;
    parts.push(`${JSON.stringify(key)}=${inner}`);
  }
  return Array.isArray(value) ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}
