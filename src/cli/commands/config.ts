// `hcr config check FILE`: reads a configuration file and says whether every setting in it is
// valid (exit 0) or what is wrong with each bad key and how to fix it (exit 2), without
// starting anything. The settings a file may hold are in src/config/schema.ts and the README.
import type { Command } from 'commander';
import { ConfigError, loadConfigFile } from '../../config/file';
import { SETTINGS } from '../../config/schema';
import { scrub } from '../../observability/redact';
import { CliError, EXIT } from '../errors';
import { jsonText } from '../json-output';
import { describeCommand } from '../command-summaries';

export function registerConfig(program: Command): void {
  const config = program.command('config').description(describeCommand('config'));
  config
    .command('check <file>')
    .description('check a configuration file: exit 0 when valid, 2 naming each bad key and its fix')
    .action((file: string) => {
      let loaded;
      try {
        loaded = loadConfigFile(file);
      } catch (error) {
        // A bad value is quoted in the message: a password in it is starred out all the same.
        if (error instanceof ConfigError) throw new CliError(scrub(error.message), EXIT.usage);
        throw error;
      }
      console.log(`${file}: valid, ${loaded.values.size} setting${loaded.values.size === 1 ? '' : 's'}`);
      for (const [key, value] of loaded.values) {
        const setting = SETTINGS[key];
        const overridden = [setting.flag ? `--${setting.flag.option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : undefined, setting.env].filter(Boolean).join(', ');
        // A URL's password (database.url, a peer's or the index's login) is starred out: this
        // listing is what people paste into tickets and chat.
        console.log(`  ${key} = ${scrub(jsonText(value))}${overridden ? `   (overridden by ${overridden})` : ''}`);
      }
    });
}
