#!/usr/bin/env node
// The kia executable: the compiled CLI (npm ci builds it through the `prepare` script).
import('../dist/cli/main.js').catch((error) => {
  process.stderr.write(`kia: cannot start: ${error instanceof Error ? error.message : String(error)} (run \`npm run build\`)\n`);
  process.exitCode = 2;
});
