// Generates docs/rules/<id>.md from the rules (one page each, plus an index). `npm run docs`; a test checks they are current.
import { mkdirSync, writeFileSync } from 'node:fs';
import { RULES } from '../src/audit/index.ts';
import { ruleDocs } from '../src/report/rule-docs-index.ts';

mkdirSync('docs/rules', { recursive: true });
for (const [file, text] of Object.entries(ruleDocs(RULES))) writeFileSync(`docs/rules/${file}`, text);
process.stdout.write(`wrote ${RULES.length + 1} pages to docs/rules/\n`);
