// Certificates for the harness's apiserver: a throwaway CA, a serving certificate for 127.0.0.1 and
// the in-cluster service names, and the service-account signing key. Made with openssl (ECDSA P-256,
// which takes milliseconds) into the run's state folder.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./commands.js";
import { HarnessError } from "./progress.js";

export interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

const SERVING_NAMES = [
  "IP:127.0.0.1",
  "IP:10.0.0.1",
  "DNS:localhost",
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  "DNS:kubernetes.default.svc.cluster.local",
];

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (error) {
    throw new HarnessError(
      `openssl failed (the harness makes its certificates with it; install it with \`apt-get install openssl\`):\n${(error as Error).message}`,
    );
  }
}

async function ecKey(path: string): Promise<void> {
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path]);
}

export async function createPki(dir: string): Promise<Pki> {
  const pki: Pki = {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    servingCert: join(dir, "apiserver.crt"),
    servingKey: join(dir, "apiserver.key"),
    serviceAccountKey: join(dir, "service-account.key"),
    serviceAccountPublicKey: join(dir, "service-account.pub"),
  };
  await Promise.all([ecKey(pki.caKey), ecKey(pki.servingKey), ecKey(pki.serviceAccountKey)]);
  await Promise.all([
    openssl(["ec", "-in", pki.serviceAccountKey, "-pubout", "-out", pki.serviceAccountPublicKey]),
    openssl([
      "req",
      "-x509",
      "-new",
      "-sha256",
      "-days",
      "30",
      "-key",
      pki.caKey,
      "-subj",
      "/CN=coworking-harness-ca",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
      "-out",
      pki.caCert,
    ]),
  ]);
  const csr = join(dir, "apiserver.csr");
  const extensions = join(dir, "apiserver.ext");
  await writeFile(
    extensions,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${SERVING_NAMES.join(",")}`,
      "",
    ].join("\n"),
  );
  await openssl([
    "req",
    "-new",
    "-sha256",
    "-key",
    pki.servingKey,
    "-subj",
    "/CN=kube-apiserver",
    "-out",
    csr,
  ]);
  await openssl([
    "x509",
    "-req",
    "-sha256",
    "-days",
    "30",
    "-in",
    csr,
    "-CA",
    pki.caCert,
    "-CAkey",
    pki.caKey,
    "-CAcreateserial",
    "-extfile",
    extensions,
    "-out",
    pki.servingCert,
  ]);
  return pki;
}
