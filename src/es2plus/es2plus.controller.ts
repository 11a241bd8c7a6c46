/**
 * ES2+ (operator → SM-DP+), SGP.22 §5.3 / JSON binding §6.5.2: thin — authenticate (OperatorAuthGuard:
 * mutual TLS client certificate or X-Api-Key), check the request header against the operator, delegate to
 * OrdersService, wrap the result in the response header. Functional failures are RspErrors, rendered by the
 * global filter as HTTP 200 + status Failed + statusCodeData. X-Admin-Protocol is negotiated and echoed by
 * the global hook for /gsma/… (src/bootstrap/create-app.ts).
 */
import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RspError } from '../common/rsp-error';
import { rspSuccess, RspFunction } from '../common/rsp-response';
import { Es2Caller, OrdersService } from '../inventory/orders.service';
import { Operator } from '../operators/operator';
import { CurrentOperator, OperatorAuthGuard } from '../operators/operator-auth.guard';
import { assertFunctionRequester } from '../operators/operators.service';
import {
  CancelOrderRequest,
  ConfirmOrderRequest,
  ConfirmOrderResponse,
  DownloadOrderRequest,
  DownloadOrderResponse,
  Es2HeaderOnlyResponse,
  ReleaseProfileRequest,
} from './es2plus.dto';

type Body = Record<string, unknown> & { header?: { functionRequesterIdentifier?: unknown; functionCallIdentifier?: unknown } };

/** SGP.22 §6.5.1.3: the ES2+ request header, checked against the authenticated operator. */
export function es2Caller(operator: Operator, body: unknown): Es2Caller {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new RspError('1.6', '2.1', 'Invalid parameter: request body must be a JSON object');
  const h = (body as Body).header;
  if (!h || typeof h !== 'object') throw new RspError('1.6', '2.2', 'Mandatory parameter missing: header');
  const fri = typeof h.functionRequesterIdentifier === 'string' ? h.functionRequesterIdentifier : undefined;
  assertFunctionRequester(operator, fri);
  if (typeof h.functionCallIdentifier !== 'string' || h.functionCallIdentifier === '') {
    throw new RspError('1.6', '2.2', 'Mandatory parameter missing: header.functionCallIdentifier');
  }
  return { operatorId: operator.id, actor: `es2plus:${operator.name}`, functionCallIdentifier: h.functionCallIdentifier.slice(0, 128) };
}

const ADMIN = { name: 'X-Admin-Protocol', required: false, description: 'gsma/rsp/v2.x.y (echoed)', example: 'gsma/rsp/v2.5.0' };

@ApiTags('es2plus')
@ApiSecurity('mutual-tls')
@ApiSecurity('api-key')
@ApiHeader(ADMIN)
@Controller('gsma/rsp2/es2plus')
@UseGuards(OperatorAuthGuard)
export class Es2PlusController {
  constructor(private readonly orders: OrdersService) {}

  @Post('downloadOrder')
  @RspFunction()
  @ApiOperation({ summary: 'ES2+.DownloadOrder (SGP.22 §5.3.1): reserve a profile by ICCID or profile type, optionally linked to an EID' })
  @ApiBody({ type: DownloadOrderRequest })
  @ApiOkResponse({ type: DownloadOrderResponse })
  async downloadOrder(@CurrentOperator() op: Operator, @Body() body: Body) {
    const caller = es2Caller(op, body);
    return rspSuccess(await this.orders.downloadOrder(caller, { eid: body.eid as string, iccid: body.iccid as string, profileType: body.profileType as string }));
  }

  @Post('confirmOrder')
  @RspFunction()
  @ApiOperation({ summary: 'ES2+.ConfirmOrder (SGP.22 §5.3.2): MatchingID, confirmation code, release' })
  @ApiBody({ type: ConfirmOrderRequest })
  @ApiOkResponse({ type: ConfirmOrderResponse })
  async confirmOrder(@CurrentOperator() op: Operator, @Body() body: Body) {
    const caller = es2Caller(op, body);
    const r = await this.orders.confirmOrder(caller, {
      iccid: body.iccid as string,
      eid: body.eid as string,
      matchingId: body.matchingId as string,
      confirmationCode: body.confirmationCode as string,
      smdsAddress: body.smdsAddress as string,
      releaseFlag: body.releaseFlag as boolean,
    });
    return rspSuccess({ ...(r.eid ? { eid: r.eid } : {}), matchingId: r.matchingId, smdpAddress: r.smdpAddress });
  }

  @Post('cancelOrder')
  @RspFunction()
  @ApiOperation({ summary: 'ES2+.CancelOrder (SGP.22 §5.3.3): end the order; profile → Available or Unavailable' })
  @ApiBody({ type: CancelOrderRequest })
  @ApiOkResponse({ type: Es2HeaderOnlyResponse })
  async cancelOrder(@CurrentOperator() op: Operator, @Body() body: Body) {
    const caller = es2Caller(op, body);
    await this.orders.cancelOrder(caller, {
      iccid: body.iccid as string,
      eid: body.eid as string,
      matchingId: body.matchingId as string,
      finalProfileStatusIndicator: body.finalProfileStatusIndicator as 'Available',
    });
    return rspSuccess();
  }

  @Post('releaseProfile')
  @RspFunction()
  @ApiOperation({ summary: 'ES2+.ReleaseProfile (SGP.22 §5.3.4): Confirmed → Released' })
  @ApiBody({ type: ReleaseProfileRequest })
  @ApiOkResponse({ type: Es2HeaderOnlyResponse })
  async releaseProfile(@CurrentOperator() op: Operator, @Body() body: Body) {
    const caller = es2Caller(op, body);
    await this.orders.releaseProfile(caller, { iccid: body.iccid as string });
    return rspSuccess();
  }
}
