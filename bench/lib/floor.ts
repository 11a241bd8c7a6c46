/**
 * The cryptographic floor of one download on the server (issue 6 §1): exactly the public-key work and the
 * BSP protection an SM-DP+ cannot avoid, timed in-process on this machine with the same primitives the
 * server uses (node:crypto through src/crypto). Everything the server spends above this is overhead.
 *
 * Per download (SGP.22 §3.1.3): sign serverSigned1 (§5.6.1); verify CERT.EUM and CERT.EUICC (§5.6.3 — both
 * cacheable: an EUM certificate serves millions of eUICCs); verify euiccSignature1 (§5.6.3); sign smdpSigned2
 * (§5.6.3); verify euiccSignature2 (§5.6.2); one-time key pair + ECDH and the session key derivation (§2.6.4,
 * §5.5.1); sign the InitialiseSecureChannel data (smdpSign); protect the BPP's TLVs with BSP (§2.6.4); verify
 * the signature of the ProfileInstallationResult (§5.6.4).
 */
import { randomBytes, verify } from 'node:crypto';
import { children, readTlv } from '../../src/asn1/tlv';
import { encodeServerSigned1, encodeSmdpSigned2 } from '../../src/asn1/rsp/authentication';
import { EcCurveName, signatureDo, signRaw, verifyRaw } from '../../src/crypto/ecdsa';
import { generateOneTimeKeyPair, oneTimeKeyAgreement } from '../../src/crypto/ecka';
import { deriveSessionKeys, eidToBytes } from '../../src/crypto/kdf';
import { createDevHierarchy, HierarchyName } from '../../src/pki/dev-pki';
import {
  buildBoundProfilePackage,
  encodeInitialiseSecureChannelRequest,
  initialiseSecureChannelSignedData,
} from '../../src/rsp/es8plus';

export interface FloorOp {
  name: string;
  /** Times per download. */
  perDownload: number;
  /** CPU microseconds per operation. */
  usPerOp: number;
  /** Can be cached across downloads (certificate verifications). */
  cacheable: boolean;
}

export interface CryptoFloor {
  curve: HierarchyName;
  profileBytes: number;
  ops: FloorOp[];
  /** CPU µs per download, every operation. */
  usPerDownload: number;
  /** CPU µs per download with the cacheable certificate verifications cached. */
  usPerDownloadCached: number;
}

/** CPU microseconds per call of `fn` (process CPU, like the server's), after a warm-up. */
export function cpuMicrosPerCall(fn: () => unknown, minMs = 150, minIterations = 30): number {
  for (let i = 0; i < 10; i++) fn();
  const start = process.cpuUsage();
  const wall = performance.now();
  let n = 0;
  while (n < minIterations || performance.now() - wall < minMs) {
    fn();
    n++;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

/** TBS and DER signature of an X.509 certificate (Certificate ::= SEQUENCE { tbs, algorithm, BIT STRING }). */
function tbsAndSignature(der: Buffer): { tbs: Buffer; signature: Buffer } {
  const [tbs, , sig] = children(readTlv(der));
  return { tbs: tbs.raw, signature: sig.value.subarray(1) };
}

/** Measures the floor for one download with a profile of `profileBytes` (the UPP the server binds). */
export function measureCryptoFloor(curveName: HierarchyName, upp: Buffer, minMs = 150): CryptoFloor {
  const h = createDevHierarchy(curveName, { now: new Date(), euiccCount: 1 });
  const curve = h.curve as EcCurveName;
  const euicc = h.euiccs[0];
  const dpauth = h.dpauth.privateKey;
  const dppb = h.dppb.privateKey;
  const eumCert = tbsAndSignature(h.eum.cert.der);
  const euiccCert = tbsAndSignature(euicc.cert.der);
  const ciKey = h.ci.cert.publicKey;
  const eumKey = h.eum.cert.publicKey;
  const euiccKey = euicc.cert.publicKey;

  const transactionId = randomBytes(16);
  const serverSigned1 = encodeServerSigned1({
    transactionId,
    euiccChallenge: randomBytes(16),
    serverAddress: 'smdp.example.com',
    serverChallenge: randomBytes(16),
  });
  // euiccSigned1 carries EUICCInfo2 and DeviceInfo: a few hundred bytes.
  const euiccSigned1 = randomBytes(420);
  const euiccSignature1 = signRaw(euicc.privateKey, euiccSigned1);
  const smdpSigned2 = encodeSmdpSigned2({ transactionId, ccRequiredFlag: false });
  const smdpSignature2Data = Buffer.concat([smdpSigned2, signatureDo(euiccSignature1)]);
  const smdpSignature2 = signatureDo(signRaw(dppb, smdpSignature2Data));
  const euiccOtk = generateOneTimeKeyPair(curve);
  const euiccSigned2 = Buffer.concat([Buffer.from([0x30, 0x57, 0x80, 0x10]), transactionId, Buffer.from([0x5f, 0x49, 0x41]), euiccOtk.publicKey]);
  const euiccSignature2Data = Buffer.concat([euiccSigned2, smdpSignature2]);
  const euiccSignature2 = signRaw(euicc.privateKey, euiccSignature2Data);
  const pirData = randomBytes(110);
  const pirSignature = signRaw(euicc.privateKey, pirData);
  const hostId = randomBytes(8);
  const eid16 = eidToBytes(euicc.eid);
  const storeMetadata = Buffer.concat([Buffer.from([0xbf, 0x25, 0x40]), randomBytes(64)]);
  const agreement = oneTimeKeyAgreement(curve, euiccOtk.publicKey);
  const iscSigned = initialiseSecureChannelSignedData({ transactionId, hostId, smdpOtpk: agreement.oneTimePublicKey, euiccOtpk: euiccOtk.publicKey });
  const isc = encodeInitialiseSecureChannelRequest({ transactionId, hostId, smdpOtpk: agreement.oneTimePublicKey, smdpSign: signRaw(dppb, iscSigned) });
  const sessionKeys = deriveSessionKeys(agreement.sharedSecret, hostId, eid16);

  const certVerify = (c: { tbs: Buffer; signature: Buffer }, key: typeof ciKey) => () => {
    if (!verify('sha256', c.tbs, { key, dsaEncoding: 'der' }, c.signature)) throw new Error('floor: certificate signature');
  };
  const mustVerify = (data: Buffer, sig: Buffer) => () => {
    if (!verifyRaw(euiccKey, data, sig)) throw new Error('floor: signature');
  };
  const specs: Array<{ name: string; fn: () => unknown; cacheable?: boolean }> = [
    { name: 'sign serverSigned1 (SK.DPauth)', fn: () => signRaw(dpauth, serverSigned1) },
    { name: 'verify CERT.EUM (PK.CI)', fn: certVerify(eumCert, ciKey), cacheable: true },
    { name: 'verify CERT.EUICC (PK.EUM)', fn: certVerify(euiccCert, eumKey), cacheable: true },
    { name: 'verify euiccSignature1', fn: mustVerify(euiccSigned1, euiccSignature1) },
    { name: 'sign smdpSigned2 (SK.DPpb)', fn: () => signRaw(dppb, smdpSignature2Data) },
    { name: 'verify euiccSignature2', fn: mustVerify(euiccSignature2Data, euiccSignature2) },
    {
      name: 'otSK.DP.ECKA + ECDH + KDF',
      fn: () => deriveSessionKeys(oneTimeKeyAgreement(curve, euiccOtk.publicKey).sharedSecret, hostId, eid16),
    },
    { name: 'sign smdpSign (SK.DPpb)', fn: () => signRaw(dppb, iscSigned) },
    {
      name: `BSP protect BPP (${upp.length} B profile)`,
      fn: () =>
        buildBoundProfilePackage({
          initialiseSecureChannelRequest: isc,
          sessionKeys,
          configureIsdpRequest: Buffer.from('bf2400', 'hex'),
          storeMetadataRequest: storeMetadata,
          upp,
        }),
    },
    { name: 'verify euiccSignPIR', fn: mustVerify(pirData, pirSignature) },
  ];
  const ops = specs.map((s) => ({ name: s.name, perDownload: 1, usPerOp: cpuMicrosPerCall(s.fn, minMs), cacheable: !!s.cacheable }));
  const usPerDownload = ops.reduce((t, o) => t + o.usPerOp * o.perDownload, 0);
  const usPerDownloadCached = ops.reduce((t, o) => t + (o.cacheable ? 0 : o.usPerOp * o.perDownload), 0);
  return { curve: curveName, profileBytes: upp.length, ops, usPerDownload, usPerDownloadCached };
}
