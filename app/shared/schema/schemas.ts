import type { z } from 'zod';
import type { MethodKeys } from '../contract/service';

/**
 * Runtime validators for a service's method arguments, one zod tuple per method. The mapped
 * type makes the compiler check each tuple against the interface's parameter list, so a schema
 * cannot drift from the contract it guards.
 */
export type MethodSchemas<T> = {
  [K in MethodKeys<T>]: T[K] extends (...args: infer A) => unknown ? z.ZodType<A> : never;
};
