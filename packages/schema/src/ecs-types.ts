import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * zod builders for the ECS field types Vigil emits. ECS `keyword` and `match_only_text` are
 * strings, `long` is an integer, `ip` an IPv4/IPv6 address, `date` an ISO-8601 timestamp.
 */
export const keyword = () => z.string();
export const text = () => z.string();
export const long = () => z.number().int();
export const float = () => z.number();
export const ip = () => z.string().refine((value) => isIP(value) !== 0, { message: 'not an IP address' });
export const date = () => z.iso.datetime({ offset: true });
export const keywords = () => z.array(z.string());
export const ips = () => z.array(ip());
/** A strict ECS field set: unknown fields are errors that name the field. */
export const fieldSet = <S extends z.ZodRawShape>(shape: S) => z.object(shape).partial().strict();
