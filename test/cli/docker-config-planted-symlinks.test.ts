// `hcr login --write` puts a credential into $DOCKER_CONFIG, which may be a directory others can
// write (a shared CI workspace, a directory under /tmp). Someone there can plant a symlink at the
// name of the temporary file the new config is written to, pointing at a file of the user's
// (~/.bashrc) or at a place they can read: writing through it would overwrite that file with the
// config, or hand them the login. The temporary file is created exclusively under a random name,
// with mode 0600, renamed over config.json once whole, and removed when the write fails.
import assert from 'node:assert/strict';
import fs, { existsSync, lstatSync, mkdirSync, mkdtempSync, type PathLike, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, mock, test } from 'node:test';
import { writeDockerLogin } from '../../src/cli/commands/login/docker-config';

const DOMAIN = 'registry.example.org:5000';
const USERNAME = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const TOKEN = 'hcr1.login-token-for-the-test';
const VICTIM_TEXT = '# the user\'s own file\n';

const root = mkdtempSync(join(tmpdir(), 'hcr-docker-config-'));
let cases = 0;

/** A fresh DOCKER_CONFIG directory, and one outside it for the files an attacker aims at. */
function dirs(): { config: string; victims: string } {
  const base = join(root, String(cases++));
  const config = join(base, 'docker');
  const victims = join(base, 'victims');
  mkdirSync(config, { recursive: true });
  mkdirSync(victims, { recursive: true });
  return { config, victims };
}

/** Names a writer could choose without randomness: the one hcr used (with this process's id) and other common ones. */
function predictableNames(): string[] {
  const pid = process.pid;
  return [`config.json.${pid}.tmp`, 'config.json.tmp', 'config.json.new', 'config.json.partial', `.config.json.${pid}.partial`, '.config.json.partial', 'config.json~'];
}

function loginOf(configFile: string): string {
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { auths: Record<string, { auth: string }> };
  return Buffer.from(config.auths[DOMAIN].auth, 'base64').toString('utf8');
}

after(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => mock.restoreAll());

describe('hcr login --write into a directory others can write', () => {
  test('a symlink planted at the old or any predictable temporary name is not written through', async () => {
    const { config, victims } = dirs();
    const names = predictableNames();
    names.forEach((name, i) => {
      // Half point at an existing file of the user's, half at a path that does not exist yet
      // (a new file there, in a directory the attacker can read, would hand them the login).
      const target = join(victims, `victim-${i}`);
      if (i % 2 === 0) writeFileSync(target, VICTIM_TEXT);
      symlinkSync(target, join(config, name));
    });

    await writeDockerLogin(join(config, 'config.json'), DOMAIN, USERNAME, TOKEN);

    names.forEach((name, i) => {
      const target = join(victims, `victim-${i}`);
      if (i % 2 === 0) assert.equal(readFileSync(target, 'utf8'), VICTIM_TEXT, `written through the symlink at ${name}`);
      else assert.ok(!existsSync(target), `a file was created through the symlink at ${name}`);
      assert.ok(lstatSync(join(config, name)).isSymbolicLink(), `${name} was replaced`);
    });
    const file = join(config, 'config.json');
    assert.ok(lstatSync(file).isFile());
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(loginOf(file), `${USERNAME}:${TOKEN}`);
    assert.deepEqual(readdirSync(config).sort(), ['config.json', ...names].sort(), 'no temporary file is left behind');
  });

  test('the config is written whole with mode 0600, over a looser one, every other entry kept', async () => {
    const { config } = dirs();
    const file = join(config, 'config.json');
    writeFileSync(file, JSON.stringify({ auths: { 'other.example': { auth: 'b3RoZXI6c2VjcmV0' } }, psFormat: 'table {{.ID}}' }), { mode: 0o644 });

    await writeDockerLogin(file, DOMAIN, USERNAME, TOKEN);

    assert.equal(statSync(file).mode & 0o777, 0o600);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(written.psFormat, 'table {{.ID}}');
    assert.deepEqual(written.auths['other.example'], { auth: 'b3RoZXI6c2VjcmV0' });
    assert.equal(loginOf(file), `${USERNAME}:${TOKEN}`);
    assert.deepEqual(readdirSync(config), ['config.json']);
  });

  test('a failed write leaves no temporary file and the old config as it was, with an error naming the fix', async () => {
    const { config } = dirs();
    const file = join(config, 'config.json');
    const before = `${JSON.stringify({ auths: { 'other.example': { auth: 'b3RoZXI6c2VjcmV0' } } })}\n`;
    writeFileSync(file, before, { mode: 0o600 });
    // The last step fails, as it does in a sticky directory where config.json is someone else's.
    const modes: number[] = [];
    const refuse = (from: PathLike) => {
      modes.push(statSync(from).mode & 0o777);
      return Object.assign(new Error(`EPERM: operation not permitted, rename '${String(from)}'`), { code: 'EPERM' });
    };
    const renameSync = fs.renameSync;
    const rename = fsPromises.rename;
    mock.method(fs, 'renameSync', (from: PathLike, to: PathLike) => {
      if (String(to) !== file) return renameSync(from, to);
      throw refuse(from);
    });
    mock.method(fsPromises, 'rename', async (from: PathLike, to: PathLike) => {
      if (String(to) !== file) return rename(from, to);
      throw refuse(from);
    });

    await assert.rejects(
      async () => writeDockerLogin(file, DOMAIN, USERNAME, TOKEN),
      (error: Error) => {
        assert.match(error.message, /^cannot write .*config\.json \(EPERM: operation not permitted, rename .*\): check its permissions, or set DOCKER_CONFIG to another directory$/);
        return true;
      },
    );
    assert.deepEqual(modes, [0o600], 'the credentials were never readable by others, even unfinished');
    assert.deepEqual(readdirSync(config), ['config.json'], 'the temporary file was removed');
    assert.equal(readFileSync(file, 'utf8'), before);
  });
});
