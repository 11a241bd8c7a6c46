/**
 * `npm run cli -- inventory import <file|dir>... --operator <name> [--profile-type X]` — imports unprotected
 * profile packages (DER; a directory: every *.der in it) into an operator's inventory, encrypted at rest.
 * `inventory types --operator <name>` · `inventory show <iccid> --operator <name>`
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RspError } from '../../common/rsp-error';
import { openCliContext, parseArgs, str } from '../../inventory/cli-context';

export const summary = 'profile inventory: import <file|dir>... --operator <name> [--profile-type X] | types | show <iccid>';

const USAGE = `usage:
  npm run cli -- inventory import <file.der|dir>... --operator <name> [--profile-type <type>]
  npm run cli -- inventory types --operator <name>
  npm run cli -- inventory show <iccid> --operator <name>`;

function packageFiles(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.toLowerCase().endsWith('.der'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

export async function run(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const { positional, opts } = parseArgs(rest);
  if (!cmd || !['import', 'types', 'show'].includes(cmd) || (cmd !== 'types' && !positional.length)) {
    console.error(USAGE);
    return 2;
  }
  const ctx = await openCliContext();
  try {
    const op = await ctx.operator(str(opts.operator));
    if (cmd === 'types') {
      for (const t of await ctx.inventory.listProfileTypes(op.id)) console.log(`${t.name.padEnd(40)} available ${t.available} / ${t.total}`);
      return 0;
    }
    if (cmd === 'show') {
      console.log(JSON.stringify(await ctx.inventory.getProfile(op.id, positional[0]), null, 2));
      return 0;
    }
    const files = packageFiles(positional);
    const results = await ctx.inventory.importProfiles(
      op.id,
      files.map((f) => ({ name: basename(f), der: readFileSync(f) })),
      { profileType: str(opts['profile-type']), actor: 'cli' },
    );
    for (const r of results) {
      if (r.ok) console.log(`imported  ${r.name}: ICCID ${r.iccid}, type '${r.profileType}', SAIP v${r.majorVersion}.${r.minorVersion}`);
      else console.log(`REFUSED   ${r.name}: ${r.error} (${r.code})`);
    }
    const ok = results.filter((r) => r.ok).length;
    console.log(`${ok} imported, ${results.length - ok} refused`);
    return ok === results.length ? 0 : 1;
  } catch (e) {
    console.error(e instanceof RspError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    await ctx.close();
  }
}
