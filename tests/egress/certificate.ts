/**
 * A throwaway TLS certificate for the test web server, made by openssl.
 *
 * @module
 */
import { join } from "node:path";
import { mustRun } from "../must_run.ts";

/** Where {@linkcode makeCertificate} wrote the certificate and its key. */
export interface Certificate {
  /** PEM certificate. */
  cert: string;
  /** PEM private key. */
  key: string;
}

/**
 * Writes a self-signed P-256 certificate valid for a day into `dir`; the
 * first name is its subject, all are its subject alternative names
 * (`DNS:x` or `IP:x`).
 */
export async function makeCertificate(
  dir: string,
  names: readonly string[],
): Promise<Certificate> {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  await mustRun("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${names[0].replace(/^(DNS|IP):/, "")}`,
    "-addext",
    `subjectAltName=${names.join(",")}`,
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  return { cert, key };
}
