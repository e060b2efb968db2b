/**
 * One error type for everything wrong with the configuration. Its message is a single line an
 * admin can act on: the file, the YAML path, the line, what is wrong and what to do.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly path?: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}${path ? ` ${path}` : ''}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** `channels[2].credentials.appPassword` from a zod / YAML path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
