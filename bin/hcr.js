#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's require hook: no build step to forget.
require('tsx/cjs');
require('../src/cli/main.ts');
