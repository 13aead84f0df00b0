// Secrets given on the command line (--suri MNEMONIC, --token hcrt_…) are readable by every local
// user in /proc/PID/cmdline (`ps aux`) for as long as the command runs, and `hcr space create`
// waits for blocks, `hcr gateway` runs for days. Setting process.title rewrites that memory on
// Linux (libuv overwrites the original argv), so once the CLI has started the process list shows
// the command with those values replaced by ***. The few moments before this runs stay exposed:
// the help text still says to prefer the environment (HCR_SURI, HCR_TOKEN) for real keys.
// A URL's password is a secret too (`--graphql http://reader:PASSWORD@…`, `--peer`, `--chain
// wss://API_KEY@rpc…`, which `hcr gateway` holds for days): it is starred out as logs do it.
import { scrub } from '../observability/redact';

const SECRET_FLAGS = ['--suri', '--token'] as const;
const HIDDEN = '***';

/** `args` with the value of every secret flag (`--suri X` or `--suri=X`) replaced by ***. */
export function argsWithoutSecrets(args: readonly string[]): string[] {
  const shown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      shown.push(...args.slice(i));
      break;
    }
    const flag = SECRET_FLAGS.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (!flag) {
      shown.push(scrub(arg));
    } else if (arg === flag) {
      shown.push(arg);
      if (i + 1 < args.length) {
        shown.push(HIDDEN);
        i++;
      }
    } else {
      shown.push(`${flag}=${HIDDEN}`);
    }
  }
  return shown;
}

/** Rewrites the process title when the command line holds a secret; otherwise leaves it alone. */
export function hideSecretsFromProcessList(args: readonly string[] = process.argv.slice(2)): void {
  const shown = argsWithoutSecrets(args);
  if (shown.every((arg, i) => arg === args[i])) return;
  process.title = ['hcr', ...shown].join(' ');
}
