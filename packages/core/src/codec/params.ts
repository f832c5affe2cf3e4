import type * as Store from '@graflow/store';
import { UnsupportedValueError } from '../errors';

/**
 * A bound task's params as every process will see them. Params are part of the graph, and a
 * distributed run reads them back from the graph store: canonical msgpack (plain data, Date,
 * 64-bit BigInt and bytes; undefined properties dropped, undefined array items and holes turned
 * into null and -0 into 0, as in the graph's hash) and deeply frozen (the store shares decoded
 * graphs). Binding gives the in-process run that same copy, so a task sees the same params on both
 * backends, and params the graph cannot hold are refused when the workflow is defined, not when
 * it first runs on a worker.
 */
export function carryParams<P>(taskId: string, params: P): P {
  if (params === undefined) return params;
  const { decodeCanonical, encodeCanonical, isStoreError } = canonicalCodec();
  let bytes: Uint8Array;
  try {
    bytes = encodeCanonical(params);
  } catch (err) {
    if (isStoreError(err) && err.code === 'UNSUPPORTED_VALUE') {
      const { path, detail } = err as unknown as { path: string; detail: string };
      throw new UnsupportedValueError(
        `params of task '${taskId}'`,
        path,
        `not graph data (${detail})`,
        'params travel inside the graph: use plain objects, arrays, strings, numbers, booleans, null, Date, 64-bit BigInt and Buffer',
      );
    }
    throw err;
  }
  // Decoded byte strings are views of their source: decode a copy, not msgpackr's shared buffer.
  return deepFreeze(decodeCanonical(bytes.slice())) as P;
}

/** Freezes in place; byte arrays cannot be frozen and are left as they are (as the store does). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

let store: typeof Store | undefined;

/** The store's canonical codec, loaded at the first bind(params): importing core does not load fflate. */
function canonicalCodec(): typeof Store {
  store ??= require('@graflow/store') as typeof Store;
  return store;
}
