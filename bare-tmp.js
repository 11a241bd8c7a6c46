const https = require('https'); const fs = require('fs');
const mode = process.argv[2];
const opts = { key: fs.readFileSync('certs/tls/server.key.pem'), cert: fs.readFileSync('certs/tls/server.pem') };
if (mode === 'node') {
  https.createServer(opts, (req, res) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => { JSON.parse(b); res.setHeader('content-type', 'application/json'); res.setHeader('x-admin-protocol', 'gsma/rsp/v2.2.0'); res.end(JSON.stringify({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.8.1', reasonCode: '3.8', message: 'x' } } } })); }); }).listen(9443);
} else {
  const f = require('fastify')({ https: opts, logger: false });
  f.post('/gsma/rsp2/es9plus/initiateAuthentication', async (req, reply) => { reply.header('x-admin-protocol', 'gsma/rsp/v2.2.0'); return { header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.8.1', reasonCode: '3.8', message: 'x' } } } }; });
  f.listen({ port: 9443 });
}
