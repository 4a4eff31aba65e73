// Prints the seed topology as the sandbox applies it (JSON documents separated by ---), for
// scripts/demo.sh: `node test/dist/src/sandbox/print-seed.js > specs.yaml`.
import { loadSeedTopology, sandboxHomes } from './seed.js';

process.stdout.write(loadSeedTopology(sandboxHomes(process.env), { fast: process.argv.includes('--fast') }).map((d) => JSON.stringify(d, null, 2)).join('\n---\n') + '\n');
