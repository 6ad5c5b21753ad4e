#!/usr/bin/env node
/** Entry point of the live publisher CLI; see `lib/publish-live-cli.ts` (or run with --help). */
import { publishLiveMain } from './lib/publish-live-cli.js';

process.exitCode = await publishLiveMain(process.argv.slice(2), process.stdout, process.stderr);
