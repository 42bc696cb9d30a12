#!/usr/bin/env node
// The `mediagate` command: a stable file for npm to link at install time (dist/ is built after linking).
import "../dist/cli.js";
