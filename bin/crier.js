#!/usr/bin/env node
// Runs the compiled CLI (npm run build, done by `npm install` through the prepare script).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
