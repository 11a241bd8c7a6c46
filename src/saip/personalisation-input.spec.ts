import { Readable } from 'node:stream';
import { readPersonalisationCsv, PersonalisationRow } from './personalisation-input';

async function all(chunks: string[]): Promise<PersonalisationRow[]> {
  const out: PersonalisationRow[] = [];
  for await (const r of readPersonalisationCsv(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(r);
  return out;
}

describe('readPersonalisationCsv', () => {
  it('reads CSV with case-insensitive columns, across chunk boundaries, CRLF and comments', async () => {
    const text =
      '# batch 1\r\nIccid;IMSI;Ki;OP_c;pin1;PUK1;adm1;EKI;KIC1\r\n' +
      '89000199900000000410;001019876543210;11223344556677889900AABBCCDDEEFF;F0E0D0C0B0A090807060504030201000;1234;87654321;11223344;ABCD;000102030405060708090A0B0C0D0E0F\r\n' +
      '89000199900000000428;001019876543211;;;;;;;\r\n';
    const rows = await all([text.slice(0, 37), text.slice(37, 150), text.slice(150)]);
    expect(rows).toEqual([
      {
        line: 3, iccid: '89000199900000000410', imsi: '001019876543210', ki: '11223344556677889900AABBCCDDEEFF',
        opc: 'F0E0D0C0B0A090807060504030201000', pin1: '1234', puk1: '87654321', adm1: '11223344', extra: { EKI: 'ABCD' },
        securityDomainKeys: [{ keyVersionNumber: 1, keyIdentifier: 1, keyData: '000102030405060708090A0B0C0D0E0F' }],
      },
      { line: 4, iccid: '89000199900000000428', imsi: '001019876543211' },
    ]);
  });

  it('reads comma CSV with quotes and a trailing line without newline', async () => {
    expect(await all(['ICCID,"PIN1"\n"8944000000000000076F","0000"'])).toEqual([{ line: 2, iccid: '8944000000000000076', pin1: '0000' }]);
  });

  it('reads the vendors .out layout (var_Out column list, whitespace-separated rows)', async () => {
    const out = [
      '*HEADER DESCRIPTION',
      '***************************',
      'Customer       : Test Operator',
      'Quantity       : 2',
      'Type           : USIM',
      '*INPUT VARIABLES',
      'var_In:',
      ' Ser_nb: 8900019990000000041',
      ' IMSI: 001019876543210',
      '*OUTPUT VARIABLES',
      'var_Out: ICCID/IMSI/PIN1/PUK1/PIN2/PUK2/ADM1/KI/OPC',
      '89000199900000000410 001019876543210 1234 87654321 5678 11112222 11223344 11223344556677889900AABBCCDDEEFF F0E0D0C0B0A090807060504030201000',
      '89000199900000000428 001019876543211 1234 87654322 5678 11112223 11223345 21223344556677889900AABBCCDDEEFF E0E0D0C0B0A090807060504030201000',
      '',
    ].join('\n');
    const rows = await all([out]);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({
      line: 13, iccid: '89000199900000000428', imsi: '001019876543211', pin1: '1234', puk1: '87654322', pin2: '5678',
      puk2: '11112223', adm1: '11223345', ki: '21223344556677889900AABBCCDDEEFF', opc: 'E0E0D0C0B0A090807060504030201000',
    });
  });

  it('names the line of a short row and a header without ICCID', async () => {
    await expect(all(['ICCID,IMSI\n8944000000000000076\n'])).rejects.toThrow('line 2: 1 values for 2 columns (ICCID, IMSI)');
    await expect(all(['IMSI,KI\n1,2\n'])).rejects.toThrow("line 1: the column header must name an ICCID column, got 'IMSI,KI'");
  });
});
