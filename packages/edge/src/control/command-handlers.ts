import type { Command, CommandHandler, CommandOutcome } from '@vigil/fleet';
import { describeError, type Logger } from '@vigil/runtime';
import { describeReload, type ConfigReloader } from './config-reloader.ts';
import type { AccessChange, SourceAccessList } from './source-access-list.ts';

export interface EdgeCommandHandlerOptions {
  /** The process logger: `set-log-level` sets its level, and the child loggers made from it follow. */
  logger: Logger;
  accessList: SourceAccessList;
  /** Re-reads the configuration for `reload-config`. */
  reloader: Pick<ConfigReloader<object>, 'reload'>;
}

/**
 * What an edge does for each command from the core (after the command listener has checked
 * signature, addressee and expiry): change the log level, reload the configuration, block
 * or unblock a source address. The outcome's detail says what changed, for the record.
 */
export class EdgeCommandHandler implements CommandHandler {
  readonly #options: EdgeCommandHandlerOptions;

  constructor(options: EdgeCommandHandlerOptions) {
    this.#options = options;
  }

  async execute(command: Command): Promise<CommandOutcome> {
    try {
      return { status: 'succeeded', detail: await this.#execute(command) };
    } catch (error) {
      return { status: 'failed', detail: describeError(error) };
    }
  }

  async #execute(command: Command): Promise<string> {
    const { logger, accessList, reloader } = this.#options;
    switch (command.action) {
      case 'set-log-level': {
        const before = logger.level;
        logger.level = command.args.level;
        return before === command.args.level ? `log level was already ${before}` : `log level ${before} → ${command.args.level}`;
      }
      case 'block-source':
        return describeBlock(accessList.block(command.args.address));
      case 'unblock-source':
        return describeUnblock(accessList.unblock(command.args.address));
      case 'reload-config':
        return describeReload(await reloader.reload());
    }
  }
}

function describeBlock(change: AccessChange): string {
  if (!change.changed) return `${change.entry} was already blocked`;
  const closed = change.closed > 0 ? `; closed ${change.closed} open connection(s) from it` : '';
  return `blocked ${change.entry} on every listener${closed}`;
}

function describeUnblock(change: AccessChange): string {
  const still = change.stillBlockedBy.length > 0 ? `; still blocked by ${change.stillBlockedBy.join(', ')}` : '';
  return `${change.changed ? `unblocked ${change.entry}` : `${change.entry} was not blocked by a command`}${still}`;
}
