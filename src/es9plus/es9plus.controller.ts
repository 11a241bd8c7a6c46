/**
 * ES9+ (LPAd → SM-DP+), SGP.22 §5.6 with the JSON binding of §6.5.2: thin — delegate to Es9PlusService and
 * wrap the result in the response header. Functional failures are RspErrors, rendered by the global filter as
 * HTTP 200 + status Failed + statusCodeData; X-Admin-Protocol is negotiated and echoed for /gsma/… by the
 * global hook (src/bootstrap/create-app.ts). ES9+ requests carry no header object (§6.5.1.3).
 */
import { Body, Controller, HttpCode, Logger, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { rspSuccess, RspFunction } from '../common/rsp-response';
import { RspError } from '../common/rsp-error';
import { Es9PlusService } from '../rsp/es9plus.service';

type Json = Record<string, unknown>;

const ADMIN = { name: 'X-Admin-Protocol', required: false, description: 'gsma/rsp/v2.x.y (echoed)', example: 'gsma/rsp/v2.2.2' };

/** The ES9+ body must be a JSON object; anything else is an invalid parameter (never a 5xx). */
function object(body: unknown): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new RspError('1.6', '2.1', 'Invalid parameter: request body must be a JSON object');
  }
  return body as Json;
}

const schema = (properties: Record<string, string>) => ({
  schema: {
    type: 'object',
    properties: Object.fromEntries(Object.entries(properties).map(([k, d]) => [k, { type: 'string', description: d }])),
  },
});

@ApiTags('es9plus')
@ApiHeader(ADMIN)
@Controller('gsma/rsp2/es9plus')
export class Es9PlusController {
  private readonly log = new Logger('Es9Plus');

  constructor(private readonly es9: Es9PlusService) {}

  @Post('initiateAuthentication')
  @RspFunction()
  @ApiOperation({ summary: 'ES9+.InitiateAuthentication (SGP.22 §5.6.1)' })
  @ApiBody(schema({ euiccChallenge: 'base64, 16 bytes', euiccInfo1: 'base64 DER EUICCInfo1 (BF20)', smdpAddress: 'FQDN' }))
  @ApiOkResponse({ description: 'transactionId, serverSigned1, serverSignature1, euiccCiPKIdToBeUsed, serverCertificate' })
  async initiateAuthentication(@Body() body: unknown) {
    return rspSuccess(await this.es9.initiateAuthentication(object(body)));
  }

  @Post('authenticateClient')
  @RspFunction()
  @ApiOperation({ summary: 'ES9+.AuthenticateClient (SGP.22 §5.6.3)' })
  @ApiBody(schema({ transactionId: 'hex', authenticateServerResponse: 'base64 DER AuthenticateServerResponse (BF38)' }))
  @ApiOkResponse({ description: 'transactionId, profileMetadata, smdpSigned2, smdpSignature2, smdpCertificate' })
  async authenticateClient(@Body() body: unknown) {
    return rspSuccess(await this.es9.authenticateClient(object(body)));
  }

  @Post('getBoundProfilePackage')
  @RspFunction()
  @ApiOperation({ summary: 'ES9+.GetBoundProfilePackage (SGP.22 §5.6.2)' })
  @ApiBody(schema({ transactionId: 'hex', prepareDownloadResponse: 'base64 DER PrepareDownloadResponse (BF21)' }))
  @ApiOkResponse({ description: 'transactionId, boundProfilePackage (base64 DER BF36)' })
  async getBoundProfilePackage(@Body() body: unknown) {
    return rspSuccess(await this.es9.getBoundProfilePackage(object(body)));
  }

  /**
   * SGP.22 §6.5.2.9: answered 204 whatever the outcome — the LPA deletes the notification from the eUICC
   * only after a 2xx, and an invalid or duplicate notification must not be retried for ever.
   */
  @Post('handleNotification')
  @HttpCode(204)
  @ApiOperation({ summary: 'ES9+.HandleNotification (SGP.22 §5.6.4): always 204' })
  @ApiBody(schema({ pendingNotification: 'base64 DER PendingNotification (BF37 or 30)' }))
  @ApiNoContentResponse()
  async handleNotification(@Body() body: unknown): Promise<void> {
    try {
      await this.es9.handleNotification(object(body));
    } catch (e) {
      if (!(e instanceof RspError)) throw e;
      this.log.warn({ code: e.code, message: e.message }, 'handleNotification refused');
    }
  }

  @Post('cancelSession')
  @RspFunction()
  @ApiOperation({ summary: 'ES9+.CancelSession (SGP.22 §5.6.5)' })
  @ApiBody(schema({ transactionId: 'hex', cancelSessionResponse: 'base64 DER CancelSessionResponse (BF41)' }))
  async cancelSession(@Body() body: unknown) {
    await this.es9.cancelSession(object(body));
    return rspSuccess();
  }
}
