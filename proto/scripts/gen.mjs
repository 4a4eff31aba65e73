// Generates TypeScript types for agent.proto into src/gen (committed). With --check, generates into a
// temp dir and fails when the committed files differ (drift check run by the test command).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const out = check ? fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-proto-')) : path.join(root, 'src/gen');
const bin = path.join(root, 'node_modules/.bin/proto-loader-gen-types');
if (!check) fs.rmSync(out, { recursive: true, force: true });
execFileSync(
  bin,
  [
    '--grpcLib=@grpc/grpc-js',
    '--longs=Number',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--keepCase=false',
    '--includeDirs',
    root,
    '--outDir',
    out,
    'hactl/agent/v1/agent.proto',
  ],
  { cwd: root, stdio: 'inherit' },
);

// Make the output portable and NodeNext-friendly: relative imports get their `.js` suffix, and the
// absolute path of the checkout in "Original file" comments becomes repo-relative.
for (const f of list(out)) {
  const file = path.join(out, f);
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/from '(\.{1,2}\/[^']+)'/g, (_, p) => `from '${p}.js'`)
    .split(root + path.sep)
    .join('proto/');
  fs.writeFileSync(file, text);
}

function list(dir) {
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}
if (check) {
  const committed = path.join(root, 'src/gen');
  const a = list(out),
    b = fs.existsSync(committed) ? list(committed) : [];
  const drift =
    JSON.stringify(a) !== JSON.stringify(b) ||
    a.some(
      (f) => fs.readFileSync(path.join(out, f), 'utf8') !== fs.readFileSync(path.join(committed, f), 'utf8'),
    );
  fs.rmSync(out, { recursive: true, force: true });
  if (drift) {
    console.error('proto: generated types in proto/src/gen are out of date; run `pnpm proto:gen` and commit');
    process.exit(1);
  }
  console.log('proto: generated types are up to date');
}
