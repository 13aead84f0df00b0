// gateway.uploadQuota: the bytes one uploader may hold on a gateway. It applies from the
// configuration file, GATEWAY_UPLOAD_QUOTA wins over the file and --upload-quota over both; it is
// a size (64GiB by default, 0 for no quota), and a value that is none is named with its fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/file';
import { gatewayCommandOptions } from './helpers/gateway-command-options';

/** `--upload-quota` as `hcr --config FILE <argv>` would get it. */
async function uploadQuotaFlag(argv: string[], yaml: string, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  return (await gatewayCommandOptions(argv, yaml, env, ['GATEWAY_UPLOAD_QUOTA'])).uploadQuota;
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
