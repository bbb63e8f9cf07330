// Every rule's documentation page and an index, as file name -> Markdown (generated, never written by hand).
import type { Rule } from '../audit/types.ts';
import { renderRuleDoc } from './rule-docs.ts';

export function ruleDocs(rules: readonly Rule[]): Record<string, string> {
  const files: Record<string, string> = {};
  const rows = rules.map((r) => `| [${r.id}](${r.id}.md) | ${r.severity} | ${r.component} | ${r.mode} | ${r.title} |`);
  files['README.md'] = `# kia hunt rules\n\nGenerated from \`src/audit/rules/\` by \`npm run docs\`; do not edit by hand.\n\n| id | severity | component | mode | title |\n|---|---|---|---|---|\n${rows.join('\n')}\n`;
  for (const rule of rules) files[`${rule.id}.md`] = renderRuleDoc(rule);
  return files;
}
