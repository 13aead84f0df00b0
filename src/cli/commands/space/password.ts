// Reads a password from the terminal without echoing it: raw mode, so no keystroke is shown,
// with Backspace, Enter, Ctrl-C and Ctrl-D handled by hand. Raw mode outlives the process when
// nothing turns it off: the shell it returns to then echoes nothing and Enter ends no line. So it
// is turned off however the prompt ends: Enter, Ctrl-C, Ctrl-D, the end of the input (the
// terminal gone), a signal from another process (SIGTERM, SIGHUP, SIGQUIT: Node itself resets
// the terminal on some of them, not all), or an exit from anywhere else.
import { CliError, EXIT } from '../../errors';

const CANCELLED_EXIT_CODE = 130;
/** 128 + the signal's number, as shells report a command a signal stopped. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGQUIT: 131, SIGTERM: 143 };

const ENDED = 'the input ended before Enter was pressed, so no password was read: type the password and press Enter, or set HCR_KEYRING_PASSWORD';

/** What the prompt reads from and writes to: the process's stdin and stderr, or a test's stand-ins. */
export interface PasswordTerminal {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  readonly output: { write(text: string): unknown; isTTY?: boolean };
}

const processTerminal = (): PasswordTerminal => ({ input: process.stdin, output: process.stderr });

/** Only when a person is there to type: stdin is a terminal and the prompt can be seen. */
export function canAskForPassword(terminal: PasswordTerminal = processTerminal()): boolean {
  return Boolean(terminal.input.isTTY && terminal.output.isTTY);
}

export function readPasswordFromTerminal(prompt: string, terminal: PasswordTerminal = processTerminal()): Promise<string> {
  const { input, output } = terminal;
  return new Promise((resolve, reject) => {
    let password = '';
    let done = false;
    const restore = () => {
      if (done) return;
      done = true;
      for (const [event, listener] of inputListeners()) input.off(event, listener);
      for (const signal of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) process.off(signal, onSignal);
      process.off('exit', restore);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
    };
    const finish = (error?: Error) => {
      restore();
      if (error) reject(error);
      else resolve(password);
    };
    const onData = (chunk: string | Buffer) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new CliError('password entry cancelled', CANCELLED_EXIT_CODE));
        // Ctrl-D: the end of input at a terminal. Taken as Enter, it would send half a password.
        if (char === '\u0004') return finish(new CliError(ENDED, EXIT.usage));
        if (char === '\u007f' || char === '\b') password = Array.from(password).slice(0, -1).join('');
        else password += char;
      }
    };
    const onEnd = () => finish(new CliError(ENDED, EXIT.usage));
    const onError = (error: Error) => finish(new CliError(`the terminal could not be read (${error.message}), so no password was read: set HCR_KEYRING_PASSWORD instead`, EXIT.usage));
    const onSignal = (signal: NodeJS.Signals) => {
      restore();
      process.exit(SIGNAL_EXIT[signal]);
    };
    const inputListeners = (): [string, Parameters<typeof input.on>[1]][] => [['data', onData], ['end', onEnd], ['close', onEnd], ['error', onError]];
    // Listening first, raw mode next: anything typed once the prompt shows must not be echoed.
    for (const [event, listener] of inputListeners()) input.on(event, listener);
    for (const signal of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) process.once(signal, onSignal);
    process.once('exit', restore);
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    input.resume();
    output.write(prompt);
  });
}
