// The artifact front doors' settings for `hcr gateway` and `hcr dev`: the default space of bare
// names (the firmware server's and the plugin registry's flat routes), the plugin registry's gRPC
// port, and the directory RegisterPlugin may read plugin files from.
import { InvalidArgumentError, Option } from 'commander';
import { CliError, EXIT } from '../errors';
import type { RunningGateway } from '../../gateway';
import { DEFAULT_PLUGIN_REGISTRY_PORT, type RunningPluginRegistry, startPluginRegistry } from '../../gateway/doors/plugins/server';

export interface DoorFlags {
  defaultSpace?: string;
  /** Absent: the default port, given up on (with a warning) when another process holds it. */
  grpcPort?: string;
  pluginDir?: string;
}

export function doorOptions(): Option[] {
  return [
    new Option('--default-space <name>', 'the space bare artifact names mean (POST /firmware {"name":"base"}, GetPlugin {name:"auth"}); <space>/<name> always works (env GATEWAY_DEFAULT_SPACE)')
      .env('GATEWAY_DEFAULT_SPACE')
      .argParser((value: string) => {
        if (!/^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/.test(value)) throw new InvalidArgumentError('A space name is lowercase letters and digits with . _ - between them, for example acme.');
        return value;
      }),
    new Option('--grpc-port <port>', `the plugin registry's gRPC port (pb.PluginRegistry, with server reflection); 0 picks a free one, off serves none. Default ${DEFAULT_PLUGIN_REGISTRY_PORT}, left out with a warning when another process holds it (env GATEWAY_GRPC_PORT)`).env('GATEWAY_GRPC_PORT'),
    new Option('--plugin-dir <dir>', 'RegisterPlugin may name plugin files under this directory by path, as the original registry did on its own machine; absent: no paths, only /ipfs/<cid> and data URLs (env GATEWAY_PLUGIN_DIR)').env('GATEWAY_PLUGIN_DIR'),
  ];
}

/** The gRPC port from --grpc-port, or undefined for `off`. */
export function grpcPortFrom(value: string): number | undefined {
  if (value === 'off') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`--grpc-port ${JSON.stringify(value)} is neither a port (0 to 65535) nor off`);
  return port;
}

/** Checks the door flags before anything starts (launchPluginRegistry comes last). */
export function checkDoorFlags(flags: DoorFlags): void {
  if (flags.grpcPort === undefined) return;
  try {
    grpcPortFrom(flags.grpcPort);
  } catch (error) {
    throw new CliError(`${(error as Error).message}: give a port, 0 for any free one, or off`, EXIT.usage);
  }
}

/**
 * Starts the plugin registry beside a running gateway, on its context; undefined with --grpc-port
 * off, or when the default port is taken (another gateway on this machine): a port asked for
 * explicitly must be had, the default one is given up on with a warning.
 */
export async function launchPluginRegistry(gateway: RunningGateway, flags: DoorFlags, host: string, warn: (line: string) => void): Promise<RunningPluginRegistry | undefined> {
  const port = flags.grpcPort === undefined ? DEFAULT_PLUGIN_REGISTRY_PORT : grpcPortFrom(flags.grpcPort);
  if (port === undefined) return undefined;
  try {
    return await startPluginRegistry({ context: gateway.gateway.context, host, port, pluginDir: flags.pluginDir });
  } catch (error) {
    const message = (error as Error).message;
    if (!/EADDRINUSE|address already in use/i.test(message)) throw error;
    if (flags.grpcPort === undefined) {
      warn(`plugins: the plugin registry's gRPC port ${port} is taken by another process, so it is not served here: pass --grpc-port with another port (0: any free one), or off`);
      return undefined;
    }
    throw new CliError(`the plugin registry's gRPC port ${port} is in use by another process: pass --grpc-port with another port (0: any free one), or off`, EXIT.failed);
  }
}
