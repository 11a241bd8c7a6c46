/**
 * `npm run cli -- <group> <command> [args]`: one entry point, one module per group in ./commands
 * (operator, profile, order, …). Each module exports `run(args: string[]): Promise<number>` (exit code)
 * and `summary: string` (one line for the help text).
 */
import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface CommandModule {
  summary: string;
  run(args: string[]): Promise<number>;
}

function groups(): string[] {
  return readdirSync(join(__dirname, 'commands'))
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('.spec.'))
    .map((f) => f.replace(/\.(ts|js)$/, ''))
    .sort();
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (!group || group === 'help' || group === '--help') {
    console.log('usage: npm run cli -- <group> <command> [options]\n');
    for (const g of groups()) {
      const m = (await import(join(__dirname, 'commands', g))) as CommandModule;
      console.log(`  ${g.padEnd(10)} ${m.summary}`);
    }
    return group ? 0 : 1;
  }
  if (!groups().includes(group)) {
    console.error(`unknown command group '${group}'; try: npm run cli -- help`);
    return 2;
  }
  const m = (await import(join(__dirname, 'commands', group))) as CommandModule;
  return m.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
