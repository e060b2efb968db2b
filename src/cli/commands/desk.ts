import type { Command } from 'commander';

export function registerDeskCommands(program: Command): void {
  const desk = program.command('desk').description('the web desk for editors (server.desk in the config)');
  desk
    .command('token')
    .description('make a sign-in token for a person: prints the token (give it to them) and the line for server.desk.users')
    .requiredOption('--name <name>', 'the person, as the history will name them')
    .option('--role <role>', 'viewer (reads) or editor (acts)', 'viewer')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  crier desk token --name "Ana Lima" --role editor\n')
    .action(async (options: { name: string; role: string; json?: boolean }) => {
      await (await import('../actions/desk.js')).deskTokenAction(options);
    });
}
