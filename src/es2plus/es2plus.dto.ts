/**
 * ES2+ JSON bodies (SGP.22 §6.5.2, digest §3.1) for the OpenAPI document. Validation of values is done by the
 * services (they answer the ES2+ status codes); these classes describe the wire format.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class Es2RequestHeader {
  @ApiProperty({ description: 'Identifies the operator; must match the authenticated operator (its name)', example: 'demo' })
  functionRequesterIdentifier: string;
  @ApiProperty({ description: 'Operator-chosen id of this call', example: 'b0f4c1a2-0001' })
  functionCallIdentifier: string;
}

class StatusCodeData {
  @ApiProperty({ example: '8.2.1' }) subjectCode: string;
  @ApiProperty({ example: '3.9' }) reasonCode: string;
  @ApiPropertyOptional() subjectIdentifier?: string;
  @ApiPropertyOptional({ example: 'ICCID 8999… unknown' }) message?: string;
}

class FunctionExecutionStatus {
  @ApiProperty({ enum: ['Executed-Success', 'Executed-WithWarning', 'Failed', 'Expired'] }) status: string;
  @ApiPropertyOptional({ type: StatusCodeData }) statusCodeData?: StatusCodeData;
}

export class Es2ResponseHeader {
  @ApiProperty({ type: FunctionExecutionStatus }) functionExecutionStatus: FunctionExecutionStatus;
}

export class Es2HeaderOnlyResponse {
  @ApiProperty({ type: Es2ResponseHeader }) header: Es2ResponseHeader;
}

export class DownloadOrderRequest {
  @ApiProperty({ type: Es2RequestHeader }) header: Es2RequestHeader;
  @ApiPropertyOptional({ description: '32 digits', example: '89049032123451234512345678901235' }) eid?: string;
  @ApiPropertyOptional({ description: 'ICCID (19-20 digits); one of iccid/profileType is required', example: '89990010000000000013' }) iccid?: string;
  @ApiPropertyOptional({ example: 'demo' }) profileType?: string;
}

export class DownloadOrderResponse extends Es2HeaderOnlyResponse {
  @ApiProperty({ example: '89990010000000000013' }) iccid: string;
}

export class ConfirmOrderRequest {
  @ApiProperty({ type: Es2RequestHeader }) header: Es2RequestHeader;
  @ApiProperty({ example: '89990010000000000013' }) iccid: string;
  @ApiPropertyOptional() eid?: string;
  @ApiPropertyOptional({ description: 'Generated when absent; "" = default SM-DP+ use case (EID required)', pattern: '^[0-9A-Z-]*$' }) matchingId?: string;
  @ApiPropertyOptional({ description: 'Stored only as SHA-256' }) confirmationCode?: string;
  @ApiPropertyOptional({ description: 'SM-DS FQDN (SM-DS registration is not performed yet)' }) smdsAddress?: string;
  @ApiProperty() releaseFlag: boolean;
}

export class ConfirmOrderResponse extends Es2HeaderOnlyResponse {
  @ApiPropertyOptional() eid?: string;
  @ApiProperty({ example: '04386-AGYFT-A74Y8-3F815-QX7K2' }) matchingId: string;
  @ApiProperty({ example: 'smdp.example.com' }) smdpAddress: string;
}

export class CancelOrderRequest {
  @ApiProperty({ type: Es2RequestHeader }) header: Es2RequestHeader;
  @ApiProperty() iccid: string;
  @ApiPropertyOptional() eid?: string;
  @ApiPropertyOptional() matchingId?: string;
  @ApiProperty({ enum: ['Available', 'Unavailable'] }) finalProfileStatusIndicator: 'Available' | 'Unavailable';
}

export class ReleaseProfileRequest {
  @ApiProperty({ type: Es2RequestHeader }) header: Es2RequestHeader;
  @ApiProperty() iccid: string;
}

export class ImportProfileJson {
  @ApiProperty({ description: 'The unprotected profile package (DER), base64' }) der: string;
  @ApiPropertyOptional({ description: 'Profile type (default: the ProfileHeader profileType)' }) profileType?: string;
}

export class ImportBatchJson {
  @ApiProperty({ type: [ImportProfileJson], description: 'Packages; optional `name` per item is echoed back' })
  profiles: Array<{ name?: string; der: string }>;
  @ApiPropertyOptional() profileType?: string;
}

export class ProfileTypeMetadataJson {
  @ApiProperty({ maxLength: 32 }) serviceProviderName: string;
  @ApiProperty({ maxLength: 64 }) profileName: string;
  @ApiPropertyOptional({ enum: ['test', 'provisioning', 'operational'] }) profileClass?: 'test' | 'provisioning' | 'operational';
  @ApiPropertyOptional({ enum: ['jpg', 'png'] }) iconType?: 'jpg' | 'png';
  @ApiPropertyOptional({ description: 'base64, at most 1024 bytes' }) icon?: string;
  @ApiPropertyOptional({ type: [String], description: 'pprUpdateControl, ppr1, ppr2' }) pprIds?: string[];
  @ApiPropertyOptional({ description: '[{event: install|enable|disable|delete, address}]' }) notificationConfig?: Array<{ event: string; address: string }>;
}

export class CallbackJson {
  @ApiProperty({ description: 'Base URL; HandleDownloadProgressInfo is POSTed to <url>/gsma/rsp2/es2plus/handleDownloadProgressInfo', nullable: true })
  url: string | null;
}
