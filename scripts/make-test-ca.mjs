// Makes the fixed CA that in-process tests use (control-plane/src/trust/testdata). Test-only: the
// key is public in the repository. Run after `pnpm build`: node scripts/make-test-ca.mjs
import fs from 'node:fs';
import { createCa } from '../control-plane/dist/trust/x509.js';

const ca = await createCa(Date.UTC(2026, 0, 1), 'hactl TEST CA (in-process tests only)');
fs.writeFileSync('control-plane/src/trust/testdata/test-ca.pem', ca.certPem);
fs.writeFileSync('control-plane/src/trust/testdata/test-ca.key', ca.keyPem);
