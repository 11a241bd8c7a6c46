// Server CPU per request for a cheap ES9+ request (refused at the first check: no DB, no crypto).
const https = require('https'); const fs = require('fs');
const pid = Number(process.argv[2]); const N = Number(process.argv[3] || 5000); const C = 16;
const agent = new https.Agent({ keepAlive: true, maxSockets: C, ca: fs.readFileSync('/work/main/certs/ci/nist.pem') });
const body = JSON.stringify({ smdpAddress: 'wrong.example', euiccChallenge: Buffer.alloc(16).toString('base64'), euiccInfo1: 'vyAA' });
function cpu() { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; }
function one() { return new Promise((res, rej) => { const r = https.request({ host: 'localhost', port: 9443, path: '/gsma/rsp2/es9plus/initiateAuthentication', method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-admin-protocol': 'gsma/rsp/v2.2.0', 'user-agent': 'gsma-rsp-lpad' } }, (s) => { let d = ''; s.on('data', (c) => (d += c)); s.on('end', () => res(d)); }); r.on('error', rej); r.end(body); }); }
(async () => {
  console.log((await one()).slice(0, 200));
  for (let i = 0; i < 2000; i++) await one();
  const c0 = cpu(); const t0 = Date.now(); let n = 0;
  await Promise.all(Array.from({ length: C }, async () => { while (n < N) { n++; await one(); } }));
  console.log('server CPU µs/request', ((cpu() - c0) * 1000 / N).toFixed(0), 'req/s', (N * 1000 / (Date.now() - t0)).toFixed(0));
  agent.destroy();
})();
