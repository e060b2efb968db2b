import { z } from 'zod';

/**
 * Secrets never live in the YAML itself: a secret field holds a reference to an environment
 * variable (`${BSKY_APP_PASSWORD}`), or its sibling `<field>File` names a file (Docker/systemd
 * credentials). Anything else in a secret field is refused, so a pasted token never gets committed.
 */
export const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export const secretRefSchema = z
  .string()
  .regex(
    ENV_REF,
    'looks like a literal secret: secrets are never written in the config; write ${ENV_NAME} to read it from the environment, or use the matching …File field with a path',
  );

export const secretFileSchema = z.string().min(1);
