/**
 * IANA time zones for syslog times that carry no offset (RFC 3164 `Mmm dd hh:mm:ss`): the
 * wall-clock time a sender wrote is turned into UTC with the zone's offset at that moment,
 * daylight saving included, using the offsets `Intl.DateTimeFormat` knows.
 */

const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_OFFSETS = 4_096;
const LONG_OFFSET = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu', 'Etc/UCT', 'UCT']);

/** A time zone that converts wall-clock times to UTC; create it with {@link timeZone}. */
export class TimeZone {
  /** The IANA name, as configured (written to `event.timezone`). */
  readonly name: string;
  readonly #format: Intl.DateTimeFormat | undefined;
  /** Offsets by quarter hour of UTC time: zones change offset only at quarter-hour instants. */
  readonly #offsets = new Map<number, number>();
  // Consecutive lines mostly fall in the same quarter hour: remember the last one.
  #lastBucket = Number.NaN;
  #lastOffset = 0;

  constructor(name: string) {
    // Throws a RangeError for a name the runtime does not know.
    const format = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
    this.name = name;
    this.#format = UTC_NAMES.has(format.resolvedOptions().timeZone) ? undefined : format;
  }

  /** True for UTC, where no conversion is needed. */
  get isUtc(): boolean {
    return this.#format === undefined;
  }

  /** The zone's offset from UTC in milliseconds at the instant `utcMs`. */
  offsetAt(utcMs: number): number {
    const format = this.#format;
    if (!format) return 0;
    const bucket = Math.floor(utcMs / QUARTER_HOUR_MS);
    if (bucket === this.#lastBucket) return this.#lastOffset;
    let offset = this.#offsets.get(bucket);
    if (offset === undefined) {
      if (this.#offsets.size >= MAX_CACHED_OFFSETS) this.#offsets.clear();
      offset = readOffset(format, bucket * QUARTER_HOUR_MS);
      this.#offsets.set(bucket, offset);
    }
    this.#lastBucket = bucket;
    this.#lastOffset = offset;
    return offset;
  }

  /**
   * UTC milliseconds of a wall-clock time in this zone (`wallMs` is that time read as if it
   * were UTC). A time in the hour skipped by a spring-forward change is read with the offset
   * in force after the change; a time repeated by a fall-back change is read as the first one.
   */
  toUtc(wallMs: number): number {
    if (!this.#format) return wallMs;
    const guessOffset = this.offsetAt(wallMs);
    const first = wallMs - guessOffset;
    const firstOffset = this.offsetAt(first);
    if (firstOffset === guessOffset) return this.#earlierInOverlap(wallMs, first, firstOffset);
    const second = wallMs - firstOffset;
    return this.offsetAt(second) === firstOffset ? this.#earlierInOverlap(wallMs, second, firstOffset) : first;
  }

  /** In a fall-back overlap the wall time exists twice; the earlier instant has the larger offset. */
  #earlierInOverlap(wallMs: number, utcMs: number, offset: number): number {
    const hourEarlier = this.offsetAt(utcMs - 3_600_000);
    if (hourEarlier > offset) {
      const earlier = wallMs - hourEarlier;
      if (this.offsetAt(earlier) === hourEarlier) return earlier;
    }
    return utcMs;
  }
}

const zones = new Map<string, TimeZone>();

/** The time zone called `name` (IANA, e.g. `Europe/Berlin`), shared per name. Throws a RangeError when unknown. */
export function timeZone(name: string): TimeZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = new TimeZone(name);
    zones.set(name, zone);
  }
  return zone;
}

/** True when `name` is a time zone this runtime knows (for config validation). */
export function isTimeZone(name: string): boolean {
  try {
    timeZone(name);
    return true;
  } catch {
    return false;
  }
}

/** UTC, the default zone for times without an offset. */
export const UTC_TIME_ZONE: TimeZone = timeZone('UTC');

function readOffset(format: Intl.DateTimeFormat, utcMs: number): number {
  const part = format.formatToParts(utcMs).find((p) => p.type === 'timeZoneName');
  const match = part ? LONG_OFFSET.exec(part.value) : null;
  if (!match || !match[1]) return 0;
  const ms = (Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0)) * 1000;
  return match[1] === '-' ? -ms : ms;
}
