#!/usr/bin/env node
import { backtestCommand } from './backtest-command.ts';
import { enrollCommand } from './enroll-command.ts';
import { pkiCommand } from './pki-command.ts';
import { roleCommand } from './role-command.ts';
import { rulesCommand } from './rules-command.ts';
import { startCommand } from './start-command.ts';

const USAGE = `usage: vigil <command>

commands:
  start                 run edge, engine, indexer and API in one process (embedded bus, SQLite store)
  edge | engine | indexer | api
                        run one role as its own process (distributed mode: VIGIL_BUS=kafka, VIGIL_STORE=opensearch)
  enroll --api <url> --token <token> --edge-id <id> [--identity-dir <dir>] [--force]
                        enroll this edge with the Vigil CA using a one-time token from an admin
  pki init              create the Vigil CA in <data dir>/pki
  pki issue-edge --id <edge-id> --out <dir>
                        issue an edge certificate and key from the Vigil CA
  rules lint [dir...]   check Sigma rules and pipelines and report every problem (default: the built-in pack;
                        --pipelines dir adds processing pipelines, --no-builtin-pipelines leaves out Vigil's own)
  rules test [dir...]   run the rules' test events and report pass/fail
  backtest (--rules <id|name>[,...] | --all) --from <time> --to <time> [--query <q>] [--json]
                        run rules over the stored events of a time range and report what they would have
                        raised, without raising it (progress on a terminal; vigil backtest --help for more)
  help                  this text

Configuration: environment variables (VIGIL_DATA_DIR, VIGIL_ADMIN_PASSWORD, ...) and an optional
file named by VIGIL_CONFIG; see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await startCommand();
      return -1;
    case 'edge':
    case 'engine':
    case 'indexer':
    case 'api':
      await roleCommand(command);
      return -1;
    case 'enroll':
      return enrollCommand(rest);
    case 'pki':
      return pkiCommand(rest);
    case 'rules':
      return rulesCommand(rest);
    case 'backtest':
      return backtestCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`vigil: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`vigil: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
