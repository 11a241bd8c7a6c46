/**
 * `npm run euicc -- <command>`: the software test eUICC and its LPA against a running SM-DP+.
 *
 *   download '<LPA:1$…>' [--cc <code>] [--retry] [--no-notify]   run the whole download (SGP.22 §3.1.3)
 *   list                                                           installed profiles
 *   enable|disable|delete <iccid> [--no-send]                      ES10c operation + its notifications
 *   notifications [--send]                                         pending notifications (and deliver them)
 *   info                                                           EID, certificates, trusted CIs, EUICCInfo1
 *
 * Common options: --euicc <name|folder> (default: first NIST identity of the dev PKI), --certs <dir> (certs),
 * --ci-dir <dir> (trusted CIs, default <certs>/ci), --data <dir> (DATA_DIR, state in <data>/euicc/<name>.json),
 * --http (plain HTTP, local development server), --insecure (skip TLS certificate checks),
 * --server <url> (send ES9+ here instead of https://<address>), --svn <x.y.z>.
 */
import { derToPem } from '../pki/rsp-certificate';
import { parseRspCertificate } from '../pki/rsp-certificate';
import { Es9PlusClient } from '../euicc/es9plus-client';
import { TestEuicc } from '../euicc/euicc';
import { loadIdentity, loadState, saveState, statePath } from '../euicc/identity';
import { Lpa, StepObserver } from '../euicc/lpa';

interface Parsed {
  positional: string[];
  flags: Record<string, string | boolean>;
}

const VALUE_FLAGS = new Set(['euicc', 'certs', 'ci-dir', 'data', 'cc', 'server', 'svn', 'admin-protocol']);

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) flags[k] = v;
      else if (VALUE_FLAGS.has(k)) {
        if (i + 1 >= argv.length) throw new Error(`--${k} needs a value`);
        flags[k] = argv[++i];
      } else flags[k] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

const USAGE = `usage: npm run euicc -- <command> [options]

  download '<LPA:1$address$matchingId[$oid[$1]]>' [--cc <code>] [--retry] [--no-notify]
  list
  enable <iccid> | disable <iccid> | delete <iccid>   [--no-send]
  notifications [--send]
  info

options: --euicc <name|folder>  --certs <dir>  --ci-dir <dir>  --data <dir>  --http  --insecure
         --server <url>  --svn <x.y.z>  --admin-protocol <gsma/rsp/vX.Y.Z>`;

function printStep(name: string, details: Record<string, unknown>): void {
  const parts = Object.entries(details)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  console.log(`→ ${name.padEnd(36)} ${parts.join('  ')}`);
}

export async function main(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  const [command, ...rest] = positional;
  if (!command || command === 'help' || flags.help) {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const loaded = loadIdentity(str('euicc'), { certsDir: str('certs'), ciDir: str('ci-dir'), svn: str('svn') });
  const file = statePath(str('data') ?? process.env.DATA_DIR ?? 'data', loaded.name);
  const state = loadState(file);
  const euicc = new TestEuicc(loaded.identity, state);
  const save = () => saveState(file, euicc.state);

  const ca = loaded.identity.trustedCis.map((d) => derToPem(d));
  const clients = new Map<string, Es9PlusClient>();
  const connect = (address: string): Es9PlusClient => {
    let c = clients.get(address);
    if (!c) {
      const baseUrl = str('server') ?? `${flags.http ? 'http' : 'https'}://${address}`;
      c = new Es9PlusClient({ baseUrl, ca, insecure: !!flags.insecure, adminProtocol: str('admin-protocol') });
      clients.set(address, c);
    }
    return c;
  };
  const lpa = new Lpa(euicc, { connect });
  const onStep: StepObserver = printStep;

  try {
    switch (command) {
      case 'download': {
        const code = rest[0];
        if (!code) throw new Error('download needs an activation code');
        console.log(`eUICC ${loaded.name}  EID ${euicc.eid}`);
        try {
          const r = await lpa.download(code, {
            confirmationCode: str('cc'),
            onStep,
            retryGetBoundProfilePackage: !!flags.retry,
            skipNotification: !!flags['no-notify'],
          });
          if (!r.success) {
            console.error(`installation failed: bppCommandId ${r.load.bppCommandId} errorReason ${r.load.errorReason} (${r.load.message ?? ''})`);
            return 3;
          }
          console.log(`installed ICCID ${r.iccid}  profile name "${r.profileName}"  (${r.serviceProviderName ?? ''})`);
          return 0;
        } finally {
          save();
        }
      }
      case 'list': {
        const list = euicc.listProfiles();
        if (list.length === 0) console.log('no profile installed');
        for (const p of list) {
          console.log(`${p.iccid.padEnd(20)} ${p.state.padEnd(8)} ${p.profileClass.padEnd(12)} ${p.profileName} (${p.serviceProviderName})  ISD-P ${p.isdpAid}  from ${p.smdpAddress}`);
        }
        return 0;
      }
      case 'enable':
      case 'disable':
      case 'delete': {
        const iccid = rest[0];
        if (!iccid) throw new Error(`${command} needs an ICCID`);
        const created =
          command === 'enable' ? euicc.enableProfile(iccid) : command === 'disable' ? euicc.disableProfile(iccid) : euicc.deleteProfile(iccid);
        save();
        console.log(`${command}d ${iccid}; ${created.length} notification(s) created`);
        if (!flags['no-send']) {
          for (const n of created) await lpa.sendNotification(n, onStep);
          save();
        }
        return 0;
      }
      case 'notifications': {
        const list = euicc.listNotifications();
        if (list.length === 0) console.log('no pending notification');
        for (const n of list) console.log(`#${n.seqNumber} ${n.event.padEnd(8)} ${n.iccid ?? ''}  → ${n.notificationAddress}`);
        if (flags.send) {
          const res = await lpa.sendPendingNotifications(onStep);
          save();
          return res.some((r) => r.error) ? 4 : 0;
        }
        return 0;
      }
      case 'info': {
        const cert = parseRspCertificate(loaded.identity.euiccCertificate);
        console.log(`name       ${loaded.name} (${loaded.dir})`);
        console.log(`EID        ${euicc.eid}`);
        console.log(`curve      ${cert.curve}`);
        console.log(`eUICC      ${cert.subject.attributes.map((a) => a.value).join(', ')}  valid to ${cert.notAfter.toISOString()}`);
        const eum = parseRspCertificate(loaded.identity.eumCertificate);
        console.log(`EUM        ${eum.subject.attributes.map((a) => a.value).join(', ')}`);
        for (const ci of euicc.trustedCis) {
          console.log(`trusted CI ${ci.subject.commonName ?? ''}  ${ci.curve}  SKI ${ci.subjectKeyIdentifier?.toString('hex').toUpperCase()}`);
        }
        console.log(`svn        ${euicc.svn}`);
        console.log(`EUICCInfo1 ${euicc.getEuiccInfo1().toString('hex')}`);
        console.log(`state      ${file}: ${euicc.listProfiles().length} profile(s), ${euicc.listNotifications().length} pending notification(s)`);
        return 0;
      }
      default:
        console.error(`unknown command '${command}'\n${USAGE}`);
        return 2;
    }
  } finally {
    for (const c of clients.values()) c.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
