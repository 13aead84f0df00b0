// Reads a password from the terminal without echoing it: raw mode, so no keystroke is shown,
// with Backspace, Enter and Ctrl-C handled by hand.
import { CliError } from '../../errors';

const CANCELLED_EXIT_CODE = 130;

/** Only when a person is there to type: stdin is a terminal and the prompt can be seen. */
export function canAskForPassword(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export function readPasswordFromTerminal(prompt: string): Promise<string> {
  const input = process.stdin;
  // Raw mode first: anything typed once the prompt shows must not be echoed.
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let password = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(password);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new CliError('password entry cancelled', CANCELLED_EXIT_CODE));
        if (char === '\u007f' || char === '\b') password = Array.from(password).slice(0, -1).join('');
        else password += char;
      }
    };
    input.on('data', onData);
  });
}
