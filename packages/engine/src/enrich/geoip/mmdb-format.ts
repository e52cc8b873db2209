/**
 * Constants of the MaxMind DB file format, version 2.0 (https://maxmind.github.io/MaxMind-DB/),
 * shared by the reader and the test writer.
 */

/** Data field type numbers. Types 8 and up are "extended": the control byte says 0, the next byte says type − 7. */
export const MmdbType = {
  extended: 0,
  pointer: 1,
  utf8String: 2,
  double: 3,
  bytes: 4,
  uint16: 5,
  uint32: 6,
  map: 7,
  int32: 8,
  uint64: 9,
  uint128: 10,
  array: 11,
  dataCacheContainer: 12,
  endMarker: 13,
  boolean: 14,
  float: 15,
} as const;

/** The bytes that open the metadata section; the last occurrence in the file counts. */
export const METADATA_MARKER = Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1');

/** Largest metadata section, marker included; the marker is searched for only this far from the end. */
export const METADATA_MAX_BYTES = 128 * 1024;

/** Zero bytes between the search tree and the data section. */
export const DATA_SECTION_SEPARATOR_BYTES = 16;

/** Record sizes (bits) this implementation reads and writes. */
export const RECORD_SIZES = [24, 28, 32] as const;

/** Deepest nesting of maps, arrays and pointers a record may have (libmaxminddb's limit). */
export const MAX_DATA_DEPTH = 512;

/** Most values one record may expand to; pointers can make a small file expand without bound. */
export const MAX_RECORD_VALUES = 100_000;
