import { RspError } from './rsp-error';
import { rspFailure, rspSuccess } from './rsp-response';

describe('SGP.22 response header', () => {
  it('success: header first, then the output fields', () => {
    expect(JSON.stringify(rspSuccess({ transactionId: '0A0B', serverSigned1: 'MA==' }))).toBe(
      '{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"0A0B","serverSigned1":"MA=="}',
    );
    expect(JSON.stringify(rspSuccess())).toBe('{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}}');
  });

  it('failure: statusCodeData with subject, reason, optional subjectIdentifier, message', () => {
    expect(JSON.stringify(rspFailure(new RspError('8.2.6', '3.8', 'Refused')))).toBe(
      '{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.2.6","reasonCode":"3.8","message":"Refused"}}}}',
    );
    expect(rspFailure(new RspError('8.1.1', '3.10', 'EID differs', '89049032123451234512345678901235')).header.functionExecutionStatus.statusCodeData).toEqual({
      subjectCode: '8.1.1',
      reasonCode: '3.10',
      subjectIdentifier: '89049032123451234512345678901235',
      message: 'EID differs',
    });
  });
});
