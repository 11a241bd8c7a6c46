import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProfileHeader } from '../../saip';
import { TS48_DIR } from '../../saip/test-fixtures';
import { run } from './profile';

const TEMPLATE = join(TS48_DIR, 'SAIP2.3_BERTLV_SUCI.der');

function capture(): { out: string[]; err: string[]; restore: () => void } {
  const out: string[] = [];
  const err: string[] = [];
  const l = jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const e = jest.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  return { out, err, restore: () => (l.mockRestore(), e.mockRestore()) };
}

describe('npm run cli -- profile', () => {
  it('inspect --json prints the summary and the validation result, no key values', async () => {
    const c = capture();
    const code = await run(['inspect', TEMPLATE, '--json']);
    c.restore();
    expect(code).toBe(0);
    const j = JSON.parse(c.out.join('\n'));
    expect([j.ok, j.summary.iccid, j.summary.imsi, j.summary.version]).toEqual([true, '89000123456789012341', '001010123456789', '2.3']);
    expect(c.out.join('\n')).not.toContain('000102030405060708090a0b0c0d0e0f');
  });

  it('generate writes N unique-ICCID profiles named <iccid>.der; personalise reads a CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saip-cli-'));
    const c = capture();
    expect(await run(['generate', '--template', TEMPLATE, '--count', '3', '--iccid-prefix', '890001999', '--out', join(dir, 'g')])).toBe(0);
    writeFileSync(join(dir, 'rows.csv'), 'ICCID,IMSI,PIN1\n8944000000000000076,234150000000001,4321\n');
    expect(await run(['personalise', '--template', TEMPLATE, '--csv', join(dir, 'rows.csv'), '--out', join(dir, 'p')])).toBe(0);
    expect(await run(['validate', join(dir, 'p', '8944000000000000076.der')])).toBe(0);
    c.restore();
    expect(readdirSync(join(dir, 'g')).sort()).toEqual(['89000199900000000014.der', '89000199900000000022.der', '89000199900000000030.der']);
    expect(readProfileHeader(readFileSync(join(dir, 'g', '89000199900000000022.der'))).iccid).toBe('89000199900000000022');
    expect(c.err).toEqual(["warning: line 2 has no KI; such profiles keep the template's Ki/OPc"]);
    expect(c.out.at(-1)).toBe('Validation     OK');
  });
});
