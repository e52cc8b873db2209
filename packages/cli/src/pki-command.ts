import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateRsaKeyPair, issueEdgeCertificate, loadEdgeIdentity, loadOrCreateCa, saveEdgeIdentity, writeFileAtomic } from '@vigil/provenance';
import { loadConfig } from './config.ts';
import { dataDirOf } from './infrastructure.ts';

/**
 * `vigil pki init` creates the Vigil CA in `<dataDir>/pki`; `vigil pki issue-edge --id <id>
 * --out <dir>` issues an edge identity from it (an administrator's step on the core until
 * enrollment with one-time tokens exists). Both leave existing files alone.
 */
export async function pkiCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const pkiDir = join(dataDirOf(loadConfig()), 'pki');
  if (action === 'init') {
    const existed = existsSync(join(pkiDir, 'ca.crt'));
    loadOrCreateCa(pkiDir);
    console.log(`${existed ? 'Vigil CA already exists' : 'created the Vigil CA'}: ${join(pkiDir, 'ca.crt')} (key ca.key, readable by its owner only)`);
    return 0;
  }
  if (action === 'issue-edge') {
    const { values } = parseArgs({ args: rest, options: { id: { type: 'string' }, out: { type: 'string' } }, strict: true });
    if (!values.id || !values.out) {
      console.error('usage: vigil pki issue-edge --id <edge-id> --out <dir>');
      return 2;
    }
    const out = resolve(values.out);
    if (loadEdgeIdentity(out, values.id)) {
      console.log(`edge identity already present in ${out}`);
      return 0;
    }
    if (!existsSync(join(pkiDir, 'ca.crt'))) {
      console.error(`no Vigil CA in ${pkiDir}: run \`vigil pki init\` first (with the same VIGIL_DATA_DIR)`);
      return 1;
    }
    const ca = loadOrCreateCa(pkiDir);
    const keys = generateRsaKeyPair();
    saveEdgeIdentity(out, { edgeId: values.id, privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: values.id, publicKeyPem: keys.publicKeyPem }) });
    // The CA certificate next to the identity, as `vigil enroll` leaves it: the edge checks the core's commands with it.
    writeFileAtomic(join(out, 'ca.crt'), ca.certificatePem, 0o644);
    console.log(`issued edge ${values.id}: ${join(out, 'edge.crt')} and ${join(out, 'edge.key')} (0600)`);
    return 0;
  }
  console.error('usage: vigil pki init | vigil pki issue-edge --id <edge-id> --out <dir>');
  return 2;
}
