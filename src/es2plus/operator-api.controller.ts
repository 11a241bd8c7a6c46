/**
 * Operator API (not GSMA): profile import, a profile's state and audit trail, profile-type metadata, the
 * activation code of an order as QR (PNG/SVG), the HandleDownloadProgressInfo callback URL. Same
 * authentication as ES2+ (mutual TLS client certificate or X-Api-Key). Plain HTTP statuses: 400 invalid,
 * 401 unauthenticated, 403 another operator's object, 404 unknown, 409 duplicate/conflict.
 */
import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  HttpException,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RspError } from '../common/rsp-error';
import { qrPng, qrSvg } from '../inventory/activation-code';
import { InventoryService } from '../inventory/inventory.service';
import { OrdersService } from '../inventory/orders.service';
import { ProfileTypeMetadata } from '../inventory/profile-metadata';
import { Operator } from '../operators/operator';
import { CurrentOperator, OperatorAuthGuard } from '../operators/operator-auth.guard';
import { OperatorError, OperatorsService } from '../operators/operators.service';
import { CallbackJson, ImportBatchJson, ImportProfileJson, ProfileTypeMetadataJson } from './es2plus.dto';

/** RspError → HTTP status for the operator API (the message ends with the GSMA code, e.g. "(8.2.1/3.3)"). */
export function httpError(e: unknown): unknown {
  if (e instanceof OperatorError) return new BadRequestException(e.message);
  if (!(e instanceof RspError)) return e;
  const body = { statusCode: 0, message: `${e.message} (${e.code})` };
  const make = (C: new (b: object) => HttpException, status: number) => new C({ ...body, statusCode: status });
  if (e.reasonCode === '1.2') return make(ForbiddenException, 403);
  if (e.reasonCode === '3.9') return make(NotFoundException, 404);
  if (e.reasonCode === '3.3' || e.reasonCode === '3.5' || e.reasonCode === '3.10') return make(ConflictException, 409);
  return make(BadRequestException, 400);
}

async function http<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw httpError(e);
  }
}

function base64(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/=\s_-]+$/.test(v)) throw new BadRequestException(`${what} must be base64`);
  return Buffer.from(v.replace(/\s+/g, ''), 'base64');
}

@ApiTags('operator')
@ApiSecurity('mutual-tls')
@ApiSecurity('api-key')
@Controller('api/v1')
@UseGuards(OperatorAuthGuard)
export class OperatorApiController {
  constructor(
    private readonly inventory: InventoryService,
    private readonly orders: OrdersService,
    private readonly operators: OperatorsService,
  ) {}

  @Post('profiles')
  @HttpCode(201)
  @ApiOperation({ summary: 'Import one unprotected profile package (DER as application/octet-stream, or base64 JSON)' })
  @ApiConsumes('application/octet-stream', 'application/json')
  @ApiBody({ type: ImportProfileJson })
  async importProfile(@CurrentOperator() op: Operator, @Body() body: unknown, @Query('profileType') profileTypeQ?: string) {
    let der: Buffer;
    let profileType = profileTypeQ;
    if (Buffer.isBuffer(body)) der = body;
    else if (body && typeof body === 'object') {
      const j = body as { der?: unknown; profileType?: unknown };
      der = base64(j.der, 'der');
      if (typeof j.profileType === 'string') profileType = j.profileType;
    } else throw new BadRequestException('send the package as application/octet-stream or JSON {der: base64}');
    return http(this.inventory.importProfile(op.id, der, { profileType, actor: `api:${op.name}` }));
  }

  @Post('profiles/batch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Import several packages; each succeeds or fails on its own' })
  @ApiBody({ type: ImportBatchJson })
  async importBatch(@CurrentOperator() op: Operator, @Body() body: ImportBatchJson) {
    if (!body || !Array.isArray(body.profiles)) throw new BadRequestException('expected {profiles: [{name?, der}]}');
    if (body.profiles.length > 1000) throw new BadRequestException('at most 1000 packages per batch');
    const items = body.profiles.map((p, i) => ({ name: p?.name ?? String(i), der: base64(p?.der, `profiles[${i}].der`) }));
    const results = await http(this.inventory.importProfiles(op.id, items, { profileType: body.profileType, actor: `api:${op.name}` }));
    return { imported: results.filter((r) => r.ok).length, refused: results.filter((r) => !r.ok).length, results };
  }

  @Get('profiles/:iccid')
  @ApiOperation({ summary: "A profile's state, current order and audit trail" })
  async profile(@CurrentOperator() op: Operator, @Param('iccid') iccid: string) {
    return http(this.inventory.getProfile(op.id, iccid));
  }

  @Get('profile-types')
  @ApiOperation({ summary: "The operator's profile types with available/total counts" })
  async profileTypes(@CurrentOperator() op: Operator) {
    return http(this.inventory.listProfileTypes(op.id));
  }

  @Put('profile-types/:name')
  @ApiOperation({ summary: 'Set the metadata shown to the eUICC for a profile type (SGP.22 §4.1 StoreMetadataRequest fields)' })
  @ApiBody({ type: ProfileTypeMetadataJson })
  async setProfileType(@CurrentOperator() op: Operator, @Param('name') name: string, @Body() body: ProfileTypeMetadataJson) {
    if (!body || typeof body !== 'object') throw new BadRequestException('expected a JSON object');
    const m: Partial<ProfileTypeMetadata> = {
      serviceProviderName: body.serviceProviderName,
      profileName: body.profileName,
      profileClass: body.profileClass,
      iconType: body.iconType,
      icon: body.icon === undefined ? undefined : base64(body.icon, 'icon'),
      pprIds: body.pprIds as ProfileTypeMetadata['pprIds'],
      notificationConfig: body.notificationConfig as ProfileTypeMetadata['notificationConfig'],
    };
    const saved = await http(this.inventory.setProfileTypeMetadata(op.id, name, m));
    return { name, ...saved, icon: saved.icon?.toString('base64') };
  }

  @Get('orders/:matchingId')
  @ApiOperation({ summary: 'An order by MatchingID, with its activation code' })
  async order(@CurrentOperator() op: Operator, @Param('matchingId') matchingId: string) {
    const o = await http(this.orders.orderByMatchingId(op.id, matchingId));
    return {
      iccid: o.iccid,
      eid: o.eid,
      matchingId: o.matchingId,
      state: o.state,
      expiresAt: o.expiresAt,
      confirmationCodeRequired: !!o.ccHash,
      activationCode: `LPA:${o.activationCode}`,
    };
  }

  @Get('orders/:matchingId/qr.png')
  @Header('Content-Type', 'image/png')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('image/png')
  @ApiOperation({ summary: 'The activation code (LPA:1$…) as a PNG QR code' })
  async qrPng(@CurrentOperator() op: Operator, @Param('matchingId') matchingId: string): Promise<Buffer> {
    const o = await http(this.orders.orderByMatchingId(op.id, matchingId));
    return qrPng(`LPA:${o.activationCode}`);
  }

  @Get('orders/:matchingId/qr.svg')
  @Header('Content-Type', 'image/svg+xml')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('image/svg+xml')
  @ApiOperation({ summary: 'The activation code (LPA:1$…) as an SVG QR code' })
  async qrSvg(@CurrentOperator() op: Operator, @Param('matchingId') matchingId: string): Promise<string> {
    const o = await http(this.orders.orderByMatchingId(op.id, matchingId));
    return qrSvg(`LPA:${o.activationCode}`);
  }

  @Put('operator/callback')
  @ApiOperation({ summary: 'Set the base URL that receives ES2+.HandleDownloadProgressInfo' })
  @ApiBody({ type: CallbackJson })
  async setCallback(@CurrentOperator() op: Operator, @Body() body: CallbackJson) {
    if (!body || (body.url !== null && typeof body.url !== 'string')) throw new BadRequestException('expected {url: string | null}');
    await http(this.operators.setCallbackUrl(op.id, body.url));
    return { callbackUrl: body.url };
  }

  @Get('operator')
  @ApiOperation({ summary: 'The authenticated operator' })
  whoami(@CurrentOperator() op: Operator) {
    return { id: op.id, name: op.name, callbackUrl: op.callbackUrl ?? null };
  }
}
