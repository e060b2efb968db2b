import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrierConfig } from '../config/load.js';
import { ConfigError } from '../config/config-error.js';
import { sampleArticle, templateContext } from '../render/context.js';
import { createTemplateEngine, TemplateError, type RenderPost } from '../render/templates.js';
import { platformFor } from '../platforms/registry.js';

/** templates/ of this installation: the same relative place from src/runtime and dist/runtime. */
export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface TemplateSet {
  /** The template for a delivery: the route's, else the channel's, else the platform default. */
  forDelivery(channelId: string, routeTemplate: string | undefined): RenderPost;
  /** Absolute path of the template that forDelivery would use. */
  pathFor(channelId: string, routeTemplate: string | undefined): string;
}

/**
 * Compiles every template the config can reach and renders each against a sample article, so a
 * broken template stops the config from loading (naming file and line) instead of failing a
 * delivery at 3 a.m. With `check: false` (a command that renders nothing, such as `crier poll`)
 * each template is compiled, and checked, only when a delivery first needs it.
 */
export function loadTemplates(config: CrierConfig, options: { check?: boolean } = {}): TemplateSet {
  const check = options.check ?? true;
  let engine: ReturnType<typeof createTemplateEngine> | undefined;
  const compiled = new Map<string, RenderPost>();
  const channelTemplate = new Map<string, string>();

  const compileOnce = (file: string, where: string): void => {
    if (compiled.has(file)) return;
    try {
      engine ??= createTemplateEngine();
      const render = engine.compileFile(file);
      render(templateContext(sampleArticle(), { channelId: 'sample', platform: 'sample', language: 'en' }));
      compiled.set(file, render);
    } catch (error) {
      if (error instanceof TemplateError) throw new ConfigError(error.message, config.file, where);
      throw error;
    }
  };

  config.channels.forEach((channel, index) => {
    const file = channel.template
      ? resolve(config.dir, channel.template)
      : resolve(BUILTIN_TEMPLATES_DIR, platformFor(channel).defaultTemplate);
    if (check) compileOnce(file, `channels[${index}].template`);
    channelTemplate.set(channel.id, file);
  });
  config.routes.forEach((route, index) => {
    if (check && route.template) compileOnce(resolve(config.dir, route.template), `routes[${index}].template`);
  });

  const pathFor = (channelId: string, routeTemplate: string | undefined): string => {
    const file = routeTemplate ?? channelTemplate.get(channelId);
    if (!file) throw new Error(`no template for channel ${channelId}`);
    return file;
  };
  return {
    pathFor,
    forDelivery(channelId, routeTemplate) {
      const file = pathFor(channelId, routeTemplate);
      compileOnce(file, `template ${file}`);
      const render = compiled.get(file);
      if (!render) throw new Error(`template ${file} is not loaded`);
      return render;
    },
  };
}
