/** Test-only PKI made with the real openssl CLI: a CA, a server cert for 127.0.0.1/localhost, a client cert. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../harness/dockerd.js";

export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second, unrelated CA: a client trusting only it must fail verification. */
  otherCa: string;
}

async function ossl(args: string[]): Promise<void> {
  const r = await run("openssl", args);
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

export async function makePki(): Promise<Pki> {
  const dir = mkdtempSync(join(tmpdir(), "swd-pki-"));
  const p = (f: string) => join(dir, f);
  const subj = (cn: string) => ["-subj", `/CN=${cn}`];
  await ossl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", p("ca-key.pem"), "-out", p("ca.pem"), ...subj("sockwarden test CA")]);
  await ossl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", p("other-ca-key.pem"), "-out", p("other-ca.pem"), ...subj("unrelated CA")]);
  writeFileSync(p("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  writeFileSync(p("client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const who of ["server", "client"]) {
    await ossl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", p(`${who}-key.pem`), "-out", p(`${who}.csr`), ...subj(who === "server" ? "localhost" : "client")]);
    await ossl(["x509", "-req", "-in", p(`${who}.csr`), "-CA", p("ca.pem"), "-CAkey", p("ca-key.pem"), "-CAcreateserial", "-days", "2", "-extfile", p(`${who}.ext`), "-out", p(`${who}-cert.pem`)]);
  }
  return { dir, ca: p("ca.pem"), serverCert: p("server-cert.pem"), serverKey: p("server-key.pem"), clientCert: p("client-cert.pem"), clientKey: p("client-key.pem"), otherCa: p("other-ca.pem") };
}
