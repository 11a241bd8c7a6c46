/**
 * `npm run cli -- order create --operator <name> (--profile-type X | --iccid I) [--eid E] [--cc CODE] [--no-release]`
 * runs DownloadOrder + ConfirmOrder (SGP.22 §5.3.1–5.3.2) like an operator would, and prints the activation
 * code and its QR code in the terminal. `order qr <matchingId>` prints an existing order's code again.
 * `order cancel <iccid> --operator <name> [--unavailable]`
 */
import { RspError } from '../../common/rsp-error';
import { qrTerminal } from '../../inventory/activation-code';
import { openCliContext, parseArgs, str } from '../../inventory/cli-context';

export const summary = 'orders: create --operator <name> (--profile-type X | --iccid I) [--eid E] [--cc CODE] | qr <matchingId> | cancel <iccid>';

const USAGE = `usage:
  npm run cli -- order create --operator <name> (--profile-type <type> | --iccid <iccid>) [--eid <eid>] [--cc <code>] [--matching-id <id>] [--no-release]
  npm run cli -- order qr <matchingId>
  npm run cli -- order cancel <iccid> --operator <name> [--unavailable]`;

export async function run(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const { positional, opts } = parseArgs(rest, ['no-release', 'unavailable']);
  if (!cmd || !['create', 'qr', 'cancel'].includes(cmd) || (cmd !== 'create' && !positional[0])) {
    console.error(USAGE);
    return 2;
  }
  const ctx = await openCliContext();
  try {
    if (cmd === 'qr') {
      const o = await ctx.orders.orderByMatchingId(undefined, positional[0]);
      console.log(`ICCID ${o.iccid}, state ${o.state}\nLPA:${o.activationCode}\n`);
      console.log(await qrTerminal(`LPA:${o.activationCode}`));
      return 0;
    }
    const op = await ctx.operator(str(opts.operator));
    const caller = { operatorId: op.id, actor: 'cli' };
    if (cmd === 'cancel') {
      await ctx.orders.cancelOrder(caller, { iccid: positional[0], finalProfileStatusIndicator: opts.unavailable ? 'Unavailable' : 'Available' });
      console.log(`order of ${positional[0]} cancelled`);
      return 0;
    }
    const { iccid } = await ctx.orders.downloadOrder(caller, { profileType: str(opts['profile-type']), iccid: str(opts.iccid), eid: str(opts.eid) });
    const c = await ctx.orders.confirmOrder(caller, {
      iccid,
      eid: str(opts.eid),
      matchingId: str(opts['matching-id']),
      confirmationCode: str(opts.cc),
      releaseFlag: opts['no-release'] !== true,
    });
    console.log(`ICCID ${iccid} ${opts['no-release'] ? 'confirmed (release it with ES2+ ReleaseProfile)' : 'released'}; MatchingID ${c.matchingId || '(none: default SM-DP+)'}`);
    if (c.activationCode) {
      console.log(`LPA:${c.activationCode}\n`);
      console.log(await qrTerminal(`LPA:${c.activationCode}`));
    }
    return 0;
  } catch (e) {
    console.error(e instanceof RspError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    await ctx.close();
  }
}
