// hcr loads only the command its command line names: the table of commands matches what each
// module registers, the right module is picked, and a real `hcr` run loads no other command's code
// (and `hcr --help` none: its list of commands, the same text, comes from command-summaries.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { COMMAND_MODULES, commandWord, moduleFor } from '../../src/cli/command-table';
import { COMMAND_SUMMARIES, registerSummaries } from '../../src/cli/command-summaries';
import { collect, expectExit, spawnHcr } from './helpers/run-hcr';

describe('hcr command table', () => {
  test('each module registers exactly the commands the table names for it, and no name is in two', () => {
    const seen = new Set<string>();
    for (const module of COMMAND_MODULES) {
      const program = new Command('hcr');
      module.load()(program);
      const registered = program.commands.flatMap((command) => [command.name(), ...command.aliases()]).sort();
      assert.deepEqual(registered, [...module.names].sort());
      for (const name of registered) {
        assert.ok(!seen.has(name), `${name} is in two modules`);
        seen.add(name);
      }
    }
  });

  test('the command word is the first word that is no option of the program, skipping the config file', () => {
    assert.equal(commandWord(['space', 'create', 'acme']), 'space');
    assert.equal(commandWord(['--config', 'space', 'gateway', '--port', '1']), 'gateway');
    assert.equal(commandWord(['--config=hcr.yaml', 'mirror', 'acme']), 'mirror');
    assert.equal(commandWord(['--help']), undefined);
    assert.equal(commandWord([]), undefined);
    assert.equal(commandWord(['--', 'token']), 'token');
  });

  test('a line that names a command loads its module alone, `help X` X\'s; help and unknown words load none', () => {
    assert.deepEqual(moduleFor(['content-index', '--db-url', 'x'])?.names, ['processor', 'content-index', 'graphql']);
    assert.deepEqual(moduleFor(['healthcheck'])?.names, ['healthcheck']);
    assert.deepEqual(moduleFor(['help', 'space'])?.names, ['space']);
    assert.deepEqual(moduleFor(['--config', 'help', 'help', '--', 'mirror'])?.names, ['gateway', 'mirror']);
    for (const args of [['--help'], [], ['help'], ['help', 'spaec'], ['spaec', 'ls'], ['--config', 'space']]) assert.equal(moduleFor(args), undefined, args.join(' '));
  });

  test('the list of commands without their code is the list a full registration gives, word for word', () => {
    const full = new Command('hcr');
    for (const module of COMMAND_MODULES) module.load()(full);
    const listed = new Command('hcr');
    registerSummaries(listed);
    assert.equal(listed.helpInformation(), full.helpInformation());
    assert.deepEqual(COMMAND_SUMMARIES.map((summary) => summary.name), full.commands.map((command) => command.name()), 'every command, in the order the table loads them');
    // Equal text could hide a description cut by the wrapping at the same place: each one whole.
    for (const command of full.commands) assert.equal(command.description(), COMMAND_SUMMARIES.find((summary) => summary.name === command.name())?.description);
  });

  test('a real hcr run loads only the code of the command it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-command-table-'));
    try {
      // Preloaded into hcr: writes the project's modules that were loaded, at exit.
      const hook = join(dir, 'loaded-modules.cjs');
      writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_OUT, Object.keys(require.cache).join('\\n')));\n`);
      const loaded = async (args: string[]): Promise<string[]> => {
        const out = join(dir, `${args.join('-')}.txt`);
        const run = await collect(spawnHcr(args, { ...process.env, NODE_OPTIONS: `--require ${hook}`, LOADED_OUT: out }), args.join(' '));
        expectExit(run, 0);
        return readFileSync(out, 'utf8').split('\n').filter((path) => path.includes('/src/'));
      };
      const devChain = (paths: string[]) => paths.filter((path) => path.includes('/src/devnet/'));
      const gateway = (paths: string[]) => paths.filter((path) => path.includes('/src/gateway/'));

      const all = await loaded(['--help']);
      assert.ok(all.some((path) => path.endsWith('/src/cli/command-summaries.ts')), 'the help lists the commands from their summaries');
      assert.deepEqual(all.filter((path) => path.includes('/src/cli/commands/')), [], 'hcr --help loads no command');
      const space = await loaded(['space', 'ls', '--help']);
      assert.ok(space.some((path) => path.includes('/src/cli/commands/space/')));
      assert.deepEqual([...devChain(space), ...gateway(space)], [], 'hcr space loads neither the dev chain nor the gateway');
      const healthcheck = await loaded(['healthcheck', '--help']);
      assert.deepEqual(healthcheck.filter((path) => path.includes('/src/cli/commands/') && !path.includes('healthcheck')), [], 'hcr healthcheck loads no other command');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
