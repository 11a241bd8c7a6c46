/**
 * Streaming readers for per-profile personalisation data, one row per profile, never the whole file in memory.
 *
 * Two layouts are recognised:
 *  1. CSV (',' ';' or TAB, detected from the header line; '"' quoting; '#' comment lines): a header row naming
 *     the columns, case-insensitive, punctuation ignored — ICCID, IMSI, KI (or K), OPC (or OP_C), PIN1, PUK1,
 *     PIN2, PUK2, ADM1 (or ADM), ADM2, ACC, and security-domain (SCP80) keys KIC<n>/KID<n>/KIK<n> = key version
 *     n, identifiers 1/2/3.
 *  2. The SIM vendors' ".out" response file: free-form header blocks (`*HEADER DESCRIPTION`, `Quantity: …`,
 *     `var_In:` …) and a `var_Out: ICCID/IMSI/PIN1/PUK1/…/KI/OPC` line naming the columns ('/'-, ','- or
 *     space-separated), followed by one whitespace-separated data line per card.
 * Unknown columns are kept in `extra` (e.g. EKI, ACC, KIC…); an empty cell is an absent value.
 */
import { SaipError } from './errors';
import { PersonalisationData } from './personalise';

export interface PersonalisationRow extends PersonalisationData {
  /** 1-based line number in the input, for error messages. */
  line: number;
  extra?: Record<string, string>;
}

const SIMPLE: Record<string, keyof PersonalisationData> = {
  ICCID: 'iccid', IMSI: 'imsi', KI: 'ki', K: 'ki', OPC: 'opc', PIN1: 'pin1', PIN2: 'pin2', PUK1: 'puk1', PUK2: 'puk2',
  ADM1: 'adm1', ADM: 'adm1', ADM2: 'adm2', ACC: 'acc',
};
const SD_KEY = /^KI([CDK])([0-9]{1,2})$/; // KIC1 / KID1 / KIK1 (ETSI TS 102 225 keyset n: KIc=1, KID=2, DEK=3)

type Column = (row: PersonalisationRow, value: string) => void;

function columnFor(name: string): Column {
  const key = name.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const simple = SIMPLE[key];
  if (simple) return (row, v) => ((row as unknown as Record<string, string>)[simple] = simple === 'iccid' ? v.replace(/[Ff]+$/, '') : v);
  const sd = SD_KEY.exec(key);
  if (sd) {
    const keyIdentifier = { C: 1, D: 2, K: 3 }[sd[1] as 'C' | 'D' | 'K'];
    const keyVersionNumber = Number(sd[2]);
    return (row, v) => (row.securityDomainKeys ??= []).push({ keyVersionNumber, keyIdentifier, keyData: v });
  }
  return (row, v) => ((row.extra ??= {})[name] = v);
}

/** Splits one CSV line; handles "quoted, fields" and "" escapes. */
function splitCsv(line: string, sep: string): string[] {
  if (!line.includes('"')) return line.split(sep).map((s) => s.trim());
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Lines of a stream, with their 1-based numbers; chunk boundaries and CRLF handled. */
async function* lines(input: AsyncIterable<string | Buffer>): AsyncGenerator<[string, number]> {
  let rest = '';
  let n = 0;
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let i: number;
    let start = 0;
    while ((i = rest.indexOf('\n', start)) >= 0) {
      let l = rest.slice(start, i);
      if (l.endsWith('\r')) l = l.slice(0, -1);
      yield [l, ++n];
      start = i + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest.length) yield [rest, ++n];
}

/**
 * Reads personalisation rows from a CSV or ".out" stream (a Readable, or any async iterable of text chunks).
 * Yields rows as they are read; throws SaipError on a header without ICCID or a row with the wrong number of
 * cells (naming the line).
 */
export async function* readPersonalisationCsv(input: AsyncIterable<string | Buffer>): AsyncGenerator<PersonalisationRow> {
  let columns: Column[] | undefined;
  let names: string[] = [];
  let mode: 'csv' | 'out' | undefined;
  let sep = ',';
  for await (const [raw, n] of lines(input)) {
    const line = raw.replace(/^\uFEFF/, '');
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    if (!columns) {
      if (mode === undefined) mode = t.startsWith('*') || /^var_(in|out)\s*:/i.test(t) || /^[A-Za-z_ ]+\s:\s/.test(t) ? 'out' : 'csv';
      if (mode === 'out') {
        const m = /^var_out\s*:\s*(.*)$/i.exec(t);
        if (!m) continue; // header blocks of the .out file
        names = m[1].split(/[/,\s]+/).filter(Boolean);
      } else {
        const counts = [',', ';', '\t'].map((s) => [s, t.split(s).length - 1] as const).sort((a, b) => b[1] - a[1]);
        sep = counts[0][1] > 0 ? counts[0][0] : ',';
        names = splitCsv(t, sep);
      }
      if (!names.some((c) => c.toUpperCase().replace(/[^A-Z0-9]/g, '') === 'ICCID')) {
        throw new SaipError(`line ${n}: the column header must name an ICCID column, got '${names.join(sep)}'`, 'iccid');
      }
      columns = names.map(columnFor);
      continue;
    }
    if (mode === 'out' && (t.startsWith('*') || /^[A-Za-z_]+\s*:/.test(t))) continue;
    const cells = mode === 'out' ? t.split(/\s+/) : splitCsv(line, sep);
    if (cells.length !== columns.length) {
      throw new SaipError(`line ${n}: ${cells.length} values for ${columns.length} columns (${names.join(', ')})`);
    }
    const row = { line: n } as PersonalisationRow;
    for (let i = 0; i < cells.length; i++) if (cells[i] !== '') columns[i](row, cells[i]);
    if (!row.iccid) throw new SaipError(`line ${n}: ICCID is empty`, 'iccid');
    yield row;
  }
  if (!columns) throw new SaipError('the input has no column header (a CSV header row or a .out var_Out: line)');
}
