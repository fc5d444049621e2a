#!/usr/bin/env node
// The `vep` command. The suite ships as TypeScript sources run through tsx, so the code that
// the software version code hashes is exactly the code that runs (no separate build output).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
