import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

function commands(program: Command): Command[] {
  return program.commands.flatMap((c) => [c, ...commands(c)]);
}

describe('crier --help', () => {
  const all = commands(buildProgram());

  it('prints each default once: an option with a default value does not also name it in its description', () => {
    for (const command of all) {
      for (const option of command.options) {
        if (option.defaultValue === undefined) continue;
        expect(option.description, `${command.name()} ${option.flags}`).not.toMatch(/default/i);
      }
      const help = command.helpInformation();
      for (const line of help.split('\n')) expect(line.match(/default/gi)?.length ?? 0, `${command.name()}: ${line}`).toBeLessThanOrEqual(1);
    }
  });

  it('offers --json on every command that does something (all but the group commands)', () => {
    const leaves = all.filter((c) => c.commands.length === 0 && c.name() !== 'run');
    expect(leaves.map((c) => c.name())).toEqual(expect.arrayContaining(['cancel', 'pause', 'resume', 'init', 'validate', 'reload']));
    for (const command of leaves) expect(command.options.map((o) => o.long), command.name()).toContain('--json');
  });
});
