/**
 * The LPA's ES9+ client: JSON over HTTP(S) (SGP.22 §6.5, digest §1). No header in requests, standard base64
 * for binary fields, `header.functionExecutionStatus` in every response, HTTP 204 for handleNotification.
 *
 * TLS: the SM-DP+ presents CERT.DP.TLS, which chains to a CI the LPA trusts (SGP.22 §2.6.6), so the trust
 * anchors are the CI certificates (`ca`); `insecure` turns certificate checking off for development servers.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { URL } from 'node:url';

export const ES9PLUS_PATH = '/gsma/rsp2/es9plus/';

/** A function that returned `Failed` (or `Expired`): the GSMA status code data (SGP.22 §5.2.6). */
export class Es9Error extends Error {
  constructor(
    readonly functionName: string,
    readonly status: string,
    readonly subjectCode?: string,
    readonly reasonCode?: string,
    readonly statusMessage?: string,
  ) {
    super(
      `${functionName}: ${status}${subjectCode ? ` ${subjectCode}/${reasonCode}` : ''}${statusMessage ? ` — ${statusMessage}` : ''}`,
    );
    this.name = 'Es9Error';
  }
}

/** The transport failed (connection, TLS, non-2xx status, body not JSON). */
export class Es9TransportError extends Error {
  constructor(
    readonly functionName: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(`${functionName}: ${message}`);
    this.name = 'Es9TransportError';
  }
}

export interface Es9ClientOptions {
  /** https://host[:port] or http://host[:port] (no path). */
  baseUrl: string;
  /** PEM trust anchors for TLS (the CI certificates); default: Node's store. */
  ca?: string | string[];
  /** Accept any server certificate (development only). */
  insecure?: boolean;
  /** X-Admin-Protocol, default gsma/rsp/v2.2.2 (what lpac sends). */
  adminProtocol?: string;
  userAgent?: string;
  timeoutMs?: number;
  /** Observer of every exchange (the CLI prints it). */
  onExchange?: (e: { functionName: string; httpStatus: number; request: unknown; response: unknown; ms: number }) => void;
}

export interface FunctionExecutionStatus {
  status: string;
  statusCodeData?: { subjectCode?: string; reasonCode?: string; subjectIdentifier?: string; message?: string };
}

const b64 = (b: Buffer) => b.toString('base64');
/** lpac strips whitespace from received base64 (digest §1.2). */
const unb64 = (fn: string, name: string, v: unknown): Buffer => {
  if (typeof v !== 'string') throw new Es9TransportError(fn, `response field ${name} is missing`);
  return Buffer.from(v.replace(/\s+/g, ''), 'base64');
};

export interface InitiateAuthenticationResponse {
  transactionId: string;
  serverSigned1: Buffer;
  serverSignature1: Buffer;
  euiccCiPKIdToBeUsed: Buffer;
  serverCertificate: Buffer;
}

export interface AuthenticateClientResponse {
  transactionId: string;
  profileMetadata: Buffer;
  smdpSigned2: Buffer;
  smdpSignature2: Buffer;
  smdpCertificate: Buffer;
}

export class Es9PlusClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  /** HTTP status of the last exchange (handleNotification must answer 204, SGP.22 §6.5.2.9). */
  lastHttpStatus = 0;

  constructor(private readonly options: Es9ClientOptions) {
    this.url = new URL(options.baseUrl);
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:') {
      throw new Error(`ES9+ base URL must be http(s), got ${options.baseUrl}`);
    }
    this.agent =
      this.url.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ca: options.ca, rejectUnauthorized: !options.insecure })
        : new http.Agent({ keepAlive: true });
  }

  /** Closes kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  /** POSTs one ES9+ function; returns the parsed JSON (or undefined for 204). */
  async call(functionName: string, body: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    const started = Date.now();
    const lib = this.url.protocol === 'https:' ? https : http;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = lib.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port || undefined,
          path: `${ES9PLUS_PATH}${functionName}`,
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json',
            'X-Admin-Protocol': this.options.adminProtocol ?? 'gsma/rsp/v2.2.2',
            'User-Agent': this.options.userAgent ?? 'gsma-rsp-lpad',
            'Content-Length': payload.length,
          },
          timeout: this.options.timeoutMs ?? 30000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => reject(new Es9TransportError(functionName, e.message)));
      req.end(payload);
    });
    let json: Record<string, unknown> | undefined;
    if (text.length > 0) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new Es9TransportError(functionName, `HTTP ${status}, body is not JSON: ${text.slice(0, 200)}`, status);
      }
    }
    this.lastHttpStatus = status;
    this.options.onExchange?.({ functionName, httpStatus: status, request: body, response: json, ms: Date.now() - started });
    if (status < 200 || status > 299) throw new Es9TransportError(functionName, `HTTP ${status} ${text.slice(0, 200)}`, status);
    if (json) {
      const fes = (json.header as { functionExecutionStatus?: FunctionExecutionStatus } | undefined)?.functionExecutionStatus;
      if (fes && fes.status !== 'Executed-Success' && fes.status !== 'Executed-WithWarning') {
        const d = fes.statusCodeData ?? {};
        throw new Es9Error(functionName, fes.status, d.subjectCode, d.reasonCode, d.message);
      }
    }
    return json;
  }

  /** ES9+.InitiateAuthentication (SGP.22 §5.6.1 / §6.5.2.6). */
  async initiateAuthentication(p: { euiccChallenge: Buffer; euiccInfo1: Buffer; smdpAddress: string }): Promise<InitiateAuthenticationResponse> {
    const fn = 'initiateAuthentication';
    const r = (await this.call(fn, { euiccChallenge: b64(p.euiccChallenge), euiccInfo1: b64(p.euiccInfo1), smdpAddress: p.smdpAddress })) ?? {};
    return {
      transactionId: String(r.transactionId ?? ''),
      serverSigned1: unb64(fn, 'serverSigned1', r.serverSigned1),
      serverSignature1: unb64(fn, 'serverSignature1', r.serverSignature1),
      euiccCiPKIdToBeUsed: unb64(fn, 'euiccCiPKIdToBeUsed', r.euiccCiPKIdToBeUsed),
      serverCertificate: unb64(fn, 'serverCertificate', r.serverCertificate),
    };
  }

  /** ES9+.AuthenticateClient (SGP.22 §5.6.3 / §6.5.2.8). */
  async authenticateClient(p: { transactionId: string; authenticateServerResponse: Buffer }): Promise<AuthenticateClientResponse> {
    const fn = 'authenticateClient';
    const r = (await this.call(fn, { transactionId: p.transactionId, authenticateServerResponse: b64(p.authenticateServerResponse) })) ?? {};
    return {
      transactionId: String(r.transactionId ?? p.transactionId),
      profileMetadata: unb64(fn, 'profileMetadata', r.profileMetadata),
      smdpSigned2: unb64(fn, 'smdpSigned2', r.smdpSigned2),
      smdpSignature2: unb64(fn, 'smdpSignature2', r.smdpSignature2),
      smdpCertificate: unb64(fn, 'smdpCertificate', r.smdpCertificate),
    };
  }

  /** ES9+.GetBoundProfilePackage (SGP.22 §5.6.2 / §6.5.2.7). */
  async getBoundProfilePackage(p: { transactionId: string; prepareDownloadResponse: Buffer }): Promise<{ transactionId: string; boundProfilePackage: Buffer }> {
    const fn = 'getBoundProfilePackage';
    const r = (await this.call(fn, { transactionId: p.transactionId, prepareDownloadResponse: b64(p.prepareDownloadResponse) })) ?? {};
    return { transactionId: String(r.transactionId ?? p.transactionId), boundProfilePackage: unb64(fn, 'boundProfilePackage', r.boundProfilePackage) };
  }

  /**
   * ES9+.HandleNotification (SGP.22 §5.6.4 / §6.5.2.9): the server answers 204 with no body. Any 2xx counts
   * as delivered (as lpac does); returns the HTTP status so callers can check for exactly 204.
   */
  async handleNotification(pendingNotification: Buffer): Promise<number> {
    await this.call('handleNotification', { pendingNotification: b64(pendingNotification) });
    return this.lastHttpStatus;
  }

  /** ES9+.CancelSession (SGP.22 §5.6.5 / §6.5.2.10). */
  async cancelSession(p: { transactionId: string; cancelSessionResponse: Buffer }): Promise<void> {
    await this.call('cancelSession', { transactionId: p.transactionId, cancelSessionResponse: b64(p.cancelSessionResponse) });
  }
}
