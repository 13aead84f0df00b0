// hcr loads only the command its command line names: the table of commands matches what each
// module registers, the right module is picked, and a real `hcr` run loads no other command's code.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { COMMAND_MODULES, commandWord, modulesFor } from '../../src/cli/command-table';
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

  test('a line that names a command loads its module alone; help, `help X` and unknown words load all', () => {
    assert.deepEqual(modulesFor(['content-index', '--db-url', 'x']).map((m) => m.names), [['processor', 'content-index', 'graphql']]);
    assert.deepEqual(modulesFor(['healthcheck']).map((m) => m.names), [['healthcheck']]);
    for (const args of [['--help'], ['help', 'space'], ['spaec', 'ls']]) assert.equal(modulesFor(args).length, COMMAND_MODULES.length, args.join(' '));
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
      assert.ok(devChain(all).length > 0 && gateway(all).length > 0, 'the full help loads every command, the dev chain and the gateway among them');
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
