import { invalidDatabase } from './errors.ts';
import { MAX_DATA_DEPTH, MAX_RECORD_VALUES, MmdbType } from './mmdb-format.ts';

const TYPE_NAMES = [
  'extended type',
  'pointer',
  'string',
  'double',
  'bytes',
  'uint16',
  'uint32',
  'map',
  'int32',
  'uint64',
  'uint128',
  'array',
  'data cache container',
  'end marker',
  'boolean',
  'float',
];

/**
 * Decodes values from one section of an `.mmdb` file (the data section or the metadata).
 * Offsets and pointers count from the section start and every read is checked against the
 * section end, so a corrupt file gives an error naming the offset instead of garbage or a hang.
 *
 * Values decode to: string, number (double, float, uint16, uint32, int32), bigint (uint64,
 * uint128), boolean, Uint8Array (bytes), frozen arrays and frozen plain objects (maps).
 */
export class MmdbDecoder {
  readonly #buf: Buffer;
  readonly #start: number;
  readonly #end: number;
  readonly #source: string;
  readonly #checked = new Map<number, number>();
  readonly #active = new Set<number>();
  // Decoding state lives on the instance so the hot path allocates nothing but the values.
  #pos = 0;
  #type = 0;
  #size = 0;
  #budget = 0;

  /** `start`/`end` bound the section in `buf`; `source` names the file in errors. */
  constructor(buf: Buffer, start: number, end: number, source: string) {
    this.#buf = buf;
    this.#start = start;
    this.#end = end;
    this.#source = source;
  }

  /** Bytes in the section. */
  get size(): number {
    return this.#end - this.#start;
  }

  /** Decodes the value at `offset`; throws `VIGIL_ERR_GEOIP_DATABASE_INVALID` when it is malformed. */
  decode(offset: number): unknown {
    this.#budget = MAX_RECORD_VALUES;
    this.#pos = this.#start + offset;
    return this.#value(0);
  }

  /**
   * Checks the value at `offset` without building it: sizes, bounds, pointer targets, map keys,
   * nesting depth and pointer loops. Pointer targets are checked once per decoder, so checking
   * every record of a file costs about one pass over its data section.
   */
  validate(offset: number): void {
    this.#pos = this.#start + offset;
    this.#skip(0);
  }

  #fail(reason: string): never {
    throw invalidDatabase(this.#source, reason);
  }

  /** Reads the control bytes at #pos into #type and #size; for a pointer, #size is its target. */
  #control(): void {
    const buf = this.#buf;
    const end = this.#end;
    let pos = this.#pos;
    if (pos >= end) this.#fail(`data at offset ${pos - this.#start} runs past the end of the section`);
    const ctrl = buf[pos++]!;
    let type = ctrl >>> 5;
    if (type === MmdbType.pointer) {
      const extra = (ctrl >>> 3) & 3;
      if (pos + extra + 1 > end) this.#fail(`pointer at offset ${pos - 1 - this.#start} runs past the end of the section`);
      let target: number;
      if (extra === 0) target = ((ctrl & 7) << 8) | buf[pos]!;
      else if (extra === 1) target = (((ctrl & 7) << 16) | (buf[pos]! << 8) | buf[pos + 1]!) + 2048;
      else if (extra === 2) target = (((ctrl & 7) << 24) | (buf[pos]! << 16) | (buf[pos + 1]! << 8) | buf[pos + 2]!) + 526_336;
      else target = buf.readUInt32BE(pos);
      if (target >= end - this.#start) {
        this.#fail(`pointer at offset ${pos - 1 - this.#start} points to offset ${target}, past the end of the section (${end - this.#start} bytes)`);
      }
      this.#pos = pos + extra + 1;
      this.#type = type;
      this.#size = target;
      return;
    }
    if (type === MmdbType.extended) {
      if (pos >= end) this.#fail(`data at offset ${pos - 1 - this.#start} runs past the end of the section`);
      type = 7 + buf[pos++]!;
      if (type < 8 || type > 15) this.#fail(`extended type ${type} at offset ${pos - 2 - this.#start} is not a MaxMind DB type`);
    }
    let size = ctrl & 0x1f;
    if (size >= 29) {
      const extra = size - 28;
      if (pos + extra > end) this.#fail(`size of the value at offset ${this.#pos - this.#start} runs past the end of the section`);
      if (size === 29) size = 29 + buf[pos]!;
      else if (size === 30) size = 285 + ((buf[pos]! << 8) | buf[pos + 1]!);
      else size = 65_821 + ((buf[pos]! << 16) | (buf[pos + 1]! << 8) | buf[pos + 2]!);
      pos += extra;
    }
    this.#pos = pos;
    this.#type = type;
    this.#size = size;
  }

  #enter(depth: number): void {
    if (depth > MAX_DATA_DEPTH) this.#fail(`data nested deeper than ${MAX_DATA_DEPTH} levels at offset ${this.#pos - this.#start} (a pointer loop?)`);
  }

  #value(depth: number): unknown {
    this.#enter(depth);
    if (--this.#budget < 0) this.#fail(`a record expands to more than ${MAX_RECORD_VALUES} values (a pointer loop?)`);
    const at = this.#pos - this.#start;
    this.#control();
    if (this.#type === MmdbType.pointer) {
      const after = this.#pos;
      this.#followPointer(at);
      const value = this.#value(depth + 1);
      this.#pos = after;
      return value;
    }
    const type = this.#type;
    const size = this.#size;
    if (type === MmdbType.map) return this.#map(size, depth, at);
    if (type === MmdbType.array) return this.#array(size, depth, at);
    if (type === MmdbType.boolean) return this.#boolean(size, at);
    this.#checkScalar(type, size, at);
    const buf = this.#buf;
    const pos = this.#pos;
    this.#pos = pos + size;
    switch (type) {
      case MmdbType.utf8String:
        return buf.toString('utf8', pos, pos + size);
      case MmdbType.double:
        return buf.readDoubleBE(pos);
      case MmdbType.float:
        return buf.readFloatBE(pos);
      case MmdbType.bytes:
        return new Uint8Array(buf.subarray(pos, pos + size));
      case MmdbType.int32:
        return size === 4 ? buf.readInt32BE(pos) : this.#unsigned(pos, size);
      case MmdbType.uint64:
      case MmdbType.uint128:
        return this.#bigUnsigned(pos, size);
      default:
        return this.#unsigned(pos, size);
    }
  }

  #followPointer(at: number): void {
    this.#pos = this.#start + this.#size;
    if (this.#buf[this.#pos]! >>> 5 === MmdbType.pointer) this.#fail(`pointer at offset ${at} points to another pointer`);
  }

  #map(count: number, depth: number, at: number): Record<string, unknown> {
    // Each pair takes at least two bytes: a larger count is corruption, not a reason to loop.
    if (count * 2 > this.#end - this.#pos) this.#fail(`map at offset ${at} claims ${count} entries, more than the section holds`);
    const map: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const keyAt = this.#pos - this.#start;
      const key = this.#value(depth + 1);
      if (typeof key !== 'string') this.#fail(`map key at offset ${keyAt} is not a string`);
      const value = this.#value(depth + 1);
      if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
      else map[key] = value;
    }
    return Object.freeze(map);
  }

  #array(count: number, depth: number, at: number): readonly unknown[] {
    if (count > this.#end - this.#pos) this.#fail(`array at offset ${at} claims ${count} elements, more than the section holds`);
    const list: unknown[] = [];
    for (let i = 0; i < count; i++) list.push(this.#value(depth + 1));
    return Object.freeze(list);
  }

  #boolean(size: number, at: number): boolean {
    if (size > 1) this.#fail(`boolean at offset ${at} has value ${size}`);
    return size === 1;
  }

  #checkScalar(type: number, size: number, at: number): void {
    let valid: boolean;
    switch (type) {
      case MmdbType.utf8String:
      case MmdbType.bytes:
        valid = true;
        break;
      case MmdbType.double:
        valid = size === 8;
        break;
      case MmdbType.float:
        valid = size === 4;
        break;
      case MmdbType.uint16:
        valid = size <= 2;
        break;
      case MmdbType.uint32:
      case MmdbType.int32:
        valid = size <= 4;
        break;
      case MmdbType.uint64:
        valid = size <= 8;
        break;
      case MmdbType.uint128:
        valid = size <= 16;
        break;
      default:
        this.#fail(`unexpected ${TYPE_NAMES[type]} at offset ${at}`);
    }
    if (!valid) this.#fail(`${TYPE_NAMES[type]} at offset ${at} has an invalid size of ${size} bytes`);
    if (this.#pos + size > this.#end) this.#fail(`${TYPE_NAMES[type]} at offset ${at} (${size} bytes) runs past the end of the section`);
  }

  #unsigned(pos: number, size: number): number {
    let value = 0;
    for (let i = pos; i < pos + size; i++) value = value * 256 + this.#buf[i]!;
    return value;
  }

  #bigUnsigned(pos: number, size: number): bigint {
    let value = 0n;
    for (let i = pos; i < pos + size; i++) value = (value << 8n) | BigInt(this.#buf[i]!);
    return value;
  }

  /** Walks one value without building it; returns its type (the target's type for a pointer). */
  #skip(depth: number): number {
    this.#enter(depth);
    const at = this.#pos - this.#start;
    this.#control();
    const type = this.#type;
    const size = this.#size;
    if (type === MmdbType.pointer) {
      const known = this.#checked.get(size);
      if (known !== undefined) return known;
      if (this.#active.has(size)) this.#fail(`pointer at offset ${at} leads back to offset ${size} (a pointer loop)`);
      const after = this.#pos;
      this.#followPointer(at);
      this.#active.add(size);
      const resolved = this.#skip(depth + 1);
      this.#active.delete(size);
      this.#checked.set(size, resolved);
      this.#pos = after;
      return resolved;
    }
    if (type === MmdbType.map) {
      if (size * 2 > this.#end - this.#pos) this.#fail(`map at offset ${at} claims ${size} entries, more than the section holds`);
      for (let i = 0; i < size; i++) {
        const keyAt = this.#pos - this.#start;
        if (this.#skip(depth + 1) !== MmdbType.utf8String) this.#fail(`map key at offset ${keyAt} is not a string`);
        this.#skip(depth + 1);
      }
    } else if (type === MmdbType.array) {
      if (size > this.#end - this.#pos) this.#fail(`array at offset ${at} claims ${size} elements, more than the section holds`);
      for (let i = 0; i < size; i++) this.#skip(depth + 1);
    } else if (type === MmdbType.boolean) {
      this.#boolean(size, at);
    } else {
      this.#checkScalar(type, size, at);
      this.#pos += size;
    }
    return type;
  }
}
