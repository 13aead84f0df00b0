// The options a command of registerGateway's (`hcr gateway`, `hcr mirror`, …) would run with, the
// configuration file applied as the CLI applies it: the command's action is replaced by a capture,
// so nothing starts.
import { Command } from 'commander';
import { registerGateway } from '../../../src/cli/commands/gateway';
import { applyConfig } from '../../../src/config/apply';
import { parseConfig } from '../../../src/config/file';

/**
 * `hcr <argv>` with the configuration file `yaml` and `env` over the process's environment; the
 * variables in `unset` are taken out of it unless `env` gives them, so that one the machine
 * happens to set does not decide the answer.
 */
export async function gatewayCommandOptions(argv: string[], yaml: string, env: NodeJS.ProcessEnv = {}, unset: readonly string[] = []): Promise<Record<string, unknown>> {
  const saved = process.env;
  process.env = { ...saved, ...env };
  for (const name of unset) if (!(name in env)) delete process.env[name];
  try {
    const program = new Command('hcr').exitOverride();
    registerGateway(program);
    let opts: Record<string, unknown> | undefined;
    for (const command of program.commands) command.action((...args: unknown[]) => void (opts = (args.at(-1) as Command).opts()));
    program.hook('preAction', (_program, command) => applyConfig(command, parseConfig(yaml), process.env));
    await program.parseAsync(argv, { from: 'user' });
    return opts!;
  } finally {
    process.env = saved;
  }
}
