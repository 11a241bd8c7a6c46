/**
 * The one exception filter (GUIDE: "turns domain errors into the wire format and hides internals").
 *
 * - `RspError` → HTTP 200 with `header.functionExecutionStatus` Failed + statusCodeData (SGP.22 §6.5.1.4).
 * - Client errors (malformed JSON, DTO validation, guards) on the RSP interfaces (/gsma/…) → HTTP 200 with
 *   1.6/2.1 (invalid), 1.1/1.1 (401) or 1.1/1.2 (403), since LPAs treat a non-2xx answer as a transport
 *   failure; 404, 405 and 413 keep their HTTP status. Elsewhere → their HTTP status and a small JSON body.
 * - Anything unexpected → logged with the request id; on /gsma/… HTTP 200 with 1.2/4.2, elsewhere HTTP 500;
 *   never a stack trace or message on the wire.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RSP_CONTENT_TYPE, rspFailure } from './rsp-response';
import { GenericCodes, RspError } from './rsp-error';

export const isRspPath = (url: string | undefined): boolean => !!url && url.startsWith('/gsma/');

/**
 * The message for a client error. Body-parser failures reach the filter as HttpException(message, status)
 * (Nest maps Fastify's errors and drops their code), so they are recognised by Fastify's wording; messages that
 * could quote the request body are replaced.
 */
function clientMessage(exception: unknown, status: number): string {
  const e = exception as { code?: string; name?: string; message?: unknown };
  const text = typeof e.message === 'string' ? e.message : '';
  if (e.code?.startsWith('FST_ERR_CTP_INVALID_JSON') || e.name === 'SyntaxError' || /not valid JSON|Unexpected token|JSON at position/i.test(text)) {
    return 'request body is not valid JSON';
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || /^Body cannot be empty/.test(text)) return 'request body is empty';
  if (status === 415) return 'unsupported Content-Type';
  if (status === 413) return 'request body too large';
  if (exception instanceof HttpException) {
    const r = exception.getResponse();
    const m = typeof r === 'string' ? r : (r as { message?: unknown }).message;
    if (Array.isArray(m)) return m.join('; ');
    if (typeof m === 'string') return m;
  }
  return text || 'bad request';
}

function httpStatusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const s = (exception as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' && s >= 400 && s <= 599 ? s : undefined;
}

@Catch()
export class RspExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const url = request?.url ?? request?.raw?.url;
    const requestId = request?.id;
    const rsp = isRspPath(url);

    if (exception instanceof RspError) {
      this.logger.log({ requestId, code: exception.code, url }, `function failed: ${exception.code} ${exception.message}`);
      return this.send(reply, 200, rspFailure(exception), true);
    }

    const status = httpStatusOf(exception);
    if (status !== undefined && status < 500) {
      const message = clientMessage(exception, status);
      if (rsp && ![404, 405, 413].includes(status)) {
        const error =
          status === 401
            ? new RspError('1.1', '1.1', 'Unknown function requester')
            : status === 403
              ? new RspError('1.1', '1.2', 'Function requester not allowed')
              : GenericCodes.invalidParameter(message);
        this.logger.log({ requestId, code: error.code, status, url }, `rejected request: ${message}`);
        return this.send(reply, 200, rspFailure(error), true);
      }
      return this.send(reply, status, { statusCode: status, message, requestId }, false);
    }

    this.logger.error(
      { requestId, url, err: exception instanceof Error ? { type: exception.name, message: exception.message, stack: exception.stack } : String(exception) },
      'unexpected error',
    );
    if (rsp) return this.send(reply, 200, rspFailure(GenericCodes.internalError()), true);
    return this.send(reply, 500, { statusCode: 500, message: 'Internal server error', requestId }, false);
  }

  private send(reply: FastifyReply, status: number, body: unknown, rsp: boolean): void {
    if (!reply || reply.sent) return;
    reply.status(status);
    if (rsp) reply.header('content-type', RSP_CONTENT_TYPE);
    reply.send(body);
  }
}
