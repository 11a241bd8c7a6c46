/**
 * Authenticates the operator of an ES2+ or operator-API request (SGP.22 §2.6.6: ES2+ runs over mutually
 * authenticated TLS, and the client certificate identifies the operator).
 *
 * 1. A client certificate that chained to the operator CA during the handshake (getVerifiedClientCertificate)
 *    and whose fingerprint is registered for an operator; else
 * 2. an `X-Api-Key` header (deployments behind a TLS-terminating proxy).
 *
 * On /gsma/… an unknown requester is 1.1/1.1 (rendered HTTP 200 by the exception filter); on the operator API
 * it is HTTP 401.
 */
import { CanActivate, createParamDecorator, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { getVerifiedClientCertificate } from '../common/client-certificate';
import { RspError } from '../common/rsp-error';
import { Operator } from './operator';
import { OperatorsService } from './operators.service';

export const API_KEY_HEADER = 'x-api-key';

interface AuthRequest {
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  operator?: Operator;
  authMethod?: 'mtls' | 'api-key';
  raw?: { socket?: unknown };
  socket?: unknown;
}

@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(private readonly operators: OperatorsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthRequest>();
    const cert = getVerifiedClientCertificate(req);
    let operator: Operator | undefined;
    if (cert) {
      operator = await this.operators.authenticateByCertificate(cert);
      if (operator) req.authMethod = 'mtls';
    }
    if (!operator) {
      const key = req.headers[API_KEY_HEADER];
      const value = Array.isArray(key) ? key[0] : key;
      if (value) {
        operator = await this.operators.authenticateByApiKey(value);
        if (operator) req.authMethod = 'api-key';
      }
    }
    if (!operator) {
      if (req.url?.startsWith('/gsma/')) {
        throw new RspError('1.1', '1.1', 'Unknown function requester: present a registered client certificate (mutual TLS) or X-Api-Key');
      }
      throw new UnauthorizedException('present a registered client certificate (mutual TLS) or an X-Api-Key header');
    }
    req.operator = operator;
    return true;
  }
}

/** The authenticated operator (set by OperatorAuthGuard). */
export const CurrentOperator = createParamDecorator((_: unknown, ctx: ExecutionContext): Operator => {
  const op = ctx.switchToHttp().getRequest<AuthRequest>().operator;
  if (!op) throw new UnauthorizedException();
  return op;
});
