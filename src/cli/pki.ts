/**
 * `npm run pki -- <command>`: the development PKI in certs/ (layout: certs/README.md).
 *
 *   init [--dir certs] [--address <fqdn[:port]>] [--oid 2.999.10] [--force]
 *   show [--dir certs]
 *   euicc <name> --curve nist|brp [--eid <32 digits>] [--dir certs]
 *   operator <name> [--out <dir>] [--dir certs]
 *   import-sgp26 [--from test/fixtures/sgp26] [--dir certs]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listEuiccIdentities, loadCertStore, loadEuiccIdentity } from '../pki/cert-store';
import { DEFAULT_SMDP_OID, HierarchyName, importSgp26, initDevelopmentPki, issueOperatorCertificate, mintEuiccIdentity } from '../pki/dev-pki';
import { describeCertificate } from '../pki/rsp-certificate';

const USAGE = `usage: npm run pki -- <command> [options]

  init [--dir certs] [--address <fqdn[:port]>] [--oid <SM-DP+ OID>] [--force]
        generate the development PKI (NIST + brainpool hierarchies, DPauth/DPpb, DP.TLS, operator CA,
        3 test eUICCs per curve); refuses when key material exists unless --force
  show [--dir certs]                       list what the SM-DP+ would load
  euicc <name> --curve nist|brp [--eid <EID>] [--dir certs]
                                           mint another test eUICC identity into certs/euicc/<name>/
  operator <name> [--out <dir>] [--dir certs]
                                           issue an ES2+ client certificate from certs/operators/ca
  import-sgp26 [--from test/fixtures/sgp26] [--dir certs]
                                           add the GSMA SGP.26 test CIs, DP sets and eUICC`;

interface Parsed {
  positional: string[];
  options: Map<string, string | true>;
}

function parseArgs(args: string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split('=', 2);
      if (inline !== undefined) options.set(k, inline);
      else if (i + 1 < args.length && !args[i + 1].startsWith('--')) options.set(k, args[++i]);
      else options.set(k, true);
    } else positional.push(a);
  }
  return { positional, options };
}

function opt(p: Parsed, name: string): string | undefined {
  const v = p.options.get(name);
  if (v === true) throw new Error(`--${name} needs a value`);
  return v;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args);
  const [command, ...rest] = p.positional;
  const dir = resolve(opt(p, 'dir') ?? process.env.CERTS_DIR ?? 'certs');
  switch (command) {
    case 'init': {
      const address = opt(p, 'address') ?? process.env.SMDP_ADDRESS ?? 'localhost';
      const created = await initDevelopmentPki(dir, {
        smdpAddress: address,
        smdpOid: opt(p, 'oid') ?? DEFAULT_SMDP_OID,
        force: p.options.get('force') === true,
      });
      if (!created) {
        console.error(`${dir} already holds key material; use --force to replace it`);
        return 1;
      }
      console.log(`development PKI for ${address} written to ${dir}`);
      return show(dir);
    }
    case 'show':
      return show(dir);
    case 'euicc': {
      const name = rest[0];
      const curve = opt(p, 'curve');
      if (!name || (curve !== 'nist' && curve !== 'brp')) {
        console.error('usage: npm run pki -- euicc <name> --curve nist|brp [--eid <EID>]');
        return 2;
      }
      const { dir: out, eid } = mintEuiccIdentity(dir, name, curve as HierarchyName, { eid: opt(p, 'eid') });
      console.log(`eUICC ${name}: EID ${eid} → ${out}`);
      return 0;
    }
    case 'operator': {
      const name = rest[0];
      if (!name) {
        console.error('usage: npm run pki -- operator <name> [--out <dir>]');
        return 2;
      }
      const { certPem, keyPem } = issueOperatorCertificate(dir, name);
      const out = opt(p, 'out');
      if (!out) {
        process.stdout.write(certPem + keyPem);
        return 0;
      }
      mkdirSync(out, { recursive: true });
      const base = name.replace(/[^A-Za-z0-9._-]+/g, '_');
      writeFileSync(join(out, `${base}.pem`), certPem);
      writeFileSync(join(out, `${base}.key.pem`), keyPem, { mode: 0o600 });
      console.log(`operator certificate for '${name}' → ${join(out, base)}.pem / .key.pem`);
      return 0;
    }
    case 'import-sgp26': {
      const from = resolve(opt(p, 'from') ?? join(__dirname, '../../test/fixtures/sgp26'));
      importSgp26(from, dir);
      console.log(`GSMA SGP.26 test set from ${from} added to ${dir} (public test keys: never in production)`);
      return show(dir);
    }
    default:
      console.log(USAGE);
      return command ? 2 : 0;
  }
}

function show(dir: string): number {
  const store = loadCertStore(dir);
  console.log(`certs: ${dir}\nSM-DP+ OID: ${store.smdpOid}\n\nCIs:`);
  for (const ci of store.cis) console.log(`  ${describeCertificate(ci)}`);
  console.log('\nSM-DP+ credential sets:');
  for (const s of store.dpSets) {
    console.log(`  dp/${s.name} (${s.curve}, CI ${s.ci.subjectKeyIdentifier!.toString('hex').toUpperCase()})`);
    console.log(`    dpauth: ${describeCertificate(s.dpauth)}`);
    console.log(`    dppb:   ${describeCertificate(s.dppb)}`);
  }
  console.log('\nTLS:');
  if (store.tls) {
    const t = store.tls.cert;
    console.log(`  ${describeCertificate(t)}\n    DNS ${t.sanDnsNames.join(', ')}; IP ${t.sanIpAddresses.join(', ') || '-'}`);
    if (t.notAfter.getTime() < Date.now()) console.log('    WARNING: expired');
  } else console.log('  (none)');
  console.log(`\nOperator CA:\n  ${store.operatorCa ? describeCertificate(store.operatorCa) : '(none)'}`);
  console.log('\nTest eUICCs:');
  for (const n of listEuiccIdentities(dir)) {
    try {
      const id = loadEuiccIdentity(dir, n);
      console.log(`  ${n.padEnd(12)} EID ${id.eid} (${id.curve})`);
    } catch (e) {
      console.log(`  ${n.padEnd(12)} unusable: ${(e as Error).message}`);
    }
  }
  return 0;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
