// Every option that takes a URL is checked before its command runs, wherever the value came from:
// a malformed one (a typo, a missing scheme, a pasted space) is a usage error, exit 2, naming the
// flag, the value with its password starred out, where it came from and the form expected, never
// "error: Invalid URL" with exit 1 or commander's message quoting a password whole.
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { describe, test } from 'node:test';
import { COMMAND_MODULES, moduleFor } from '../../src/cli/command-table';
import { checkUrlOptions, URL_FLAGS, withLoginStarred, withQuotedLoginsStarred } from '../../src/cli/url-flags';
import { collect, expectExit, type Run, spawnHcr } from './helpers/run-hcr';

const PASSWORD = 'hunter2-secret';
const VARIABLES = ['CHAIN_RPC', 'IPFS_API', 'GRAPHQL_URL', 'HCR_GATEWAY', 'HCR_REGISTRY', 'GATEWAY_PEERS', 'GATEWAY_PUBLIC_URL', 'HCR_CONFIG', 'HCR_TOKEN', 'HCR_SURI'];

function hcr(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of VARIABLES) delete base[name];
  return collect(spawnHcr(args, { ...base, ...env }), args.join(' '));
}

/** Stands in for the command's work: once the options are checked, nothing runs. */
class Accepted extends Error {}

/**
 * What the checks hcr runs before a command say of `args`, in this process (a spawn per case
 * costs a second): the command's module registered as hcr does it, under `env`.
 */
async function refusal(args: string[], env: Record<string, string> = {}): Promise<{ message: string; exitCode?: number }> {
  const saved = { ...process.env };
  for (const name of VARIABLES) delete process.env[name];
  Object.assign(process.env, env);
  try {
    const program = new Command('hcr').exitOverride();
    const named = moduleFor(args);
    if (!named) return assert.fail(`hcr ${args.join(' ')} names no command`);
    named.load()(program);
    program.hook('preAction', (_program, command) => checkUrlOptions(command));
    program.hook('preAction', () => {
      throw new Accepted();
    });
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof Accepted) assert.fail(`hcr ${args.join(' ')} was accepted`);
    return error as { message: string; exitCode?: number };
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
  return assert.fail(`hcr ${args.join(' ')} ran`);
}

/** Every command and subcommand a full registration makes. */
function allCommands(): Command[] {
  const program = new Command('hcr');
  for (const module of COMMAND_MODULES) module.load()(program);
  const walk = (command: Command): Command[] => [command, ...command.commands.flatMap(walk)];
  return walk(program);
}

describe('URL options', { timeout: 120_000 }, () => {
  test('every option that takes a <url> has a rule saying the form it takes', () => {
    const urlOptions = allCommands().flatMap((command) => command.options.filter((option) => /<url>/.test(option.flags)).map((option) => `${command.name()} ${option.long}`));
    assert.ok(urlOptions.length >= 10, urlOptions.join(', '));
    for (const entry of urlOptions) assert.ok(Object.hasOwn(URL_FLAGS, entry.split(' --')[1]), `${entry} has no rule in url-flags.ts`);
  });

  test('a malformed URL in any URL flag is a usage error naming the flag, the value without its password, and the form', async () => {
    const bad = `http://reader:${PASSWORD}@[::1`;
    const shown = /"http:\/\/reader:\*\*\*@\[::1"/.source;
    const cases: [string[], RegExp][] = [
      [['export', 'acme', '--out', 'x.car', '--gateway', bad], /--gateway SHOWN is not a URL: give the gateway as http\(s\):\/\/host\[:port\] or host\[:port\], for example http:\/\/127\.0\.0\.1:5000$/],
      [['gateway', '--chain', bad], /--chain SHOWN is not a URL: give a chain node's RPC URL, ws:\/\/host:port or wss:\/\/host, for example ws:\/\/127\.0\.0\.1:9944$/],
      [['mirror', 'acme', '--ipfs-api', bad], /--ipfs-api SHOWN is not a URL: give a Kubo RPC API, http\(s\):\/\/host:port, for example http:\/\/127\.0\.0\.1:5001$/],
      [['gateway', '--graphql', bad], /--graphql SHOWN is not a URL: give the index's GraphQL endpoint, http\(s\):\/\/host:port\/graphql/],
      [['import', 'x.car', '--chain', bad], /--chain SHOWN is not a URL/],
      [['import', 'x.car', '--ipfs-api', bad], /--ipfs-api SHOWN is not a URL/],
      [['processor', '--chain', bad], /--chain SHOWN is not a URL/],
      [['processor', '--ipfs-api', bad], /--ipfs-api SHOWN is not a URL/],
      [['content-index', '--ipfs-api', bad], /--ipfs-api SHOWN is not a URL/],
      [['space', 'ls', '--chain', bad], /--chain SHOWN is not a URL/],
      [['space', 'create', 'acme', '--chain', bad], /--chain SHOWN is not a URL/],
      [['artifact', 'ls', '--registry', bad], /--registry SHOWN is not a URL: give the gateway as http\(s\):\/\/host\[:port\] or host\[:port\]/],
      [['artifact', 'push', 'acme/fw:1.0.0', 'fw.bin', '--registry', bad], /--registry SHOWN is not a URL/],
      [['token', 'ls', '--registry', bad, '--token', 'hcrt_x'], /--registry SHOWN is not a URL/],
    ];
    for (const [args, message] of cases) {
      const error = await refusal(args);
      assert.equal(error.exitCode, 2, `${args.join(' ')}: ${error.message}`);
      assert.doesNotMatch(error.message, new RegExp(PASSWORD), args.join(' '));
      assert.match(error.message, new RegExp(`^${message.source.replace('SHOWN', shown)}`), args.join(' '));
    }
  });

  test('the scheme is checked too, and a value from the environment says which variable to fix', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['gateway', '--graphql', 'ws://index:4350/graphql'], {}, /^--graphql "ws:\/\/index:4350\/graphql" is not an http or https URL: give the index's GraphQL endpoint/],
      [['export', 'acme', '--out', 'x.car', '--gateway', 'ftp://registry.example.com'], {}, /^--gateway "ftp:\/\/registry\.example\.com" is not an http or https URL/],
      [['space', 'ls'], { CHAIN_RPC: '127.0.0.1 9944' }, /^--chain "127\.0\.0\.1 9944" \(from CHAIN_RPC\) is not a URL \(it holds spaces or control characters\): give a chain node's RPC URL/],
      [['gateway'], { CHAIN_RPC: 'localhost:9944' }, /^--chain "localhost:9944" \(from CHAIN_RPC\) is not a ws, wss, http or https URL/],
      [['processor'], { IPFS_API: 'kubo:5001' }, /^--ipfs-api "kubo:5001" \(from IPFS_API\) is not an http or https URL/],
      [['export', 'acme', '--out', 'x.car'], { HCR_GATEWAY: `https://ci:${PASSWORD}@registry.example.com` }, /^--gateway "https:\/\/ci:\*\*\*@registry\.example\.com" \(from HCR_GATEWAY\) holds a login, which is never sent: give the gateway as http\(s\):\/\/host\[:port\], and sign in with --token \(or HCR_TOKEN\)$/],
      [['artifact', 'ls'], { HCR_REGISTRY: 'http://registry example' }, /^--registry "http:\/\/registry example" \(from HCR_REGISTRY\) is not a URL/],
    ];
    for (const [args, env, message] of cases) {
      const error = await refusal(args, env);
      assert.equal(error.exitCode, 2, `${args.join(' ')}: ${error.message}`);
      assert.doesNotMatch(error.message, new RegExp(PASSWORD));
      assert.match(error.message, message, args.join(' '));
    }
  });

  test('hcr itself: exit 2 and the message on stderr, no stack trace (hcr export --gateway was "error: Invalid URL", exit 1)', async () => {
    const [flag, variable] = await Promise.all([
      hcr(['export', 'acme', '--out', 'x.car', '--gateway', `http://reader:${PASSWORD}@[::1`]),
      hcr(['space', 'ls'], { CHAIN_RPC: 'localhost 9944' }),
    ]);
    expectExit(flag, 2);
    assert.equal(flag.stderr, 'error: --gateway "http://reader:***@[::1" is not a URL: give the gateway as http(s)://host[:port] or host[:port], for example http://127.0.0.1:5000\n');
    expectExit(variable, 2);
    assert.match(variable.stderr, /^error: --chain "localhost 9944" \(from CHAIN_RPC\) is not a URL/);
  });

  test('--peer and --public-url, refused by their own parsers, no longer quote the password', async () => {
    const runs = await Promise.all([
      hcr(['gateway', '--peer', `http://mirror:${PASSWORD}@10.0.0.2:5000/?x=1`]),
      hcr(['dev', '--public-url', `https://admin:${PASSWORD}@registry.example.com`]),
      hcr(['gateway'], { GATEWAY_PEERS: `http://a.example,ftp://mirror:${PASSWORD}@b.example` }),
    ]);
    for (const run of runs) {
      expectExit(run, 2);
      assert.doesNotMatch(run.stderr, new RegExp(PASSWORD), run.stderr);
      assert.match(run.stderr, /:\*\*\*@/);
    }
  });

  test('export takes the gateway as host[:port], as hcr login and HCR_GATEWAY name it', async () => {
    const run = await hcr(['export', 'acme', '--out', 'x.car'], { HCR_GATEWAY: '127.0.0.1:1' });
    expectExit(run, 3);
    assert.match(run.stderr, /^error: cannot reach the gateway at http:\/\/127\.0\.0\.1:1 /);
  });
});

describe('starring the login out of a value that may be malformed', () => {
  test('everything up to the last @ before a query goes, the user name kept', () => {
    assert.equal(withLoginStarred('http://u:p@ss@host:5000/x'), 'http://u:***@host:5000/x');
    assert.equal(withLoginStarred('wss://API_KEY@rpc.example/ws'), 'wss://***@rpc.example/ws');
    assert.equal(withLoginStarred('ci:pa ss/word@registry.example'), 'ci:***@registry.example');
    assert.equal(withLoginStarred('http://host:5000/path?next=a@b'), 'http://host:5000/path?next=a@b');
    assert.equal(withLoginStarred('http://127.0.0.1:5000'), 'http://127.0.0.1:5000');
  });

  test('commander\'s quoted values lose their logins the same way', () => {
    assert.equal(
      withQuotedLoginsStarred(`error: option '--peer <url>' argument 'http://u:p@ss@h?x' is invalid. "http://u:p@ss@h?x" is not a peer's base URL`),
      `error: option '--peer <url>' argument 'http://u:***@h?x' is invalid. "http://u:***@h?x" is not a peer's base URL`,
    );
  });
});
