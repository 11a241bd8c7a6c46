/**
 * `npm run cli -- operator add <name> [--callback URL] [--no-cert]` — creates an ES2+ operator and prints its
 * credentials: a client certificate + key from the operator CA (mutual TLS, SGP.22 §2.6.6), written to
 * DATA_DIR/operators/<name>/, and an API key (shown once), with a curl example.
 * `operator list` · `operator callback <name> <url|none>` · `operator rotate-key <name>`
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCliContext, parseArgs, str } from '../../inventory/cli-context';
import { issueOperatorCertificate } from '../../pki/dev-pki';

export const summary = 'ES2+ operators: add <name> [--callback URL] | list | callback <name> <url|none> | rotate-key <name>';

const USAGE = `usage:
  npm run cli -- operator add <name> [--callback <url>] [--no-cert]
  npm run cli -- operator list
  npm run cli -- operator callback <name> <url|none>
  npm run cli -- operator rotate-key <name>`;

export async function run(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const { positional, opts } = parseArgs(rest, ['no-cert']);
  if (!cmd || !['add', 'list', 'callback', 'rotate-key'].includes(cmd)) {
    console.error(USAGE);
    return 2;
  }
  const ctx = await openCliContext();
  try {
    if (cmd === 'list') {
      const ops = await ctx.operators.list();
      if (!ops.length) console.log('no operators yet: npm run cli -- operator add <name>');
      for (const o of ops) {
        console.log(`${o.name.padEnd(20)} ${o.id}  certificates: ${o.certificates}  callback: ${o.callbackUrl ?? '-'}`);
      }
      return 0;
    }
    const name = positional[0];
    if (!name) {
      console.error(USAGE);
      return 2;
    }
    if (cmd === 'callback') {
      const op = await ctx.operator(name);
      const url = positional[1];
      if (!url) throw new Error('give a URL, or "none" to clear it');
      await ctx.operators.setCallbackUrl(op.id, url === 'none' ? null : url);
      console.log(`HandleDownloadProgressInfo for '${name}' → ${url === 'none' ? '(none)' : url.replace(/\/+$/, '') + '/gsma/rsp2/es2plus/handleDownloadProgressInfo'}`);
      return 0;
    }
    if (cmd === 'rotate-key') {
      const op = await ctx.operator(name);
      console.log(`new API key for '${name}' (shown once): ${await ctx.operators.rotateApiKey(op.id)}`);
      return 0;
    }
    // add
    const certsDir = ctx.config.certsDir;
    const caReady = existsSync(join(certsDir, 'operators', 'ca.pem')) && existsSync(join(certsDir, 'operators', 'ca.key.pem'));
    const wantCert = opts['no-cert'] !== true;
    if (wantCert && !caReady) {
      throw new Error(`no operator CA in ${join(certsDir, 'operators')}: run 'npm run pki -- init' (or start the server once), or use --no-cert`);
    }
    const creds = await ctx.operators.createOperator(name, {
      callbackUrl: str(opts.callback),
      issueCertificate: wantCert ? async (n) => issueOperatorCertificate(certsDir, n) : undefined,
    });
    const dir = join(ctx.config.dataDir, 'operators', name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const certPath = join(dir, 'client.pem');
    const keyPath = join(dir, 'client.key.pem');
    if (creds.certPem && creds.keyPem) {
      writeFileSync(certPath, creds.certPem);
      writeFileSync(keyPath, creds.keyPem, { mode: 0o600 });
    }
    const base = `${ctx.config.tlsMode === 'on' ? 'https' : 'http'}://${ctx.config.smdpAddress}`;
    const caPath = join(certsDir, 'ci', 'nist.pem');
    console.log(`operator '${name}' created (id ${creds.operator.id})

  functionRequesterIdentifier  ${name}
  API key (shown once)         ${creds.apiKey}
${creds.certPem ? `  client certificate           ${certPath}
  client key                   ${keyPath}
  certificate SHA-256          ${creds.certFingerprint}
` : ''}  callback (progress info)     ${creds.operator.callbackUrl ?? '(none; set with: npm run cli -- operator callback ' + name + ' <url>)'}

ES2+ endpoints: ${base}/gsma/rsp2/es2plus/{downloadOrder,confirmOrder,cancelOrder,releaseProfile}
Operator API:   ${base}/api/v1/…  (OpenAPI: ${base}/docs)

Example (mutual TLS):
  curl --cacert ${caPath} --cert ${certPath} --key ${keyPath} \\
    -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.5.0' \\
    -d '{"header":{"functionRequesterIdentifier":"${name}","functionCallIdentifier":"1"},"profileType":"<type>"}' \\
    ${base}/gsma/rsp2/es2plus/downloadOrder

Behind a TLS-terminating proxy, send  -H 'X-Api-Key: <API key>'  instead of --cert/--key.`);
    return 0;
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    await ctx.close();
  }
}
