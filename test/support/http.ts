/** A minimal HTTP(S) client for end-to-end tests (node:https, no extra dependency). */
import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed body when it is JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Negotiated TLS version and cipher (HTTPS only). */
  tls?: { protocol: string | null; cipher: string };
}

export interface TestRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  /** Extra TLS options: ca, cert, key, maxVersion, ciphers … */
  tls?: Omit<RequestOptions, 'method' | 'headers' | 'path' | 'host' | 'port'>;
}

export function send(baseUrl: string, path: string, req: TestRequest = {}): Promise<TestResponse> {
  const url = new URL(path, baseUrl);
  const https = url.protocol === 'https:';
  const body =
    req.body === undefined ? undefined : typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
  const headers: Record<string, string> = {
    ...(body !== undefined && !(req.headers && Object.keys(req.headers).some((h) => h.toLowerCase() === 'content-type'))
      ? { 'content-type': 'application/json' }
      : {}),
    ...req.headers,
  };
  return new Promise((resolve, reject) => {
    const options: RequestOptions = {
      method: req.method ?? (body === undefined ? 'GET' : 'POST'),
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers,
      agent: false,
      ...(https ? req.tls : {}),
    };
    const r = (https ? httpsRequest : httpRequest)(options, (res) => {
      const socket = res.socket as TLSSocket;
      const tls = https && socket?.getProtocol ? { protocol: socket.getProtocol(), cipher: socket.getCipher().name } : undefined;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, tls });
      });
    });
    r.on('error', reject);
    if (body !== undefined) r.write(body);
    r.end();
  });
}
