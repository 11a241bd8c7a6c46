/**
 * Object identifiers of the RSP PKI (SGP.22 §4.5.2.1, §A "RSPDefinitions") and the X.509 pieces it uses.
 * Every OID is built from its parent arc, as the ASN.1 modules define them:
 *
 * ```asn1
 * id-rsp OBJECT IDENTIFIER ::= {joint-iso-itu-t(2) international-organizations(23) gsma(146) rsp(1)}
 * id-rsp-cert-objects OBJECT IDENTIFIER ::= { id-rsp cert-objects(2)}
 * id-rspExt OBJECT IDENTIFIER ::= {id-rsp-cert-objects 0}
 * id-rspRole OBJECT IDENTIFIER ::= {id-rsp-cert-objects 1}
 * id-rspRole-ci OBJECT IDENTIFIER ::= {id-rspRole 0}
 * id-rspRole-euicc OBJECT IDENTIFIER ::= {id-rspRole 1}   -- v2 ("variant O") role policies 1..7
 * ...
 * ```
 * SGP.22 v3 introduces certificate-policy OIDs for the new variants under the CI arc (digest §5.1);
 * both families are accepted by the validation.
 */

// ---- GSMA RSP arcs (SGP.22 §A) -----------------------------------------------------------------
export const id_rsp = '2.23.146.1';
export const id_rsp_cert_objects = `${id_rsp}.2`;
export const id_rspExt = `${id_rsp_cert_objects}.0`;
export const id_rspRole = `${id_rsp_cert_objects}.1`;
/** v3 EUM extension arc: `id-rsp-cert-objects 2` */
export const id_rspEumExt = `${id_rsp_cert_objects}.2`;

/** id-rsp-expDate, id-rsp-totalPartialCrlNumber, id-rsp-partialCrlNumber (CRL extensions). */
export const id_rsp_expDate = `${id_rspExt}.1`;
export const id_rsp_totalPartialCrlNumber = `${id_rspExt}.2`;
export const id_rsp_partialCrlNumber = `${id_rspExt}.3`;

/**
 * v3 EUM certificate extension (digest §5.1): `permittedEins ::= SEQUENCE OF PrintableString`
 * — the EID prefixes (IINs) an EUM may issue.
 */
export const id_rsp_permittedEins = `${id_rspEumExt}.0`;

// ---- v2 / "variant O" role certificate policies (SGP.22 v2 §4.5.2.1) ---------------------------
export const id_rspRole_ci = `${id_rspRole}.0`;
export const id_rspRole_euicc_v2 = `${id_rspRole}.1`;
export const id_rspRole_eum_v2 = `${id_rspRole}.2`;
export const id_rspRole_dp_tls_v2 = `${id_rspRole}.3`;
export const id_rspRole_dp_auth_v2 = `${id_rspRole}.4`;
export const id_rspRole_dp_pb_v2 = `${id_rspRole}.5`;
export const id_rspRole_ds_tls_v2 = `${id_rspRole}.6`;
export const id_rspRole_ds_auth_v2 = `${id_rspRole}.7`;

// ---- v3 role certificate policies (SGP.22 v3 §4.5.2.1, variants Ov3/A/B/C) ---------------------
/** CI SubCA arc (also the arc of every v3 end-entity role). */
export const id_rspRole_ci_subca_v3 = `${id_rspRole_ci}.0`;
export const id_rspRole_eum_v3 = `${id_rspRole_ci_subca_v3}.0`;
export const id_rspRole_euicc_v3 = `${id_rspRole_eum_v3}.0.0`;
const id_rspRole_dp_v3 = `${id_rspRole_ci_subca_v3}.1`;
export const id_rspRole_dp_tls_v3 = `${id_rspRole_dp_v3}.0`;
export const id_rspRole_dp_auth_v3 = `${id_rspRole_dp_v3}.1`;
export const id_rspRole_dp_pb_v3 = `${id_rspRole_dp_v3}.2`;
const id_rspRole_ds_v3 = `${id_rspRole_ci_subca_v3}.2`;
export const id_rspRole_ds_tls_v3 = `${id_rspRole_ds_v3}.0`;
export const id_rspRole_ds_auth_v3 = `${id_rspRole_ds_v3}.1`;

/** The certificate roles the SM-DP+ deals with. */
export type RspRole = 'ci' | 'eum' | 'euicc' | 'dpTls' | 'dpAuth' | 'dpPb' | 'dsTls' | 'dsAuth';

/** Policy OIDs that identify each role, v2 ("variant O") first, then v3. */
export const RSP_ROLE_POLICIES: Readonly<Record<RspRole, readonly string[]>> = {
  ci: [id_rspRole_ci],
  eum: [id_rspRole_eum_v2, id_rspRole_eum_v3],
  euicc: [id_rspRole_euicc_v2, id_rspRole_euicc_v3],
  dpTls: [id_rspRole_dp_tls_v2, id_rspRole_dp_tls_v3],
  dpAuth: [id_rspRole_dp_auth_v2, id_rspRole_dp_auth_v3],
  dpPb: [id_rspRole_dp_pb_v2, id_rspRole_dp_pb_v3],
  dsTls: [id_rspRole_ds_tls_v2, id_rspRole_ds_tls_v3],
  dsAuth: [id_rspRole_ds_auth_v2, id_rspRole_ds_auth_v3],
};

/** True when `policies` contains a policy OID of `role` (v2 or v3). */
export function hasRolePolicy(policies: readonly string[], role: RspRole): boolean {
  return RSP_ROLE_POLICIES[role].some((p) => policies.includes(p));
}

// ---- X.509 (RFC 5280) ----------------------------------------------------------------------------
export const id_ce = '2.5.29';
export const id_ce_subjectKeyIdentifier = `${id_ce}.14`;
export const id_ce_keyUsage = `${id_ce}.15`;
export const id_ce_subjectAltName = `${id_ce}.17`;
export const id_ce_basicConstraints = `${id_ce}.19`;
export const id_ce_nameConstraints = `${id_ce}.30`;
export const id_ce_cRLDistributionPoints = `${id_ce}.31`;
export const id_ce_certificatePolicies = `${id_ce}.32`;
export const id_ce_authorityKeyIdentifier = `${id_ce}.35`;
export const id_ce_extKeyUsage = `${id_ce}.37`;

/** id-at (X.520 attribute types used in RSP subject names). */
export const id_at = '2.5.4';
export const id_at_commonName = `${id_at}.3`;
export const id_at_serialNumber = `${id_at}.5`;
export const id_at_countryName = `${id_at}.6`;
export const id_at_organizationName = `${id_at}.10`;
export const id_at_organizationalUnitName = `${id_at}.11`;

/** id-kp (RFC 5280 §4.2.1.12). */
export const id_pkix = '1.3.6.1.5.5.7';
export const id_kp = `${id_pkix}.3`;
export const id_kp_serverAuth = `${id_kp}.1`;
export const id_kp_clientAuth = `${id_kp}.2`;

// ---- Elliptic curves and ECDSA (RFC 5480, RFC 5639) -----------------------------------------------
export const ansi_X9_62 = '1.2.840.10045';
export const id_ecPublicKey = `${ansi_X9_62}.2.1`;
export const prime256v1 = `${ansi_X9_62}.3.1.7`;
export const ecdsa_with_SHA256 = `${ansi_X9_62}.4.3.2`;
/** ecStdCurvesAndGeneration 1.3.36.3.3.2.8 → ellipticCurve(1) versionOne(1) brainpoolP256r1(7). */
export const ecStdCurvesAndGeneration = '1.3.36.3.3.2.8';
export const brainpoolP256r1 = `${ecStdCurvesAndGeneration}.1.1.7`;
