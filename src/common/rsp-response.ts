/**
 * SGP.22 §6.5.1.4 response header: every ES9+/ES2+ response body carries
 * `header.functionExecutionStatus`; on failure `statusCodeData` (§5.2.6) and no output fields.
 */
import { applyDecorators, Header, HttpCode } from '@nestjs/common';
import { RspError } from './rsp-error';

/** SGP.22 §6.1: the content type the SM-DP+ answers with. */
export const RSP_CONTENT_TYPE = 'application/json;charset=UTF-8';

export interface FunctionExecutionStatus {
  status: 'Executed-Success' | 'Executed-WithWarning' | 'Failed' | 'Expired';
  statusCodeData?: { subjectCode: string; reasonCode: string; subjectIdentifier?: string; message?: string };
}

export interface RspResponseHeader {
  header: { functionExecutionStatus: FunctionExecutionStatus };
}

/** `{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}, ...fields}` */
export function rspSuccess<T extends object>(fields?: T): RspResponseHeader & T {
  return { header: { functionExecutionStatus: { status: 'Executed-Success' } }, ...(fields ?? ({} as T)) };
}

/** The body for a functional failure (HTTP 200; output fields omitted). */
export function rspFailure(error: Pick<RspError, 'subjectCode' | 'reasonCode' | 'message' | 'subjectIdentifier'>): RspResponseHeader {
  return {
    header: {
      functionExecutionStatus: {
        status: 'Failed',
        statusCodeData: {
          subjectCode: error.subjectCode,
          reasonCode: error.reasonCode,
          ...(error.subjectIdentifier ? { subjectIdentifier: error.subjectIdentifier } : {}),
          message: error.message,
        },
      },
    },
  };
}

/**
 * Put on every ES9+/ES2+ handler that returns a JSON body: HTTP 200 (Nest's default for POST is 201) and
 * the SGP.22 content type. (handleNotification / handleDownloadProgressInfo use `@HttpCode(204)` instead.)
 */
export const RspFunction = () => applyDecorators(HttpCode(200), Header('Content-Type', RSP_CONTENT_TYPE));
