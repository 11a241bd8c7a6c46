/**
 * First run (SEED_DEMO): a stand-in for the demo operator's own system, so that a newcomer sees the
 * ES2+.HandleDownloadProgressInfo callbacks (SGP.22 §5.3.5) of a download arrive. It listens on loopback
 * (DEMO_CALLBACK_PORT, default PORT+1), logs each callback in one readable line and answers 204, and it
 * becomes the demo operator's callback URL unless that operator already has one.
 * A real operator points its callback URL at its own endpoint (`npm run cli -- operator callback …`).
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DemoSeed, DemoSeeder } from '../bootstrap/demo-seed';
import { AppConfig } from '../config/app-config';
import { OperatorsService } from '../operators/operators.service';
import { DEMO_OPERATOR } from './seed';

const POINTS: Record<number, string> = {
  1: 'eligibility and retry limit check',
  2: 'confirmation failure',
  3: 'BPP download',
  4: 'BPP installation',
};

@DemoSeeder({ order: 30 })
@Injectable()
export class DemoOperatorReceiver implements DemoSeed, OnModuleDestroy {
  private readonly log = new Logger('DemoOperator');
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly operators: OperatorsService,
  ) {}

  async seed(): Promise<void> {
    const op = await this.operators.findByName(DEMO_OPERATOR);
    if (!op || (op.callbackUrl && !op.callbackUrl.startsWith('http://127.0.0.1:'))) return;
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        if (body.length < 65536) body += c;
      });
      req.on('end', () => {
        try {
          const e = JSON.parse(body) as {
            iccid?: string;
            eid?: string;
            notificationPointId?: number;
            notificationPointStatus?: { status?: string; statusCodeData?: { subjectCode?: string; reasonCode?: string } };
          };
          const s = e.notificationPointStatus;
          const code = s?.statusCodeData ? ` ${s.statusCodeData.subjectCode}/${s.statusCodeData.reasonCode}` : '';
          this.log.log(
            `operator '${DEMO_OPERATOR}' received HandleDownloadProgressInfo: ICCID ${e.iccid} EID ${e.eid ?? '-'} ` +
              `point ${e.notificationPointId} (${POINTS[e.notificationPointId ?? 0] ?? 'other'}) ${s?.status}${code}`,
          );
          res.statusCode = 204;
        } catch {
          res.statusCode = 400;
        }
        res.end();
      });
    });
    const port = this.config.port === 0 ? 0 : this.config.port + 1;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    }).catch((err: Error) => {
      this.log.warn(`demo operator callback receiver not started (${err.message})`);
      throw err;
    });
    this.server = server;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await this.operators.setCallbackUrl(op.id, url);
    this.log.log(`demo operator callbacks (HandleDownloadProgressInfo) go to ${url} and are logged here`);
  }

  onModuleDestroy(): void {
    this.server?.close();
  }
}
