/**
 * An ES9+ JSON endpoint on 127.0.0.1 in front of the MiniSmdp (SGP.22 §6.5), for LPA / CLI tests only.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { fixture, MiniSmdp, storeMetadata } from './mini-smdp';

const UPP = fixture('ts48', 'SAIP2.3_NoBERTLV.der');
const ICCID = '89000123456789012341';
const ADDRESS = 'testsmdpplus1.example.com';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, string>;
}

export class FakeEs9 {
  server!: Server;
  smdp = new MiniSmdp();
  received: Received[] = [];
  metadata = storeMetadata({ iccid: ICCID, notifications: [{ bits: [1, 2, 3], address: ADDRESS }] });
  bppMetadata?: Buffer;
  failAuthenticateClient = false;
  private bpp?: Buffer;

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
      this.received.push({ path: req.url!, headers: req.headers, body });
      const fn = req.url!.replace('/gsma/rsp2/es9plus/', '');
      const b = (k: string) => Buffer.from(body[k], 'base64');
      const ok = { header: { functionExecutionStatus: { status: 'Executed-Success' } } };
      const send = (o: unknown) => {
        res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', 'X-Admin-Protocol': 'gsma/rsp/v2.2.2' });
        res.end(JSON.stringify(o));
      };
      const txId = this.smdp.transactionId.toString('hex').toUpperCase();
      switch (fn) {
        case 'initiateAuthentication': {
          const r = this.smdp.initiateAuthentication(b('euiccChallenge'));
          return send({
            ...ok,
            transactionId: txId,
            serverSigned1: r.serverSigned1.toString('base64'),
            serverSignature1: r.serverSignature1.toString('base64'),
            euiccCiPKIdToBeUsed: r.euiccCiPKIdToBeUsed.toString('base64'),
            serverCertificate: r.serverCertificate.toString('base64'),
          });
        }
        case 'authenticateClient': {
          if (this.failAuthenticateClient) {
            return send({
              header: {
                functionExecutionStatus: {
                  status: 'Failed',
                  statusCodeData: { subjectCode: '8.2.6', reasonCode: '3.8', message: 'MatchingID refused' },
                },
              },
            });
          }
          const r = this.smdp.authenticateClient(b('authenticateServerResponse'));
          return send({
            ...ok,
            transactionId: txId,
            profileMetadata: this.metadata.toString('base64'),
            smdpSigned2: r.smdpSigned2.toString('base64'),
            smdpSignature2: r.smdpSignature2.toString('base64'),
            smdpCertificate: r.smdpCertificate.toString('base64'),
          });
        }
        case 'getBoundProfilePackage': {
          this.bpp ??= this.smdp.getBoundProfilePackage(
            b('prepareDownloadResponse'),
            '89049032123451234512345678901235',
            this.bppMetadata ?? this.metadata,
            UPP,
          );
          return send({ ...ok, transactionId: txId, boundProfilePackage: this.bpp.toString('base64') });
        }
        case 'handleNotification':
          res.writeHead(204);
          return res.end();
        case 'cancelSession':
          return send(ok);
        default:
          res.writeHead(404);
          res.end();
      }
    });
  }
}

