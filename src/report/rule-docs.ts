// A rule's documentation page, generated from the rule itself so docs never drift from the severity or the fix.
import type { Rule } from '../audit/types.ts';
import { mdText } from './markdown.ts';
import { KUBE_HUNTER_KB } from './finding-view.ts';

/** A rule's fixes by component, in the order the rule lists them. */
export function componentFixes(rule: Pick<Rule, 'remediationFor'>): { component: string; fix: string }[] {
  return Object.entries(rule.remediationFor ?? {}).flatMap(([component, fix]) => (fix === undefined ? [] : [{ component, fix }]));
}

/** One Markdown page per rule: title, id, severity, component, mode, why, fix, references. */
export function renderRuleDoc(rule: Rule): string {
  const refs: string[] = [];
  if (rule.references.cis?.length) refs.push(`- CIS Kubernetes Benchmark: ${rule.references.cis.map((id) => `\`${id}\``).join(', ')}`);
  if (rule.references.khv) refs.push(`- kube-hunter: [${rule.references.khv}](${KUBE_HUNTER_KB}${rule.references.khv})`);
  for (const url of rule.references.urls ?? []) refs.push(`- <${url}>`);
  const mode =
    rule.mode === 'act'
      ? '`act`: the evidence comes from a harmless action on the target, so the rule only runs with `kia hunt --active`'
      : '`read`: passive, runs on every hunt';
  const rows = [
    ['Id', `\`${rule.id}\``],
    ['Severity', rule.severity],
    ['Component', rule.component === 'any' ? 'any component' : mdText(rule.component)],
    ['Mode', mode],
  ];
  return [
    `# ${mdText(rule.id)}: ${mdText(rule.title)}`,
    ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'),
    '## Why it matters',
    mdText(rule.rationale),
    '## Fix',
    mdText(rule.remediation),
    ...(componentFixes(rule).length ? ['A finding gives the fix of the component it fired on:', componentFixes(rule).map((f) => `- **${mdText(f.component)}**: ${mdText(f.fix)}`).join('\n')] : []),
    '## References',
    refs.length ? refs.join('\n') : 'None.',
  ].join('\n\n') + '\n';
}
