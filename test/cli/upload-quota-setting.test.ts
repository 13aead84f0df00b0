// gateway.uploadQuota: the bytes one uploader may hold on a gateway. It applies from the
// configuration file, GATEWAY_UPLOAD_QUOTA wins over the file and --upload-quota over both; it is
// a size (64GiB by default, 0 for no quota), and a value that is none is named with its fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { registerGateway } from '../../src/cli/commands/gateway';
import { applyConfig } from '../../src/config/apply';
import { ConfigError, parseConfig } from '../../src/config/file';

/** `--upload-quota` as `hcr --config FILE gateway <argv>` would get it, its action replaced by a capture. */
async function uploadQuotaFlag(argv: string[], yaml: string, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const saved = process.env;
  process.env = { ...saved, ...env };
  if (!('GATEWAY_UPLOAD_QUOTA' in env)) delete process.env.GATEWAY_UPLOAD_QUOTA;
  try {
    const program = new Command('hcr').exitOverride();
    registerGateway(program);
    let opts: Record<string, unknown> | undefined;
    for (const command of program.commands) command.action((...args: unknown[]) => void (opts = (args.at(-1) as Command).opts()));
    program.hook('preAction', (_program, command) => applyConfig(command, parseConfig(yaml), process.env));
    await program.parseAsync(argv, { from: 'user' });
    return opts?.uploadQuota;
  } finally {
    process.env = saved;
  }
}

describe('gateway.uploadQuota', () => {
  it('comes from the file, then GATEWAY_UPLOAD_QUOTA, then --upload-quota, with 64GiB when none says', async () => {
    const yaml = 'gateway:\n  uploadQuota: 200GiB\n';
    assert.equal(await uploadQuotaFlag(['gateway'], ''), '64GiB');
    assert.equal(await uploadQuotaFlag(['gateway'], yaml), '200GiB');
    assert.equal(await uploadQuotaFlag(['gateway'], yaml, { GATEWAY_UPLOAD_QUOTA: '0' }), '0');
    assert.equal(await uploadQuotaFlag(['mirror', 'acme', '--upload-quota', '500MB'], yaml, { GATEWAY_UPLOAD_QUOTA: '0' }), '500MB');
  });

  it('names a value that is no size, with an example', () => {
    assert.throws(() => parseConfig('gateway:\n  uploadQuota: lots\n'), (error: unknown) => error instanceof ConfigError && /gateway\.uploadQuota must be a size such as 8GiB, 500MB, or 0 for none, got "lots": for example uploadQuota: 200GiB/.test(error.message));
  });
});
