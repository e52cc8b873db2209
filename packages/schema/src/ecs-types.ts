import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * zod builders for the ECS field types Vigil emits. ECS `keyword` and `match_only_text` are
 * strings, `long` is an integer, `ip` an IPv4/IPv6 address, `date` an ISO-8601 timestamp.
 * Each builder records its ECS type in {@link ecsFieldTypes}, so the schema itself says which
 * ECS type every field has (the ECS check and the OpenSearch mappings read it from there).
 */

/** The ECS types Vigil's schemas use (ECS's own names; `text` stands for `match_only_text`). */
export type EcsFieldType = 'keyword' | 'text' | 'long' | 'float' | 'ip' | 'date' | 'geo_point' | 'object' | 'flattened';

/** What a builder records about its field: the ECS type, and whether the value is a list. */
export interface EcsFieldMeta {
  ecsType: EcsFieldType;
  array: boolean;
}

/**
 * The registry of ECS field types. Metadata is inherited by refinements of a registered
 * schema (`keyword().min(1)` is still a `keyword`).
 */
export const ecsFieldTypes = z.registry<EcsFieldMeta>();

const typed = <T extends z.ZodType>(schema: T, ecsType: EcsFieldType, array = false): T => {
  ecsFieldTypes.add(schema as z.ZodType, { ecsType, array });
  return schema;
};

export const keyword = () => typed(z.string(), 'keyword');
export const text = () => typed(z.string(), 'text');
export const long = () => typed(z.number().int(), 'long');
export const float = () => typed(z.number(), 'float');
export const ip = () => typed(z.string().refine((value) => isIP(value) !== 0, { message: 'not an IP address' }), 'ip');
export const date = () => typed(z.iso.datetime({ offset: true }), 'date');
export const keywords = () => typed(z.array(z.string()), 'keyword', true);
export const ips = () => typed(z.array(ip()), 'ip', true);
/** ECS `geo_point`, written as `{ lat, lon }`. */
export const geoPoint = () => typed(z.object({ lat: z.number(), lon: z.number() }).strict(), 'geo_point');
/** ECS `object` of keyword values (`labels`): any key, string values. */
export const keywordMap = () => typed(z.record(z.string(), z.string()), 'object');
/** ECS `flattened`: an object of any keys, indexed as one field (`log.syslog.structured_data`). */
export const flattened = <T extends z.ZodType>(schema: T): T => typed(schema, 'flattened');
/** A strict ECS field set: unknown fields are errors that name the field. */
export const fieldSet = <S extends z.ZodRawShape>(shape: S) => z.object(shape).partial().strict();
