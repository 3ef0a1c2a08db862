/**
 * `@peculiar/x509`, loaded after the Reflect metadata it needs, with Node's
 * WebCrypto as its crypto provider. Import X.509 classes from here, never
 * from "@peculiar/x509" directly.
 */
// @peculiar/x509 registers its algorithms through tsyringe, which needs the Reflect metadata API (its README).
import "reflect-metadata";

import { webcrypto } from "node:crypto";

import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
