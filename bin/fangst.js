#!/usr/bin/env node
// The `fangst` command. TypeScript runs directly through tsx, so a fresh clone
// needs no build step before `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../jobs/cli.ts');
process.exitCode = await main(process.argv);
