// Writes deploy/kustomize/monitoring/prometheus-rule.yaml: the alert rules of deploy/prometheus/kia-alerts.yml (the one
// source, with its promtool tests) wrapped in a prometheus-operator PrometheusRule, comments kept. Run it after editing
// the rules: `node --import tsx scripts/gen-prometheus-rule.ts`; test/deploy.test.ts fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';

const SOURCE = 'deploy/prometheus/kia-alerts.yml';
const TARGET = 'deploy/kustomize/monitoring/prometheus-rule.yaml';

const alerts = YAML.parseDocument(readFileSync(SOURCE, 'utf8'));
const groups = alerts.get('groups', true);
if (!YAML.isSeq(groups)) throw new Error(`${SOURCE}: no groups list`);

const rule = new YAML.Document({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: {
    name: 'kia',
    namespace: 'kia-system',
    labels: { 'app.kubernetes.io/name': 'kia-agent', 'app.kubernetes.io/part-of': 'kia', role: 'alert-rules' },
  },
  spec: {},
});
rule.setIn(['spec', 'groups'], groups);
rule.commentBefore =
  ` Generated from ${SOURCE} by scripts/gen-prometheus-rule.ts: edit that file, not this one.\n` +
  ' keep_firing_for needs prometheus-operator >= 0.66 (an older CRD drops the field) and Prometheus >= 2.42.';

writeFileSync(TARGET, rule.toString({ lineWidth: 120 }));
process.stdout.write(`wrote ${TARGET}\n`);
