import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * The JSON Schema editors use for autocompletion (config/crier.schema.json). Generated from the
 * zod schema, as the input shape: what an admin writes, durations as strings.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Crier configuration',
  };
}
