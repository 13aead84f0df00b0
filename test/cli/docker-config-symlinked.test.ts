// People keep ~/.docker/config.json as a symlink into their dotfiles; docker writes through it,
// and `hcr login --write` replaced the link with a plain file. It now writes the target the same
// careful way (a new file beside the target, renamed over it), following only links of the user's
// own to a regular file of the user's own: a link someone else planted in a DOCKER_CONFIG they
// can write is replaced, never written through (docker-config-planted-symlinks.test.ts has the
// planted temporary names).
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, mock, test } from 'node:test';
import { writeDockerLogin } from '../../src/cli/commands/login/docker-config';

const DOMAIN = 'registry.example.org:5000';
const USERNAME = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const TOKEN = 'hcr1.login-token-for-the-test';
const OTHER = { auths: { 'other.example': { auth: 'b3RoZXI6c2VjcmV0' } }, psFormat: 'table {{.ID}}' };

const root = mkdtempSync(join(tmpdir(), 'hcr-docker-link-'));
let cases = 0;

function dirs(): { config: string; dotfiles: string } {
  const base = join(root, String(cases++));
  const config = join(base, 'docker');
  const dotfiles = join(base, 'dotfiles');
  mkdirSync(config, { recursive: true });
  mkdirSync(dotfiles, { recursive: true });
  return { config, dotfiles };
}

function loginOf(file: string): string {
  const config = JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }> };
  return Buffer.from(config.auths[DOMAIN].auth, 'base64').toString('utf8');
}

function loginsIn(file: string): Record<string, unknown> {
  return (JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, unknown> }).auths;
}

after(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => mock.restoreAll());

describe('hcr login --write with a symlinked config.json', () => {
  test('a link of the user\'s to a file of the user\'s stays a link; the file it points at gets the login', async () => {
    const { config, dotfiles } = dirs();
    const target = join(dotfiles, 'docker-config.json');
    writeFileSync(target, JSON.stringify(OTHER), { mode: 0o644 });
    const link = join(config, 'config.json');
    symlinkSync('../dotfiles/docker-config.json', link);

    await writeDockerLogin(link, DOMAIN, USERNAME, TOKEN);

    assert.ok(lstatSync(link).isSymbolicLink(), 'the link was replaced by a plain file');
    assert.equal(readlinkSync(link), '../dotfiles/docker-config.json');
    assert.equal(loginOf(target), `${USERNAME}:${TOKEN}`);
    const written = JSON.parse(readFileSync(target, 'utf8'));
    assert.deepEqual(written.auths['other.example'], OTHER.auths['other.example']);
    assert.equal(written.psFormat, OTHER.psFormat);
    assert.equal(statSync(target).mode & 0o777, 0o600, 'written as carefully as a plain config');
    assert.deepEqual(readdirSync(dotfiles), ['docker-config.json'], 'no temporary file beside the target');
    assert.deepEqual(readdirSync(config), ['config.json']);
  });

  test('a chain of the user\'s links is followed to the file at its end', async () => {
    const { config, dotfiles } = dirs();
    const target = join(dotfiles, 'real.json');
    writeFileSync(target, JSON.stringify(OTHER));
    symlinkSync(target, join(dotfiles, 'current.json'));
    symlinkSync(join(dotfiles, 'current.json'), join(config, 'config.json'));

    await writeDockerLogin(join(config, 'config.json'), DOMAIN, USERNAME, TOKEN);

    assert.ok(lstatSync(join(config, 'config.json')).isSymbolicLink());
    assert.ok(lstatSync(join(dotfiles, 'current.json')).isSymbolicLink());
    assert.equal(loginOf(target), `${USERNAME}:${TOKEN}`);
  });

  test('a link that is not the user\'s is replaced by a plain file; what it points at is neither changed nor read', async () => {
    const { config, dotfiles } = dirs();
    const target = join(dotfiles, 'victim');
    const victim = `${JSON.stringify(OTHER)}\n`;
    writeFileSync(target, victim);
    const link = join(config, 'config.json');
    symlinkSync(target, link);
    // As if another user had planted the link (and owned the file): the test cannot chown.
    const uid = process.getuid!();
    mock.method(process as { getuid: () => number }, 'getuid', () => uid + 1);

    await writeDockerLogin(link, DOMAIN, USERNAME, TOKEN);

    assert.ok(lstatSync(link).isFile(), 'the planted link was written through');
    assert.equal(loginOf(link), `${USERNAME}:${TOKEN}`);
    assert.equal(readFileSync(target, 'utf8'), victim);
    // Nor are the settings it pointed at taken into the user's config (a proxy, a credential helper).
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(link, 'utf8'))), ['auths']);
    assert.deepEqual(Object.keys(loginsIn(link)), [DOMAIN]);
  });

  test('a link to something that is no regular file (a dangling link) is replaced, as docker does', async () => {
    const { config, dotfiles } = dirs();
    const link = join(config, 'config.json');
    symlinkSync(join(dotfiles, 'not-yet'), link);

    await writeDockerLogin(link, DOMAIN, USERNAME, TOKEN);

    assert.ok(lstatSync(link).isFile());
    assert.equal(loginOf(link), `${USERNAME}:${TOKEN}`);
    assert.deepEqual(readdirSync(dotfiles), [], 'nothing was created through the link');
  });
});
