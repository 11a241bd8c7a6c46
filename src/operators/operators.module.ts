import { Module } from '@nestjs/common';
import { OperatorAuthGuard } from './operator-auth.guard';
import { OperatorsService } from './operators.service';

/** Operators (ES2+ tenants) and their authentication. */
@Module({
  providers: [OperatorsService, OperatorAuthGuard],
  exports: [OperatorsService, OperatorAuthGuard],
})
export class OperatorsModule {}
