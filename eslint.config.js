import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Who may import whom (STYLE.md): the library never imports the lab or the CLI,
// audit/health never touch the network, model/errors import nothing of ours.
const noImport = (patterns) => ['error', { patterns: patterns.map((group) => ({ group: [group], message: 'layering: see STYLE.md' })) }];

// The dashboard's code runs in the browser (src/dashboard/, bundled into dist/dashboard/app.js); the rest runs in
// Node. tsconfig has both libs, so these keep each side off the other's globals.
const NODE_ONLY = ['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate', 'clearImmediate'];
const BROWSER_ONLY = ['window', 'document', 'location', 'history', 'navigator', 'localStorage', 'sessionStorage', 'EventSource', 'HTMLElement', 'Element', 'Node'];
const restrictGlobals = (names, where) => ['error', ...names.map((name) => ({ name, message: `${name} is not there in ${where}` }))];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['src/model/**', 'src/errors.ts'], rules: { 'no-restricted-imports': noImport(['../*', '../../*']) } },
  { files: ['src/catalog/**'], rules: { 'no-restricted-imports': noImport(['../clients/*', '../lab/*', '../cli/*', '../probe/*']) } },
  { files: ['src/clients/**', 'src/probe/**', 'src/discover/**', 'src/targets/**', 'src/audit/**', 'src/health/**', 'src/serve/**', 'src/report/**', 'src/index.ts'],
    rules: { 'no-restricted-imports': noImport(['**/lab/*', '**/cli/*']) } },
  { files: ['src/lab/**'], rules: { 'no-restricted-imports': noImport(['**/cli/*']) } },
  // The judges are pure: observations and a clock in, verdicts out. They read the model, the catalog and the format
  // readers, and never the network, the file system or the stages that touch them.
  { files: ['src/audit/**', 'src/health/**', 'src/formats/**'],
    rules: { 'no-restricted-imports': noImport(['node:net', 'node:tls', 'node:fs', 'node:fs/*', 'node:http', 'node:https', 'node:http2', 'node:dgram', 'node:dns', 'node:child_process', 'node:worker_threads', 'undici', 'ws', '@kubernetes/client-node', '**/clients/*', '**/clients/**', '**/probe/*', '**/discover/*', '**/pipelines/*', '**/serve/*', '**/targets/*', '**/report/*', '**/lab/*', '**/cli/*']) } },
  { files: ['src/**'], ignores: ['src/dashboard/**'], rules: { 'no-restricted-globals': restrictGlobals(BROWSER_ONLY, 'Node') } },
  // The page takes its lists from the model and the catalog's order, its types from the server; nothing else.
  { files: ['src/dashboard/**'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-globals': restrictGlobals(NODE_ONLY, 'the browser'),
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [
        { regex: '^(?!\\./|\\.\\./model/index\\.ts$|\\.\\./catalog/order\\.ts$|\\.\\./serve/monitor\\.ts$)', message: 'the dashboard imports only ./*, ../model/index.ts, ../catalog/order.ts and types from ../serve/monitor.ts' },
        { regex: '^\\.\\./serve/', allowTypeImports: true, message: 'the dashboard takes only types from the server' },
      ] }],
    } },
  { files: ['src/cli/**', 'bench/**', 'test/**', 'bin/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  { files: ['bin/**'], languageOptions: { globals: { process: 'readonly' } } },
  // One Kubernetes API module (STYLE: one seam per concern): only src/clients/kube-api.ts imports
  // @kubernetes/client-node, statically or dynamically. Tests use client-node as an independent implementation.
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['src/clients/kube-api.ts', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['ImportDeclaration', 'ImportExpression', 'ExportNamedDeclaration', 'ExportAllDeclaration'].map((node) => ({
          selector: `${node}[source.value=/^@kubernetes\\/client-node/]`,
          message: 'only src/clients/kube-api.ts imports @kubernetes/client-node: use it',
        })),
      ],
    },
  },
  // Tests beside the source may start the lab; the library itself may not.
  { files: ['src/**/*.test.ts'], rules: { 'no-restricted-imports': 'off' } },
);
