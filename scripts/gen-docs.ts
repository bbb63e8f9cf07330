// Generates docs/rules/<id>.md from the rules (one page each, plus an index) and docs/cis-coverage.md from the CIS items. `npm run docs`; a test checks they are current.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { CIS_ITEMS } from '../src/audit/cis/index.ts';
import { renderCisCoverage, type BenchItem } from '../src/report/cis-coverage.ts';
import { RULES } from '../src/audit/index.ts';
import { ruleDocs } from '../src/report/rule-docs-index.ts';

mkdirSync('docs/rules', { recursive: true });
for (const [file, text] of Object.entries(ruleDocs(RULES))) writeFileSync(`docs/rules/${file}`, text);
process.stdout.write(`wrote ${RULES.length + 1} pages to docs/rules/\n`);
const bench = (JSON.parse(readFileSync('docs/research/cis-items.json', 'utf8')) as { items: BenchItem[] }).items;
writeFileSync('docs/cis-coverage.md', renderCisCoverage(bench, CIS_ITEMS));
process.stdout.write('wrote docs/cis-coverage.md\n');
