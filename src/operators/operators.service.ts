/**
 * Operators as tenants of ES2+ (SGP.22 §5.3) and their credentials: a client certificate for mutually
 * authenticated TLS (SGP.22 §2.6.6; the certificate identifies the operator) and, for deployments behind a
 * TLS-terminating proxy, an API key (`X-Api-Key`). Only hashes/fingerprints are stored.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RspError } from '../common/rsp-error';
import { date, Db, sqlState, UNIQUE_VIOLATION } from '../inventory/db';
import { Operator, OperatorCredentials } from './operator';

/** Issues an ES2+ client certificate for an operator (the PKI's operator CA). */
export type OperatorCertificateIssuer = (operatorName: string) => Promise<{ certPem: string; keyPem: string }>;

export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorError';
  }
}

/** SHA-256 of a certificate's DER, lower-case hex (PEM or DER or X509Certificate accepted). */
export function certificateFingerprint(cert: string | Buffer | X509Certificate): string {
  const der = cert instanceof X509Certificate ? cert.raw : typeof cert === 'string' ? new X509Certificate(cert).raw : cert;
  return createHash('sha256').update(der).digest('hex');
}

export function hashApiKey(apiKey: string): Buffer {
  return createHash('sha256').update(apiKey, 'utf8').digest();
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function toOperator(r: Record<string, unknown>): Operator {
  return {
    id: String(r.id),
    name: String(r.name),
    callbackUrl: (r.callback_url as string | null) ?? undefined,
    createdAt: date(r.created_at)!,
  };
}

/** A callback base URL: http(s), no credentials in it. */
export function assertCallbackUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OperatorError(`callback URL is not a URL: ${url}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new OperatorError('callback URL must be http(s)');
  if (u.username || u.password) throw new OperatorError('callback URL must not carry credentials');
}

@Injectable()
export class OperatorsService {
  constructor(private readonly db: DataSource) {}

  /**
   * Creates an operator with a new API key and, when an issuer is given, a client certificate whose
   * fingerprint is registered. The returned key/certificate are shown once.
   */
  async createOperator(
    name: string,
    opts: { callbackUrl?: string; issueCertificate?: OperatorCertificateIssuer; clientCertPem?: string } = {},
  ): Promise<OperatorCredentials> {
    if (!NAME.test(name)) throw new OperatorError(`operator name must match ${NAME}: '${name}'`);
    if (opts.callbackUrl) assertCallbackUrl(opts.callbackUrl);
    const apiKey = `smdp_${randomBytes(32).toString('base64url')}`;
    let row: Record<string, unknown>;
    try {
      [row] = await this.db.query(
        `INSERT INTO operators (name, api_key_hash, callback_url) VALUES ($1, $2, $3) RETURNING *`,
        [name, hashApiKey(apiKey), opts.callbackUrl ?? null],
      );
    } catch (e) {
      if (sqlState(e) === UNIQUE_VIOLATION) throw new OperatorError(`an operator named '${name}' already exists`);
      throw e;
    }
    const operator = toOperator(row);
    const creds: OperatorCredentials = { operator, apiKey };
    let certPem = opts.clientCertPem;
    if (!certPem && opts.issueCertificate) {
      const issued = await opts.issueCertificate(name);
      certPem = issued.certPem;
      creds.keyPem = issued.keyPem;
    }
    if (certPem) {
      creds.certPem = certPem;
      creds.certFingerprint = await this.addClientCertificate(operator.id, certPem);
    }
    return creds;
  }

  /** Registers one more client certificate for the operator; returns its fingerprint. */
  async addClientCertificate(operatorId: string, certPem: string | Buffer): Promise<string> {
    const x = new X509Certificate(certPem);
    const fp = certificateFingerprint(x);
    await this.db.query(
      `INSERT INTO operator_client_certs (fingerprint, operator_id, subject, not_after) VALUES ($1, $2, $3, $4)
       ON CONFLICT (fingerprint) DO NOTHING`,
      [fp, operatorId, x.subject, new Date(x.validTo)],
    );
    return fp;
  }

  /** Replaces the API key; returns the new key (shown once). */
  async rotateApiKey(operatorId: string): Promise<string> {
    const apiKey = `smdp_${randomBytes(32).toString('base64url')}`;
    await this.db.query(`UPDATE operators SET api_key_hash = $2 WHERE id = $1`, [operatorId, hashApiKey(apiKey)]);
    return apiKey;
  }

  async list(): Promise<Array<Operator & { certificates: number }>> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT o.*, (SELECT count(*) FROM operator_client_certs c WHERE c.operator_id = o.id)::int AS certs
         FROM operators o ORDER BY o.name`,
    );
    return rows.map((r) => ({ ...toOperator(r), certificates: Number(r.certs) }));
  }

  async findByName(name: string, db: Db = this.db): Promise<Operator | undefined> {
    const [r] = await db.query(`SELECT * FROM operators WHERE name = $1`, [name]);
    return r ? toOperator(r) : undefined;
  }

  async findById(id: string, db: Db = this.db): Promise<Operator | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const [r] = await db.query(`SELECT * FROM operators WHERE id = $1`, [id]);
    return r ? toOperator(r) : undefined;
  }

  /** The operator a (verified) TLS client certificate belongs to. */
  async authenticateByCertificate(cert: string | Buffer | X509Certificate): Promise<Operator | undefined> {
    const fp = certificateFingerprint(cert);
    const [r] = await this.db.query(
      `SELECT o.* FROM operator_client_certs c JOIN operators o ON o.id = c.operator_id WHERE c.fingerprint = $1`,
      [fp],
    );
    return r ? toOperator(r) : undefined;
  }

  /** The operator an `X-Api-Key` value belongs to. */
  async authenticateByApiKey(apiKey: string): Promise<Operator | undefined> {
    if (!apiKey || apiKey.length > 200) return undefined;
    const [r] = await this.db.query(`SELECT * FROM operators WHERE api_key_hash = $1`, [hashApiKey(apiKey)]);
    return r ? toOperator(r) : undefined;
  }

  /** Sets (or clears) the base URL for HandleDownloadProgressInfo. */
  async setCallbackUrl(operatorId: string, url: string | null): Promise<void> {
    if (url) assertCallbackUrl(url);
    await this.db.query(`UPDATE operators SET callback_url = $2 WHERE id = $1`, [operatorId, url]);
  }
}

/**
 * SGP.22 §6.5.1.3: the request header's functionRequesterIdentifier must name the authenticated operator
 * (its name or id) → else 1.1/1.2 (function requester not allowed).
 */
export function assertFunctionRequester(operator: Operator, functionRequesterIdentifier: string | undefined): void {
  if (!functionRequesterIdentifier) {
    throw new RspError('1.6', '2.2', 'Mandatory parameter missing: header.functionRequesterIdentifier');
  }
  if (functionRequesterIdentifier !== operator.name && functionRequesterIdentifier !== operator.id) {
    throw new RspError(
      '1.1',
      '1.2',
      `functionRequesterIdentifier '${functionRequesterIdentifier}' does not match the authenticated operator`,
    );
  }
}
