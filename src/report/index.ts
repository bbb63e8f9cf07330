// Report renderers by output format: the keys type the `-o` flag, so an unknown format cannot fall back silently.
import type { Report } from '../model/index.ts';
import type { Rule } from '../audit/types.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';
import { renderSarif } from './sarif.ts';
import { renderText } from './text.ts';

export interface RenderContext {
  /** Rule metadata for descriptors, rationale and references (SARIF, Markdown, HTML). */
  rules: readonly Rule[];
  /** ANSI colours; only the text renderer uses them. */
  color: boolean;
}

export type Renderer = (report: Report, ctx: RenderContext) => string;

/** Every output format; each renderer is pure and redacts bearer tokens and private keys. */
export const RENDERERS = {
  text: (report, ctx) => renderText(report, { color: ctx.color, rules: ctx.rules }),
  json: (report) => renderJson(report),
  sarif: (report, ctx) => renderSarif(report, ctx.rules),
  markdown: (report, ctx) => renderMarkdown(report, ctx.rules),
  html: (report, ctx) => renderHtml(report, ctx.rules),
} as const satisfies Record<string, Renderer>;

export type OutputFormat = keyof typeof RENDERERS;

export const OUTPUT_FORMATS = Object.keys(RENDERERS) as OutputFormat[];

export function isOutputFormat(name: string): name is OutputFormat {
  return Object.hasOwn(RENDERERS, name);
}

export { renderHtml, renderJson, renderMarkdown, renderSarif, renderText };
export { renderRuleDoc } from './rule-docs.ts';
export { REPORT_SCHEMA, renderJsonPieces } from './json.ts';
export { redact } from './redact.ts';
