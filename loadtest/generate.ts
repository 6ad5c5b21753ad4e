#!/usr/bin/env node
/** Entry point of the traffic generator CLI; see `lib/generate-cli.ts` (or run with --help). */
import { generateMain } from './lib/generate-cli.js';

process.exitCode = await generateMain(process.argv.slice(2), process.stdout, process.stderr);
